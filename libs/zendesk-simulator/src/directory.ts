import type { RestCustomStatus, RestGroup, RestUser } from '@ticketflow/zendesk';
import type { CustomStatusDef, StatusCategory } from './model';
import { mulberry32, pick } from './random';

const FIRST = [
  'ann',
  'bob',
  'chen',
  'dara',
  'eli',
  'fatima',
  'gus',
  'hana',
  'ivan',
  'jo',
  'kemal',
  'lena',
  'mo',
  'nia',
  'omar',
  'pia',
];
const LAST = [
  'lee',
  'smith',
  'garcia',
  'kim',
  'novak',
  'okafor',
  'rossi',
  'silva',
  'tanaka',
  'weber',
  'yilmaz',
  'zhou',
];

/** Ids in the ranges real accounts show: large integers, distinct per kind. */
export const AGENT_ID_BASE = 360_000_000_000;
export const REQUESTER_ID_BASE = 8_447_388_000_000;
export const GROUP_ID_BASE = 114_094_000_000;
export const ORGANIZATION_ID_BASE = 360_035_000_000;
export const TICKET_ID_BASE = 1000;

/** The account's one brand: tickets and webhook payloads carry its id. */
export const BRAND_ID = 360_000_001;
/** The address email tickets arrive at (a ticket's `recipient`). */
export const SUPPORT_ADDRESS = 'support@support.example.com';
/** The account's custom ticket fields: a drop-down and a text field. */
export const PRODUCT_AREA_FIELD = {
  id: 360_010_000_001,
  options: ['billing', 'login', 'sync', 'mobile_app'],
} as const;
export const ORDER_NUMBER_FIELD = { id: 360_010_000_002 } as const;

export const CUSTOM_STATUSES: readonly CustomStatusDef[] = [
  { id: 1, category: 'new', label: 'New', isDefault: true },
  { id: 2, category: 'open', label: 'Open', isDefault: true },
  { id: 3, category: 'pending', label: 'Pending', isDefault: true },
  { id: 4, category: 'hold', label: 'On-hold', isDefault: true },
  { id: 5, category: 'solved', label: 'Solved', isDefault: true },
  { id: 6, category: 'open', label: 'In progress', isDefault: false },
  { id: 7, category: 'pending', label: 'Awaiting customer reply', isDefault: false },
  { id: 8, category: 'hold', label: 'Waiting on engineering', isDefault: false },
];

export const defaultCustomStatus = (category: StatusCategory) =>
  CUSTOM_STATUSES.find((s) => s.category === category && s.isDefault)!;

export interface Directory {
  requesters: RestUser[];
  agents: RestUser[];
  groups: RestGroup[];
  usersById: Map<number, RestUser>;
  usersByEmail: Map<string, RestUser>;
}

/** Requesters, agents and groups of a world; sized from the ticket count. */
export function buildDirectory(
  seed: number,
  ticketCount: number,
  createdAt: string,
  host: string,
): Directory {
  const rng = mulberry32(seed ^ 0x5eed);
  const requesterCount = Math.max(4, Math.ceil(ticketCount / 3));
  const agentCount = Math.max(3, Math.min(60, Math.ceil(ticketCount / 200)));
  // The teams ("sectors") tickets are assigned to.
  const groups: RestGroup[] = ['User', 'Product', 'Billing'].map((name, i) => ({
    id: GROUP_ID_BASE + i,
    name,
    created_at: createdAt,
    updated_at: createdAt,
  }));
  const user = (
    id: number,
    name: string,
    email: string,
    role: RestUser['role'],
    groupId: number | null,
  ): RestUser => ({
    id,
    url: `${host}/api/v2/users/${id}.json`,
    name,
    email,
    role,
    active: true,
    suspended: false,
    default_group_id: groupId,
    created_at: createdAt,
    updated_at: createdAt,
  });
  const requesters = Array.from({ length: requesterCount }, (_, i) => {
    const first = pick(rng, FIRST);
    const last = pick(rng, LAST);
    // Every seventh address has capitals, as people type them: matching must be case-insensitive.
    const local = i % 7 === 3 ? `${cap(first)}.${cap(last)}.${i}` : `${first}.${last}.${i}`;
    return user(
      REQUESTER_ID_BASE + i,
      `${cap(first)} ${cap(last)}`,
      `${local}@example.com`,
      'end-user',
      null,
    );
  });
  const agents = Array.from({ length: agentCount }, (_, i) =>
    user(
      AGENT_ID_BASE + i,
      `Agent ${i + 1}`,
      `agent${i + 1}@support.example.com`,
      i === 0 ? 'admin' : 'agent',
      groups[i % groups.length]!.id,
    ),
  );
  const all = [...requesters, ...agents];
  return {
    requesters,
    agents,
    groups,
    usersById: new Map(all.map((u) => [u.id, u])),
    usersByEmail: new Map(all.map((u) => [u.email.toLowerCase(), u])),
  };
}

const cap = (s: string) => s[0]!.toUpperCase() + s.slice(1);

export function restCustomStatuses(createdAt: string): RestCustomStatus[] {
  return CUSTOM_STATUSES.map((s) => ({
    id: s.id,
    status_category: s.category,
    agent_label: s.label,
    end_user_label: s.category === 'hold' ? 'Open' : s.label,
    description: '',
    end_user_description: '',
    raw_agent_label: s.label,
    raw_end_user_label: s.label,
    raw_description: '',
    raw_end_user_description: '',
    active: true,
    default: s.isDefault,
    created_at: createdAt,
    updated_at: createdAt,
  }));
}
