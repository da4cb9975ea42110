// What the auditor reads, in its own terms: nothing here comes from the services' code.

/** A record read from a topic, value parsed as JSON (null when it is not JSON). */
export interface TopicRecord<V = unknown> {
  partition: number;
  offset: string;
  key: string | null;
  value: V | null;
  headers?: Record<string, string>;
}

/** A company user as published on the user events topic (the input, not a read model). */
export interface AuditUser {
  userId: string;
  email: string;
}

/** The simulator's truth of one ticket (GET /_simulator/truth/tickets). */
export interface TruthTicket {
  id: number;
  requesterEmail: string | null;
  status: string;
  open: boolean;
  deleted: 'soft' | 'permanent' | null;
  history: { at: string; from: string | null; to: string }[];
}

/** Open-ticket counts per requester email at named moments (GET /_simulator/truth/timeline). */
export interface TruthTimeline {
  marks: { label: string; at: string }[];
  openCounts: Record<string, number[]>;
}

/** One webhook delivery as the simulator recorded it (GET /_simulator/deliveries/log). */
export interface Delivery {
  eventId: string | null;
  eventType: string;
  ticketId: number;
  copy: number;
  outcome: 'pending' | 'delivered' | 'failed' | 'dropped';
  attempts: (number | string)[];
}

/** The read models, as rows. */
export interface ReadModels {
  /** company_users ⋈ zendesk_requesters ⋈ tickets, not deleted: what the API serves as a user's tickets. */
  userTickets: { userId: string; ticketId: string; status: string; open: boolean }[];
  tickets: { ticketId: string; status: string; open: boolean; deleted: string | null }[];
  history: { ticketId: string; at: string; from: string | null; to: string }[];
  alertHistory: { alertId: string; userId: string; kind: string; openCount: number }[];
}

export interface AuditInput {
  threshold: number;
  users: AuditUser[];
  truthTickets: TruthTicket[];
  timeline: TruthTimeline;
  deliveries: Delivery[];
  ticketEvents: TopicRecord<{ eventId?: unknown }>[];
  openSets: TopicRecord<{ openTicketIds?: unknown; version?: unknown }>[];
  openCounts: TopicRecord<{ openCount?: unknown; openTicketIds?: unknown }>[];
  alerts: TopicRecord<{ eventId?: unknown; userId?: unknown; type?: unknown; openCount?: unknown }>[];
  /** Dead-letter topics: how many records each holds, and why (dlq-reason and dlq-error headers). */
  deadLetters: { topic: string; records: number; reasons?: string[] }[];
  readModels: ReadModels;
}

export interface CheckResult {
  name: string;
  passed: boolean;
  detail: string;
}
