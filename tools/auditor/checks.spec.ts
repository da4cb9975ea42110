import {
  audit,
  checkAlertIdsUniqueInHistory,
  checkAlertIdsUniqueOnTopic,
  checkAlertSequences,
  checkDeliveriesInKafka,
  checkHistoryEqualsTopic,
  checkLatestCounts,
  checkLatestOpenSetIsNewest,
  checkLatestOpenSets,
  checkNoDeadLetters,
  checkStatusHistory,
  checkTicketStatus,
  checkUserTickets,
  latestPerKey,
  report,
  thresholdCrossings,
} from './checks';
import type { AuditInput, TopicRecord } from './model';

const T0 = Date.parse('2026-11-25T12:00:00Z');
const at = (s: number, ms = 0) => new Date(T0 + s * 1000 + ms).toISOString();

/**
 * A consistent world: ann (ANN@example.com as a company user, ann@example.com in Zendesk) went 0 → 4 → 2 open
 * tickets over two rounds, so one exceeded and one recovered; bo never had a ticket.
 */
function alertRecord(
  partition: number,
  offset: number,
  userId: string,
  id: string,
  type: string,
  openCount: number,
) {
  return { partition, offset: String(offset), key: userId, value: { eventId: id, userId, type, openCount } };
}

function consistent(): AuditInput {
  const ticket = (id: number, open: boolean) => ({
    id,
    requesterEmail: 'ann@example.com',
    status: open ? 'new' : 'solved',
    open,
    deleted: null,
    history: open
      ? [{ at: at(id - 1000), from: null, to: 'new' }]
      : [
          { at: at(id - 1000), from: null, to: 'new' },
          { at: at(100 + id - 1000), from: 'new', to: 'solved' },
        ],
  });
  const truthTickets = [ticket(1001, false), ticket(1002, false), ticket(1003, true), ticket(1004, true)];
  const openSet = (
    offset: number,
    ids: string[],
  ): TopicRecord<{ openTicketIds: string[]; version: number }> => ({
    partition: 2,
    offset: String(offset),
    key: 'ann',
    value: { openTicketIds: ids, version: 10 + offset },
  });
  const alert = (offset: number, id: string, type: string, openCount: number) =>
    alertRecord(1, offset, 'ann', id, type, openCount);
  return {
    threshold: 3,
    users: [
      { userId: 'ann', email: 'ANN@example.com ' },
      { userId: 'bo', email: 'bo@example.com' },
    ],
    truthTickets,
    timeline: {
      marks: [
        { label: 'start', at: at(0) },
        { label: 'round 1', at: at(50) },
        { label: 'round 2', at: at(150) },
      ],
      openCounts: { 'ann@example.com': [0, 4, 2] },
    },
    deliveries: [
      {
        eventId: 'e1',
        eventType: 'zen:event-type:ticket.created',
        ticketId: 1001,
        copy: 1,
        outcome: 'delivered',
        attempts: [200],
      },
      {
        eventId: 'e1',
        eventType: 'zen:event-type:ticket.created',
        ticketId: 1001,
        copy: 2,
        outcome: 'delivered',
        attempts: [200],
      },
      {
        eventId: 'e2',
        eventType: 'zen:event-type:ticket.created',
        ticketId: 1002,
        copy: 1,
        outcome: 'dropped',
        attempts: [],
      },
      {
        eventId: 'e3',
        eventType: 'zen:event-type:ticket.created',
        ticketId: 1003,
        copy: 1,
        outcome: 'delivered',
        attempts: ['network-error', 200],
      },
    ],
    ticketEvents: [
      { partition: 0, offset: '0', key: '1001', value: { eventId: 'e1' } },
      { partition: 3, offset: '0', key: '1003', value: { eventId: 'e3' } },
    ],
    openSets: [
      openSet(0, ['1001']),
      openSet(1, ['1001', '1002', '1003', '1004']),
      openSet(2, ['1003', '1004']),
    ],
    openCounts: [
      {
        partition: 2,
        offset: '0',
        key: 'ann',
        value: { openCount: 4, openTicketIds: ['1001', '1002', '1003', '1004'] },
      },
      { partition: 2, offset: '1', key: 'ann', value: { openCount: 2, openTicketIds: ['1004', '1003'] } },
    ],
    alerts: [alert(0, 'a1', 'user.threshold.exceeded', 4), alert(1, 'a2', 'user.threshold.recovered', 2)],
    deadLetters: [
      { topic: 'ticket.events.v1.dlq', records: 0 },
      { topic: 'user.open-tickets.v1.dlq', records: 0 },
    ],
    readModels: {
      userTickets: truthTickets.map((t) => ({
        userId: 'ann',
        ticketId: String(t.id),
        status: t.status,
        open: t.open,
      })),
      tickets: truthTickets.map((t) => ({
        ticketId: String(t.id),
        status: t.status,
        open: t.open,
        deleted: null,
      })),
      history: truthTickets.flatMap((t) =>
        // Stored with milliseconds the truth does not have at whole seconds, and in another order.
        [...t.history].reverse().map((h) => ({
          ticketId: String(t.id),
          at: at((Date.parse(h.at) - T0) / 1000, 420),
          from: h.from,
          to: h.to,
        })),
      ),
      alertHistory: [
        { alertId: 'a2', userId: 'ann', kind: 'recovered', openCount: 2 },
        { alertId: 'a1', userId: 'ann', kind: 'exceeded', openCount: 4 },
      ],
    },
  };
}

describe('auditor checks', () => {
  it('threshold crossings: above 3 exceeds, back to 3 or below recovers, nothing in between', () => {
    expect(thresholdCrossings([0, 2, 4, 5, 3, 6, 1], 3)).toEqual([
      'exceeded',
      'recovered',
      'exceeded',
      'recovered',
    ]);
    expect(thresholdCrossings([3, 3, 4, 9, 4], 3)).toEqual(['exceeded']);
    expect(thresholdCrossings([5], 3)).toEqual(['exceeded']);
    expect(thresholdCrossings([], 3)).toEqual([]);
  });

  it('latest per key reads each partition in offset order, whatever order records arrive in', () => {
    const records: TopicRecord<string>[] = [
      { partition: 1, offset: '10', key: 'a', value: 'new' },
      { partition: 1, offset: '9', key: 'a', value: 'old' },
      { partition: 0, offset: '2', key: 'b', value: 'b' },
    ];
    expect(latestPerKey(records)).toEqual(
      new Map([
        ['a', 'new'],
        ['b', 'b'],
      ]),
    );
  });

  it('passes a consistent world: duplicates delivered twice, dropped webhooks, ms and order in history', () => {
    const results = audit(consistent());
    expect(results.filter((r) => !r.passed)).toEqual([]);
    expect(report(results).split('\n').at(-1)).toBe('12 passed, 0 failed');
  });

  it('a webhook answered 2xx and absent from Kafka is lost; a pending one is a failure too', () => {
    const input = consistent();
    input.ticketEvents = input.ticketEvents.filter((r) => r.value?.eventId !== 'e3');
    expect(checkDeliveriesInKafka(input)).toMatchObject({ passed: false });
    expect(checkDeliveriesInKafka(input).detail).toContain(
      'e3 (ticket.created, ticket 1003, answered network-error/200)',
    );
    const pending = consistent();
    pending.deliveries[3]!.outcome = 'pending';
    expect(checkDeliveriesInKafka(pending)).toMatchObject({ passed: false });
  });

  it("a user's ticket with a wrong status, a missing one or a stranger's is wrong", () => {
    const wrong = consistent();
    wrong.readModels.userTickets[2]!.status = 'open';
    expect(checkUserTickets(wrong)).toMatchObject({ passed: false });
    const missing = consistent();
    missing.readModels.userTickets.pop();
    expect(checkUserTickets(missing).detail).toContain('ann missing [1004:new:open]');
    const stranger = consistent();
    stranger.readModels.userTickets.push({ userId: 'zed', ticketId: '1001', status: 'solved', open: false });
    expect(checkUserTickets(stranger)).toMatchObject({ passed: false });
  });

  it('ticket status: a purged ticket may be gone, any other must be there and equal', () => {
    const purged = consistent();
    purged.truthTickets[0]!.deleted = 'permanent';
    purged.readModels.tickets.shift();
    expect(checkTicketStatus(purged)).toMatchObject({ passed: true });
    const missing = consistent();
    missing.readModels.tickets.shift();
    expect(checkTicketStatus(missing)).toMatchObject({ passed: false });
    const extra = consistent();
    extra.readModels.tickets.push({ ticketId: '9999', status: 'new', open: true, deleted: null });
    expect(checkTicketStatus(extra).detail).toContain('9999: not a ticket of the truth');
  });

  it('status history: a missing, extra or shifted transition is wrong', () => {
    const missing = consistent();
    missing.readModels.history.pop();
    expect(checkStatusHistory(missing)).toMatchObject({ passed: false });
    const extra = consistent();
    extra.readModels.history.push({ ticketId: '1003', at: at(3), from: null, to: 'new' });
    expect(checkStatusHistory(extra)).toMatchObject({ passed: false });
    const shifted = consistent();
    shifted.readModels.history[0]!.at = at(500);
    expect(checkStatusHistory(shifted)).toMatchObject({ passed: false });
  });

  it('latest open set: an older set published last is wrong; a user never published with none open is right', () => {
    const stale = consistent();
    stale.openSets[2]!.offset = '0';
    stale.openSets[0]!.offset = '2';
    const result = checkLatestOpenSets(stale);
    expect(result).toMatchObject({ passed: false });
    expect(result.detail).toContain('ann: published [1001], truth [1003,1004]');
    const none = consistent();
    none.openSets = [];
    expect(checkLatestOpenSets(none).detail).toContain('1 of 2 users');
  });

  it('latest open set: the last record per user must carry its highest version', () => {
    const input = consistent();
    expect(checkLatestOpenSetIsNewest(input)).toMatchObject({ passed: true });
    // A set appended after a newer one (a send acknowledged late): the truth may even match it by chance.
    input.openSets.push({ ...input.openSets[1]!, offset: '3' });
    const result = checkLatestOpenSetIsNewest(input);
    expect(result).toMatchObject({ passed: false });
    expect(result.detail).toContain('ann: last record version 11, highest 12');
  });

  it('latest count: ids in any order, but the count must equal the truth', () => {
    const input = consistent();
    expect(checkLatestCounts(input)).toMatchObject({ passed: true });
    (input.openCounts[1]!.value as { openCount: number }).openCount = 3;
    expect(checkLatestCounts(input)).toMatchObject({ passed: false });
  });

  it('alert sequences: missing, extra, for strangers, or with a contradicting count are wrong', () => {
    const missing = consistent();
    missing.alerts.pop();
    expect(checkAlertSequences(missing).detail).toContain(
      '[exceeded] published, [exceeded,recovered] crossings',
    );
    const extra = consistent();
    extra.alerts.push(alertRecord(1, 2, 'ann', 'a3', 'user.threshold.recovered', 1));
    expect(checkAlertSequences(extra)).toMatchObject({ passed: false });
    const stranger = consistent();
    stranger.alerts.push(alertRecord(0, 0, 'zed', 'z1', 'user.threshold.exceeded', 4));
    expect(checkAlertSequences(stranger).detail).toContain(
      'zed: 1 alerts for a user who is not a company user',
    );
    const contradicting = consistent();
    contradicting.alerts[1]!.value!.openCount = 4;
    expect(checkAlertSequences(contradicting).detail).toContain('contradicts');
  });

  it('a re-published alert id keeps the sequence right but is a duplicate on the topic', () => {
    const input = consistent();
    input.alerts.push({ ...input.alerts[0]!, offset: '2' });
    expect(checkAlertSequences(input)).toMatchObject({ passed: true });
    expect(checkAlertIdsUniqueOnTopic(input)).toMatchObject({ passed: false });
    expect(checkAlertIdsUniqueOnTopic(input).detail).toContain('a1 ×2');
    expect(checkHistoryEqualsTopic(input)).toMatchObject({ passed: true });
  });

  it('alert_history: duplicates, alerts never published or never stored are wrong', () => {
    const duplicate = consistent();
    duplicate.readModels.alertHistory.push({ ...duplicate.readModels.alertHistory[0]! });
    expect(checkAlertIdsUniqueInHistory(duplicate)).toMatchObject({ passed: false });
    const unstored = consistent();
    unstored.readModels.alertHistory.pop();
    expect(checkHistoryEqualsTopic(unstored).detail).toContain(
      'a1 (ann:exceeded:4) published, not in alert_history',
    );
    const unpublished = consistent();
    unpublished.alerts.pop();
    expect(checkHistoryEqualsTopic(unpublished).detail).toContain('in alert_history, never published');
    const changed = consistent();
    changed.readModels.alertHistory[0]!.openCount = 3;
    expect(checkHistoryEqualsTopic(changed)).toMatchObject({ passed: false });
  });

  it('anything dead-lettered fails', () => {
    const input = consistent();
    input.deadLetters[1]!.records = 2;
    expect(checkNoDeadLetters(input)).toMatchObject({
      passed: false,
      detail: expect.stringContaining('user.open-tickets.v1.dlq: 2'),
    });
  });

  it('reports one line per check and the closing count', () => {
    const input = consistent();
    input.deadLetters[0]!.records = 1;
    const lines = report(audit(input)).split('\n');
    expect(lines).toHaveLength(13);
    expect(lines.filter((l) => l.startsWith('FAIL '))).toHaveLength(1);
    expect(lines.at(-1)).toBe('11 passed, 1 failed');
  });
});
