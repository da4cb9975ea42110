// Seeded fuzzing of the webhook gateway, shared by the CI test (src/gateway.fuzz.int-spec.ts) and the long run
// (test/fuzz-run.ts, scripts/fuzz.sh): the cases, sending them, and checking the topic against the answers.
import type { Kafka } from 'kafkajs';
import { uniqueSuffix } from '@ticketflow/testing';
import {
  RECOMMENDED_TRIGGER_BODY,
  SIGNATURE_HEADER,
  SIGNATURE_TIMESTAMP_HEADER,
  ZENDESK_TEST_SIGNING_SECRET,
  signWebhook,
  type WebhookKind,
} from '@ticketflow/zendesk';
import {
  World,
  eventWebhooks,
  mulberry32,
  renderTriggerTemplate,
  type Rng,
} from '@ticketflow/zendesk-simulator';

type Bytes = Buffer<ArrayBufferLike>;
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Mutation = (body: { [key: string]: Json }, rng: Rng, maxBytes: number) => void;

const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)]!;
/** Deep nesting is spliced into the JSON text: JSON.stringify itself would overflow the stack. */
const NESTED = /"nested:(\d+)"/g;
const serialise = (body: Json) =>
  Buffer.from(
    JSON.stringify(body).replace(NESTED, (_, depth) => '[{"x":'.repeat(+depth) + '0' + '}]'.repeat(+depth)),
  );
const hoursFromNow = (hours: number) => new Date(Date.now() + hours * 3_600_000).toISOString();

/**
 * Values that broke or could break a webhook handler: wrong types, huge or odd ids, NULs, odd or far-future times,
 * statuses, event types (a huge one was a metric label).
 */
const NASTY: ((rng: Rng) => Json)[] = [
  () => null,
  () => true,
  () => [],
  () => ({}),
  () => '',
  () => ' ',
  () => '-',
  () => 0,
  () => -1,
  () => 1.5,
  () => 2 ** 64,
  () => 1e308,
  () => '9'.repeat(25),
  (rng) => '9'.repeat(1 + Math.floor(rng() * 2_000)),
  () => '9'.repeat(250_000),
  () => 'abc',
  () => 'a\u0000b',
  () => '\u0000',
  () => '\ud800',
  () => '\u202e🔥 Ünïcødé 用户',
  () => 'jürgen@münchen.de',
  () => '用户@例子.广告',
  () => 'not-an-email',
  () => 'ARCHIVED',
  () => 'scrubbed',
  () => 'On-hold',
  () => 'URGENT',
  () => 'Hoch',
  () => '2013-12-12T05:35Z',
  () => '2026-02-30T00:00:00Z',
  () => '0000-01-01T00:00:00Z',
  () => '9999-12-31T23:59:59-05:00',
  () => '9999-06-01T00:00:00Z',
  () => hoursFromNow(2),
  () => hoursFromNow(0.25),
  () => '+275760-09-13T00:00:00.000Z',
  () => 'yesterday',
  () => 'zen:event-type:ticket.agent_assignment_changed',
  () => 'zen:event-type:user.created',
  (rng) => `zen:event-type:user.${'x'.repeat(Math.floor(rng() * 200_000))}`,
  (rng) => `nested:${1 + Math.floor(rng() * 20_000)}`,
];

/** Every path into a body, so any field (or the body's shape) can be hit. */
function paths(value: Json, prefix: string[] = [], out: string[][] = []): string[][] {
  if (value && typeof value === 'object' && prefix.length < 6)
    for (const key of Object.keys(value)) {
      out.push([...prefix, key]);
      paths((value as Record<string, Json>)[key]!, [...prefix, key], out);
    }
  return out;
}
function parentOf(body: Json, path: string[]) {
  let node = body as Record<string, Json>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, Json>;
  return node;
}

const MUTATIONS: Mutation[] = [
  (body, rng) => {
    const path = pick(rng, paths(body));
    parentOf(body, path)[path.at(-1)!] = pick(rng, NASTY)(rng);
  },
  (body, rng) => {
    const path = pick(rng, paths(body));
    delete parentOf(body, path)[path.at(-1)!];
  },
  (body, rng, maxBytes) => {
    // Huge strings, mostly within the size limit (over it is a 413).
    const path = pick(rng, paths(body));
    parentOf(body, path)[path.at(-1)!] = 'x'.repeat(Math.floor(rng() * maxBytes));
  },
  (body, rng) => {
    // An own property, as JSON.parse makes one even of "__proto__".
    const key = pick(rng, ['extra', 'detail', 'event', '__proto__', 'constructor']);
    Object.defineProperty(body, key, {
      value: pick(rng, NASTY)(rng),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  },
];

/** Byte-level damage after serialisation: invalid UTF-8, truncation, a flipped byte. */
const RAW_MUTATIONS: ((raw: Bytes, rng: Rng) => Bytes)[] = [
  (raw, rng) => {
    const at = Math.floor(rng() * raw.length);
    return Buffer.concat([
      raw.subarray(0, at),
      Buffer.from([pick(rng, [0xff, 0xc3, 0xed, 0x80])]),
      raw.subarray(at),
    ]);
  },
  (raw, rng) => raw.subarray(0, Math.floor(rng() * raw.length)),
  (raw, rng) => {
    const copy = Buffer.from(raw);
    const at = Math.floor(rng() * copy.length);
    copy[at] = copy[at]! ^ (1 << Math.floor(rng() * 8));
    return copy;
  },
];

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'application/json; charset=latin1',
  undefined,
];

export interface FuzzCase {
  kind: WebhookKind;
  raw: Bytes;
  headers: Record<string, string>;
  /** Unmutated body and headers: must be accepted. */
  pristine: boolean;
}

/** Real shapes: the simulator's event webhooks and rendered trigger bodies over lives of a few tickets. */
function realShapes(seed: number) {
  const world = new World({ seed, tickets: 50 });
  const events: { [key: string]: Json }[] = [];
  const triggers: { [key: string]: Json }[] = [];
  const { requesters, agents } = world.directory;
  const record = (update: ReturnType<World['createTicket']>) => {
    events.push(...(JSON.parse(JSON.stringify(eventWebhooks(update, world))) as { [key: string]: Json }[]));
    triggers.push(
      JSON.parse(renderTriggerTemplate(JSON.stringify(RECOMMENDED_TRIGGER_BODY), update.after, world)),
    );
  };
  const ids: number[] = [];
  for (let i = 0; i < 20; i++) {
    const created = world.createTicket({
      requesterId: requesters[i % requesters.length]!.id,
      priority: 'normal',
    });
    ids.push(created.ticketId);
    record(created);
    record(
      world.updateTicket(created.ticketId, { status: 'open', assigneeId: agents[i % agents.length]!.id }),
    );
    record(world.updateTicket(created.ticketId, { priority: 'urgent', customStatusId: 6 }));
    record(world.updateTicket(created.ticketId, { comment: { body: `Any news on "${i}"?\n` } }));
    record(world.updateTicket(created.ticketId, { status: i % 2 ? 'solved' : 'pending' }));
  }
  record(world.softDelete(ids[0]!));
  record(world.undelete(ids[0]!));
  record(world.markAsSpam(ids[1]!));
  record(world.merge(ids[2]!, ids[3]!));
  return { events, triggers };
}

/**
 * `count` real-shaped Zendesk webhooks, mutated (a fifth left pristine), validly signed so they get past the
 * signature check (a few headers mutated too). Made one at a time, so each is signed when it is sent.
 */
export function* fuzzCases(count: number, seed: number, maxBytes: number): Generator<FuzzCase> {
  const rng = mulberry32(seed);
  const shapes = realShapes(seed);
  for (let i = 0; i < count; i++) {
    const kind: WebhookKind = rng() < 0.6 ? 'events' : 'trigger';
    const body = structuredClone(pick(rng, kind === 'events' ? shapes.events : shapes.triggers));
    if (kind === 'events') body['id'] = `fuzz-${seed}-${i}`;
    const pristine = rng() < 0.2;
    const mutations = pristine ? 0 : 1 + Math.floor(rng() * 3);
    for (let m = 0; m < mutations; m++) pick(rng, MUTATIONS)(body, rng, maxBytes);
    let raw: Bytes = serialise(body);
    if (!pristine && rng() < 0.15) raw = pick(rng, RAW_MUTATIONS)(raw, rng);

    const timestamp = pick(rng, [
      new Date().toISOString(),
      new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      new Date().toUTCString(),
    ]);
    const headers: Record<string, string> = {
      [SIGNATURE_HEADER]: signWebhook(ZENDESK_TEST_SIGNING_SECRET, timestamp, raw),
      [SIGNATURE_TIMESTAMP_HEADER]: timestamp,
    };
    const contentType = pristine ? 'application/json' : pick(rng, CONTENT_TYPES);
    if (contentType) headers['content-type'] = contentType;
    const header = pristine ? 1 : rng();
    if (header < 0.03)
      headers[SIGNATURE_HEADER] = headers[SIGNATURE_HEADER]!.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'));
    else if (header < 0.05)
      headers[SIGNATURE_TIMESTAMP_HEADER] = new Date(Date.now() - 3_600_000).toISOString();
    else if (header < 0.06) delete headers[SIGNATURE_HEADER];
    yield { kind, raw, headers, pristine };
  }
}

interface Answer {
  status?: string;
  reason?: string;
  eventIds?: string[];
}

/** What the gateway answered to a run of cases. */
export interface FuzzAnswers {
  cases: number;
  seconds: number;
  /** `<HTTP status> <answer status or reason>` → count, e.g. `200 accepted`, `400 invalid-payload`. */
  answers: Record<string, number>;
  /** Requests without an HTTP answer (connection reset, no JSON). */
  crashes: string[];
  /** Pristine webhooks not answered accepted or duplicate. */
  refusedPristine: string[];
  /** Event ids answered accepted, with how many answers named each. */
  accepted: Map<string, number>;
  /** Event ids answered duplicate (must have been accepted before). */
  duplicates: Set<string>;
  /** 503 kafka-unavailable: allowed; Zendesk delivers again. Each may or may not have reached the topic. */
  unavailable: number;
  /** Any other 5xx: never allowed. */
  unexpected5xx: number;
}

export const noAnswers = (): FuzzAnswers => ({
  cases: 0,
  seconds: 0,
  answers: {},
  crashes: [],
  refusedPristine: [],
  accepted: new Map(),
  duplicates: new Set(),
  unavailable: 0,
  unexpected5xx: 0,
});

/**
 * Sends the cases to the gateway at `url`, `concurrency` at a time, and tallies the answers (added to `result`);
 * at most `limit` of them, so one generator can be sent in parts.
 */
export async function sendFuzzCases(
  url: string,
  cases: Iterator<FuzzCase>,
  { concurrency = 1, limit = Infinity, result = noAnswers() } = {},
): Promise<FuzzAnswers> {
  const started = performance.now();
  let taken = 0;
  const next = () => (taken++ < limit ? cases.next() : ({ done: true, value: undefined } as const));
  const worker = async () => {
    for (let item = next(); !item.done; item = next()) {
      const { kind, raw, headers, pristine } = item.value;
      result.cases++;
      let status: number;
      let answer: Answer;
      try {
        const response = await fetch(`${url}/webhooks/zendesk/${kind}`, {
          method: 'POST',
          headers,
          body: raw,
        });
        status = response.status;
        answer = (await response.json()) as Answer;
      } catch (error) {
        result.crashes.push(`${kind}: ${(error as Error).message} (${String((error as Error).cause)})`);
        continue;
      }
      const label = `${status} ${answer.status ?? answer.reason}`;
      result.answers[label] = (result.answers[label] ?? 0) + 1;
      if (status === 503 && answer.reason === 'kafka-unavailable') result.unavailable++;
      else if (status >= 500) result.unexpected5xx++;
      if (answer.status === 'accepted')
        for (const id of answer.eventIds ?? []) result.accepted.set(id, (result.accepted.get(id) ?? 0) + 1);
      if (answer.status === 'duplicate') for (const id of answer.eventIds ?? []) result.duplicates.add(id);
      if (pristine && !(status === 200 && ['accepted', 'duplicate'].includes(answer.status!)))
        result.refusedPristine.push(`${kind} ${label}: ${raw.toString().slice(0, 300)}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  result.seconds += (performance.now() - started) / 1000;
  result.answers = Object.fromEntries(Object.entries(result.answers).sort());
  return result;
}

/** The topic against the answers: what a 4xx produced, and what a 2xx did not. */
export interface FuzzTopicCheck {
  records: number;
  /** Records whose event id no answer called accepted: from rejected input unless a 503 explains them. */
  recordsNotAccepted: number;
  /** Of those, how many no 503 can explain (each 503 is one webhook, at most one event): must be 0. */
  recordsForRejected: number;
  /** Event ids answered accepted or duplicate and not on the topic: must be none. */
  answeredNotOnTopic: string[];
  /** Accepted answers beyond one per record: must be 0. */
  acceptedAnswersWithoutRecord: number;
}

/** Reads the whole topic (a consumer group of its own, deleted after) and compares it with the answers. */
export async function checkFuzzTopic(
  kafka: Kafka,
  topic: string,
  answers: FuzzAnswers,
  timeoutMs = 120_000,
): Promise<FuzzTopicCheck> {
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `fuzz-check-${uniqueSuffix()}`;
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    const records = offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
    const onTopic = new Map<string, number>();
    let read = 0;
    if (records > 0) {
      const consumer = kafka.consumer({ groupId });
      await consumer.connect();
      try {
        let done: () => void = () => undefined;
        const all = new Promise<void>((resolve) => (done = resolve));
        await consumer.subscribe({ topic, fromBeginning: true });
        await consumer.run({
          eachMessage: async ({ message }) => {
            const id = (JSON.parse(message.value?.toString() ?? '{}') as { eventId?: string }).eventId ?? '';
            onTopic.set(id, (onTopic.get(id) ?? 0) + 1);
            if (++read >= records) done();
          },
        });
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          all,
          new Promise((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`read ${read} of ${records} records of ${topic} in ${timeoutMs} ms`)),
              timeoutMs,
            );
          }),
        ]).finally(() => clearTimeout(timer));
      } finally {
        await consumer.disconnect();
      }
      await admin.deleteGroups([groupId]).catch(() => undefined);
    }
    let recordsNotAccepted = 0;
    let acceptedAnswersWithoutRecord = 0;
    for (const [id, count] of onTopic) if (!answers.accepted.has(id)) recordsNotAccepted += count;
    for (const [id, count] of answers.accepted)
      acceptedAnswersWithoutRecord += Math.max(0, count - (onTopic.get(id) ?? 0));
    return {
      records,
      recordsNotAccepted,
      recordsForRejected: Math.max(0, recordsNotAccepted - answers.unavailable),
      answeredNotOnTopic: [...answers.accepted.keys(), ...answers.duplicates].filter(
        (id) => !onTopic.has(id),
      ),
      acceptedAnswersWithoutRecord,
    };
  } finally {
    await admin.disconnect();
  }
}
