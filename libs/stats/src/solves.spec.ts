import { solveFactOf, solveFactsOf, statusChangeOf } from './solves';
import { ticketFactOf } from './tickets';

/** As the simulator serves it (libs/zendesk-simulator/src/audits.ts): the audits API's child-event form. */
const simulatorItem = {
  id: 190155135917585,
  ticket_id: 42,
  timestamp: 1800000030,
  created_at: '2027-01-15T08:00:30Z',
  updater_id: 9,
  via: 'Web form',
  event_type: 'Audit',
  child_events: [
    {
      id: 1901551359175851,
      via: 'Web form',
      event_type: 'Change',
      field_name: 'status',
      value: 'solved',
      previous_value: 'open',
    },
  ],
};

/** As Zendesk's incremental export writes it: child events keyed by the field. */
const zendeskItem = {
  id: 38119419212317,
  ticket_id: 35436,
  timestamp: 1800000031,
  created_at: '2027-01-15T08:00:31Z',
  updater_id: 364487463477,
  via: 'Web form',
  event_type: 'Audit',
  child_events: [
    {
      id: 38119419212443,
      via: 'Web form',
      via_reference_id: null,
      comment_present: true,
      comment_public: true,
      event_type: 'Comment',
    },
    {
      id: 38119419212449,
      via: 'Web form',
      via_reference_id: null,
      status: 'solved',
      event_type: 'Change',
      previous_value: 'pending',
    },
    {
      id: 38119419212451,
      via: 'Web form',
      via_reference_id: null,
      tags: ['done'],
      event_type: 'Change',
      previous_value: [],
    },
  ],
};

describe('solve facts from the ticket-events export', () => {
  it("reads the simulator's form and Zendesk's field-keyed form alike", () => {
    expect(solveFactOf(simulatorItem)).toEqual({
      auditId: '190155135917585',
      ticketId: '42',
      at: 1800000030,
      updaterId: '9',
      from: 'open',
    });
    expect(solveFactOf(zendeskItem)).toEqual({
      auditId: '38119419212317',
      ticketId: '35436',
      at: 1800000031,
      updaterId: '364487463477',
      from: 'pending',
    });
  });

  it.each([
    [
      'Create without previous_value (created solved)',
      { event_type: 'Create', field_name: 'status', value: 'solved' },
      { to: 'solved', from: null },
    ],
    ['Create, field-keyed', { event_type: 'Create', status: 'solved' }, { to: 'solved', from: null }],
    [
      'Create with previous_value null (the simulator)',
      { event_type: 'Create', field_name: 'status', value: 'new', previous_value: null },
      { to: 'new', from: null },
    ],
    [
      'another field',
      { event_type: 'Change', field_name: 'priority', value: 'high', previous_value: 'low' },
      null,
    ],
    ['another field, field-keyed', { event_type: 'Change', priority: 'high', previous_value: 'low' }, null],
    ['a comment', { event_type: 'Comment', body: 'solved it' }, null],
    ['an unknown type carrying a status key', { event_type: 'Notification', status: 'solved' }, null],
    ['no type', { field_name: 'status', value: 'solved' }, null],
  ])('%s', (_name, child, expected) => {
    expect(statusChangeOf(child)).toEqual(expected);
  });

  it.each([
    ['new', true],
    ['open', true],
    ['pending', true],
    ['hold', true],
    ['solved', false], // a custom status of the solved category printed as a change
    ['closed', false],
    ['deleted', false], // undelete
    ['awaiting parts', false],
  ])('to solved from %s: solve %s', (from, solve) => {
    const item = {
      ...simulatorItem,
      child_events: [{ event_type: 'Change', field_name: 'status', value: 'solved', previous_value: from }],
    };
    expect(solveFactOf(item) !== null).toBe(solve);
  });

  it('moves to other statuses are no solves', () => {
    for (const to of ['closed', 'open', 'deleted', 'pending'])
      expect(
        solveFactOf({
          ...simulatorItem,
          child_events: [{ event_type: 'Change', field_name: 'status', value: to, previous_value: 'open' }],
        }),
      ).toBeNull();
  });

  it('keeps -1 (system) and a missing updater as the system user; takes string ids; falls back to created_at', () => {
    const { timestamp: _t, ...withoutTimestamp } = simulatorItem;
    expect(solveFactOf({ ...simulatorItem, updater_id: -1 })?.updaterId).toBe('-1');
    expect(solveFactOf({ ...simulatorItem, updater_id: undefined })?.updaterId).toBe('-1');
    expect(solveFactOf({ ...simulatorItem, id: '98765432109876543210', ticket_id: '7' })).toMatchObject({
      auditId: '98765432109876543210',
      ticketId: '7',
    });
    expect(solveFactOf(withoutTimestamp)?.at).toBe(1800000030);
  });

  it('refuses ids it cannot hold exactly and items without a time', () => {
    expect(() => solveFactOf({ ...simulatorItem, id: 2 ** 53 })).toThrow(/audit id/);
    expect(() => solveFactOf({ ...simulatorItem, ticket_id: 'abc' })).toThrow(/ticket_id/);
    expect(() => solveFactOf({ ...simulatorItem, timestamp: undefined, created_at: undefined })).toThrow(
      /no timestamp/,
    );
  });

  it('extracts only the solves of a page', () => {
    expect(
      solveFactsOf([simulatorItem, { ...simulatorItem, id: 1, child_events: [] }, zendeskItem]).map(
        (s) => s.auditId,
      ),
    ).toEqual(['190155135917585', '38119419212317']);
  });
});

describe('ticket facts from the ticket export', () => {
  it('truncates created_at to seconds; null when absent', () => {
    expect(ticketFactOf({ id: 5, created_at: '2027-01-15T08:00:30.999Z', status: 'deleted' })).toEqual({
      id: '5',
      createdAt: 1800000030,
      status: 'deleted',
    });
    expect(ticketFactOf({ id: 5, status: 'open' })).toEqual({ id: '5', createdAt: null, status: 'open' });
  });
});
