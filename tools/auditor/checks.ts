import type { AuditInput, AuditUser, CheckResult, TopicRecord, TruthTicket } from './model';

export type AlertKind = 'exceeded' | 'recovered';

/** How many examples a failed check prints. */
const EXAMPLES = 3;

/** Matching rule of the product, restated: emails compare trimmed and lower-cased. */
export const normaliseEmail = (email: string) => email.trim().toLowerCase();

const sortIds = (ids: string[]) => [...ids].sort((a, b) => Number(a) - Number(b) || a.localeCompare(b));
const sameList = (a: readonly unknown[], b: readonly unknown[]) =>
  a.length === b.length && a.every((x, i) => x === b[i]);
const fmt = (n: number) => n.toLocaleString('en-US');
const examples = (items: string[]) =>
  items.length ? `; e.g. ${items.slice(0, EXAMPLES).join('; ')}${items.length > EXAMPLES ? '; …' : ''}` : '';

function result(name: string, failures: string[], okDetail: string, failDetail: string): CheckResult {
  return failures.length === 0
    ? { name, passed: true, detail: okDetail }
    : { name, passed: false, detail: `${failDetail}${examples(failures)}` };
}

/** Records in partition order (offsets are decimal strings). */
export function inPartitionOrder<T>(records: TopicRecord<T>[]): TopicRecord<T>[] {
  return [...records].sort(
    (a, b) => a.partition - b.partition || (BigInt(a.offset) < BigInt(b.offset) ? -1 : 1),
  );
}

/** The last record per key, reading each partition in order: what a compacted topic keeps. */
export function latestPerKey<T>(records: TopicRecord<T>[]): Map<string, T | null> {
  const latest = new Map<string, T | null>();
  for (const record of inPartitionOrder(records))
    if (record.key !== null) latest.set(record.key, record.value);
  return latest;
}

/**
 * Alerts a correct service emits for a sequence of sampled counts: exceeded when the count goes above the
 * threshold, recovered when it falls back to it or below; it starts below (no alert state yet).
 */
export function thresholdCrossings(counts: readonly number[], threshold: number): AlertKind[] {
  const out: AlertKind[] = [];
  let above = false;
  for (const count of counts) {
    const now = count > threshold;
    if (now !== above) out.push(now ? 'exceeded' : 'recovered');
    above = now;
  }
  return out;
}

const alertKind = (type: unknown): AlertKind | null =>
  type === 'user.threshold.exceeded' ? 'exceeded' : type === 'user.threshold.recovered' ? 'recovered' : null;

/** Open ticket ids (as strings) per normalised requester email, from the truth. */
function openByEmail(truth: TruthTicket[]): Map<string, string[]> {
  const open = new Map<string, string[]>();
  for (const t of truth) {
    if (!t.open || !t.requesterEmail) continue;
    const email = normaliseEmail(t.requesterEmail);
    open.set(email, [...(open.get(email) ?? []), String(t.id)]);
  }
  for (const [email, ids] of open) open.set(email, sortIds(ids));
  return open;
}

/** Every webhook answered 2xx reached ticket.events (by Zendesk event id): nothing lost between 200 and Kafka. */
export function checkDeliveriesInKafka(input: AuditInput): CheckResult {
  const inKafka = new Set<string>();
  for (const r of input.ticketEvents) if (typeof r.value?.eventId === 'string') inKafka.add(r.value.eventId);
  const delivered = input.deliveries.filter((d) => d.outcome === 'delivered' && d.eventId !== null);
  const ids = new Set(delivered.map((d) => d.eventId!));
  const missing = [...ids].filter((id) => !inKafka.has(id));
  const pending = input.deliveries.filter((d) => d.outcome === 'pending').length;
  const failures = missing.map((id) => {
    const d = delivered.find((x) => x.eventId === id)!;
    return `${id} (${d.eventType.replace('zen:event-type:', '')}, ticket ${d.ticketId}, answered ${d.attempts.join('/')})`;
  });
  if (pending) failures.push(`${pending} deliveries still pending at audit time`);
  const counts = (outcome: string) => input.deliveries.filter((d) => d.outcome === outcome).length;
  return result(
    'webhooks answered 2xx are in Kafka',
    failures,
    `${fmt(delivered.length)} deliveries answered 2xx (${fmt(ids.size)} event ids) all in ticket events; ` +
      `${fmt(counts('dropped'))} dropped and ${fmt(counts('failed'))} failed by the simulator`,
    `${fmt(missing.length)} of ${fmt(ids.size)} event ids answered 2xx are not in ticket events` +
      (pending ? `, ${pending} pending` : ''),
  );
}

/** Each user's (non-deleted) tickets in the read models equal the truth: ids, statuses, open flags. */
export function checkUserTickets(input: AuditInput): CheckResult {
  const byEmail = new Map<string, TruthTicket[]>();
  for (const t of input.truthTickets) {
    if (t.deleted !== null || !t.requesterEmail) continue;
    const email = normaliseEmail(t.requesterEmail);
    byEmail.set(email, [...(byEmail.get(email) ?? []), t]);
  }
  const got = new Map<string, string[]>();
  for (const r of input.readModels.userTickets)
    got.set(r.userId, [
      ...(got.get(r.userId) ?? []),
      `${r.ticketId}:${r.status}:${r.open ? 'open' : 'closed'}`,
    ]);
  const failures: string[] = [];
  let compared = 0;
  for (const user of input.users) {
    const expected = (byEmail.get(normaliseEmail(user.email)) ?? []).map(
      (t) => `${t.id}:${t.status}:${t.open ? 'open' : 'closed'}`,
    );
    const actual = got.get(user.userId) ?? [];
    compared += expected.length;
    const e = [...expected].sort();
    const a = [...actual].sort();
    if (!sameList(e, a)) {
      const missing = e.filter((x) => !a.includes(x));
      const extra = a.filter((x) => !e.includes(x));
      failures.push(`${user.userId} missing [${missing.join(', ')}] extra [${extra.join(', ')}]`);
    }
  }
  const known = new Set(input.users.map((u) => u.userId));
  const strangers = [...got.keys()].filter((u) => !known.has(u));
  for (const u of strangers) failures.push(`${u} is not a company user but has tickets`);
  return result(
    "every user's tickets equal the truth",
    failures,
    `${fmt(input.users.length)} users, ${fmt(compared)} tickets (id, status, open) equal the truth`,
    `${fmt(failures.length)} of ${fmt(input.users.length)} users' tickets differ from the truth`,
  );
}

/** Every ticket's status, open flag and deletion equal the truth; a permanently deleted one is gone or marked. */
export function checkTicketStatus(input: AuditInput): CheckResult {
  const rows = new Map(input.readModels.tickets.map((t) => [t.ticketId, t]));
  const failures: string[] = [];
  for (const t of input.truthTickets) {
    const row = rows.get(String(t.id));
    rows.delete(String(t.id));
    if (t.deleted === 'permanent') {
      if (row && row.deleted !== 'permanent') failures.push(`${t.id}: purged in Zendesk, ${row.status} here`);
      continue;
    }
    if (!row) failures.push(`${t.id}: missing (truth ${t.status})`);
    else if (row.status !== t.status || row.open !== t.open || row.deleted !== t.deleted)
      failures.push(
        `${t.id}: ${row.status}/${row.open ? 'open' : 'closed'}/${row.deleted ?? '-'} here, ` +
          `${t.status}/${t.open ? 'open' : 'closed'}/${t.deleted ?? '-'} in truth`,
      );
  }
  for (const id of rows.keys()) failures.push(`${id}: not a ticket of the truth`);
  return result(
    "every ticket's status equals the truth",
    failures,
    `${fmt(input.truthTickets.length)} tickets: status, open and deleted equal the truth`,
    `${fmt(failures.length)} tickets differ`,
  );
}

/** Every ticket's status history equals the truth's, compared at whole seconds (Zendesk's audit precision). */
export function checkStatusHistory(input: AuditInput): CheckResult {
  const key = (at: string, from: string | null, to: string) =>
    `${Math.floor(Date.parse(at) / 1000)}:${from ?? '∅'}→${to}`;
  const got = new Map<string, string[]>();
  for (const h of input.readModels.history)
    got.set(h.ticketId, [...(got.get(h.ticketId) ?? []), key(h.at, h.from, h.to)]);
  const failures: string[] = [];
  let transitions = 0;
  for (const t of input.truthTickets) {
    if (t.deleted === 'permanent') continue;
    const expected = t.history.map((h) => key(h.at, h.from, h.to)).sort();
    const actual = [...(got.get(String(t.id)) ?? [])].sort();
    transitions += expected.length;
    if (!sameList(expected, actual))
      failures.push(`${t.id}: [${actual.join(' ')}] here, [${expected.join(' ')}] in truth`);
  }
  return result(
    "every ticket's status history equals the truth",
    failures,
    `${fmt(transitions)} transitions of ${fmt(input.truthTickets.length)} tickets equal the truth`,
    `${fmt(failures.length)} tickets' histories differ`,
  );
}

function compareLatestSets(
  users: AuditUser[],
  truth: Map<string, string[]>,
  latest: Map<string, { openTicketIds?: unknown; openCount?: unknown } | null>,
  withCount: boolean,
): string[] {
  const failures: string[] = [];
  for (const user of users) {
    const expected = truth.get(normaliseEmail(user.email)) ?? [];
    const value = latest.get(user.userId);
    const ids = Array.isArray(value?.openTicketIds) ? sortIds(value.openTicketIds.map(String)) : [];
    // A user who never had an open ticket may never get a message: nothing published means none open.
    const count = value === undefined ? 0 : value?.openCount;
    if (value === null) failures.push(`${user.userId}: latest record is not JSON`);
    else if (!sameList(ids, expected) || (withCount && count !== expected.length))
      failures.push(
        `${user.userId}: published [${ids.join(',')}]${withCount ? ` count ${String(count)}` : ''}, ` +
          `truth [${expected.join(',')}]`,
      );
  }
  return failures;
}

/** The latest open set per user on user.open-tickets (last record per key, partition order) equals the truth. */
export const checkLatestOpenSets = (input: AuditInput): CheckResult =>
  checkLatest(input, input.openSets, false, 'latest published open set per user', 'latest open sets');

/**
 * Each user's last record on user.open-tickets carries the highest version published for that user: what a
 * compacted topic keeps agrees with what a consumer that skips older versions holds.
 */
export function checkLatestOpenSetIsNewest(input: AuditInput): CheckResult {
  const highest = new Map<string, number>();
  const last = new Map<string, number>();
  for (const r of inPartitionOrder(input.openSets)) {
    const version = r.value?.version;
    if (r.key === null || typeof version !== 'number') continue;
    highest.set(r.key, Math.max(highest.get(r.key) ?? version, version));
    last.set(r.key, version);
  }
  const failures = [...last]
    .filter(([key, version]) => version !== highest.get(key))
    .map(([key, version]) => `${key}: last record version ${version}, highest ${highest.get(key)}`);
  return result(
    'the last open set per user is its newest version',
    failures,
    `${fmt(last.size)} users' last records carry their highest version`,
    `${fmt(failures.length)} of ${fmt(last.size)} users' last records are older than one before them`,
  );
}

/** The latest count per user on user.open-ticket-count equals the truth (count and ids). */
export const checkLatestCounts = (input: AuditInput): CheckResult =>
  checkLatest(input, input.openCounts, true, 'latest open-ticket count per user', 'latest counts');

function checkLatest(
  input: AuditInput,
  records: AuditInput['openSets'] | AuditInput['openCounts'],
  withCount: boolean,
  title: string,
  what: string,
): CheckResult {
  const failures = compareLatestSets(
    input.users,
    openByEmail(input.truthTickets),
    latestPerKey(records),
    withCount,
  );
  const users = fmt(input.users.length);
  return result(
    `${title} equals the truth`,
    failures,
    `${users} users' ${what} (${fmt(records.length)} records) equal the truth`,
    `${fmt(failures.length)} of ${users} users' ${what} differ from the truth`,
  );
}

/**
 * Each user's alerts (first record of each alert id, in topic order) equal the threshold crossings of the truth's
 * open counts sampled at the marks; each alert's count agrees with its kind.
 */
export function checkAlertSequences(input: AuditInput): CheckResult {
  const seen = new Set<string>();
  const got = new Map<string, { kind: AlertKind | null; count: unknown; id: string }[]>();
  for (const r of inPartitionOrder(input.alerts)) {
    const id = typeof r.value?.eventId === 'string' ? r.value.eventId : `${r.partition}@${r.offset}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const userId = typeof r.value?.userId === 'string' ? r.value.userId : (r.key ?? '?');
    got.set(userId, [
      ...(got.get(userId) ?? []),
      { kind: alertKind(r.value?.type), count: r.value?.openCount, id },
    ]);
  }
  const failures: string[] = [];
  let expectedTotal = 0;
  let usersWithTwoExceeded = 0;
  let missing = 0;
  let extra = 0;
  let inconsistent = 0;
  const marks = input.timeline.marks.length;
  for (const user of input.users) {
    const counts = input.timeline.openCounts[normaliseEmail(user.email)] ?? new Array<number>(marks).fill(0);
    const expected = thresholdCrossings(counts, input.threshold);
    expectedTotal += expected.length;
    if (expected.filter((k) => k === 'exceeded').length >= 2) usersWithTwoExceeded++;
    const actual = got.get(user.userId) ?? [];
    got.delete(user.userId);
    const kinds = actual.map((a) => a.kind ?? 'invalid');
    const wrongCount = actual.filter(
      (a) =>
        typeof a.count !== 'number' ||
        (a.kind === 'exceeded' ? a.count <= input.threshold : a.count > input.threshold),
    );
    if (!sameList(kinds, expected) || wrongCount.length) {
      missing += Math.max(0, expected.length - kinds.length);
      extra += Math.max(0, kinds.length - expected.length);
      inconsistent += wrongCount.length;
      failures.push(
        `${user.userId}: [${kinds.join(',')}] published, [${expected.join(',')}] crossings in truth ` +
          `(counts ${counts.join(' ')})` +
          (wrongCount.length ? `, ${wrongCount.length} alerts whose count contradicts their kind` : ''),
      );
    }
  }
  for (const [userId, alerts] of got) {
    extra += alerts.length;
    failures.push(`${userId}: ${alerts.length} alerts for a user who is not a company user`);
  }
  return result(
    "each user's alerts equal the threshold crossings of the truth",
    failures,
    `${fmt(input.users.length)} users, ${fmt(expectedTotal)} alerts as expected over ${marks} marks ` +
      `(${fmt(usersWithTwoExceeded)} users exceeded the threshold at least twice)`,
    `${fmt(failures.length)} users' alerts differ (${fmt(expectedTotal)} expected; ` +
      `at least ${fmt(missing)} missing, ${fmt(extra)} extra, ${fmt(inconsistent)} with a contradicting count)`,
  );
}

/** No alert id appears twice on the alerts topic. */
export function checkAlertIdsUniqueOnTopic(input: AuditInput): CheckResult {
  const counts = new Map<string, number>();
  for (const r of input.alerts) {
    const id =
      typeof r.value?.eventId === 'string' ? r.value.eventId : `unparseable ${r.partition}@${r.offset}`;
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  const duplicates = [...counts].filter(([, n]) => n > 1).map(([id, n]) => `${id} ×${n}`);
  return result(
    'no alert id twice on the alerts topic',
    duplicates,
    `${fmt(input.alerts.length)} alert records, all ids distinct`,
    `${fmt(duplicates.length)} alert ids published more than once`,
  );
}

/** No alert id appears twice in alert_history. */
export function checkAlertIdsUniqueInHistory(input: AuditInput): CheckResult {
  const counts = new Map<string, number>();
  for (const a of input.readModels.alertHistory) counts.set(a.alertId, (counts.get(a.alertId) ?? 0) + 1);
  const duplicates = [...counts].filter(([, n]) => n > 1).map(([id, n]) => `${id} ×${n}`);
  return result(
    'no alert id twice in alert_history',
    duplicates,
    `${fmt(input.readModels.alertHistory.length)} rows, all ids distinct`,
    `${fmt(duplicates.length)} alert ids stored more than once`,
  );
}

/** alert_history holds exactly the topic's alerts: same ids, users, kinds and counts. */
export function checkHistoryEqualsTopic(input: AuditInput): CheckResult {
  const topic = new Map<string, string>();
  for (const r of input.alerts) {
    if (typeof r.value?.eventId !== 'string') continue;
    topic.set(
      r.value.eventId,
      `${String(r.value.userId)}:${alertKind(r.value.type)}:${String(r.value.openCount)}`,
    );
  }
  const history = new Map<string, string>();
  for (const a of input.readModels.alertHistory)
    history.set(a.alertId, `${a.userId}:${a.kind}:${a.openCount}`);
  const failures: string[] = [];
  for (const [id, value] of topic) {
    const stored = history.get(id);
    if (stored === undefined) failures.push(`${id} (${value}) published, not in alert_history`);
    else if (stored !== value) failures.push(`${id}: ${value} published, ${stored} stored`);
  }
  for (const [id, value] of history)
    if (!topic.has(id)) failures.push(`${id} (${value}) in alert_history, never published`);
  return result(
    'alert_history equals the alerts topic',
    failures,
    `${fmt(history.size)} stored alerts equal the ${fmt(topic.size)} published ones`,
    `${fmt(failures.length)} alerts differ between alert_history and the topic`,
  );
}

/** Every input here is valid, so anything dead-lettered is a good event the pipeline gave up on. */
export function checkNoDeadLetters(input: AuditInput): CheckResult {
  const failures = input.deadLetters
    .filter((d) => d.records > 0)
    .map((d) => `${d.topic}: ${d.records}${d.reasons?.length ? ` (${d.reasons.join(', ')})` : ''}`);
  return result(
    'nothing dead-lettered',
    failures,
    `${input.deadLetters.length} dead-letter topics empty`,
    `${input.deadLetters.reduce((n, d) => n + d.records, 0)} records dead-lettered`,
  );
}

export function audit(input: AuditInput): CheckResult[] {
  return [
    checkDeliveriesInKafka,
    checkUserTickets,
    checkTicketStatus,
    checkStatusHistory,
    checkLatestOpenSets,
    checkLatestOpenSetIsNewest,
    checkLatestCounts,
    checkAlertSequences,
    checkAlertIdsUniqueOnTopic,
    checkAlertIdsUniqueInHistory,
    checkHistoryEqualsTopic,
    checkNoDeadLetters,
  ].map((check) => check(input));
}

/** One line per check, then the closing line CI reads. */
export function report(results: CheckResult[]): string {
  const lines = results.map((r) => `${r.passed ? 'PASS' : 'FAIL'} ${r.name}: ${r.detail}`);
  const failed = results.filter((r) => !r.passed).length;
  lines.push(`${results.length - failed} passed, ${failed} failed`);
  return lines.join('\n');
}
