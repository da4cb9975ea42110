import type { INestApplication } from '@nestjs/common';
import type { Admin, Kafka } from 'kafkajs';
import { collectMessages, testKafka } from '@ticketflow/testing';
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
import { createGatewayApp } from './gateway.service';
import type { GatewayConfig } from './gateway.config';
import { gatewayConfig, listen } from './testing';

/**
 * Seeded fuzzing of the gateway with real-shaped Zendesk webhooks (the simulator's event and trigger bodies),
 * mutated, validly signed so they get past the signature check (a few headers are mutated too). Whatever arrives:
 * no crash, no 5xx while Kafka is up, and on the topic exactly the events answered `accepted`.
 * FUZZ_BODIES sets the size (2,000 in CI), FUZZ_SEED the seed.
 */
const BODIES = Number(process.env['FUZZ_BODIES'] ?? 2_000);
const SEED = Number(process.env['FUZZ_SEED'] ?? 20_261_125);
jest.setTimeout(60_000 + BODIES * 30);

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

/** Values that broke or could break a webhook handler: wrong types, huge or odd ids, NULs, odd times, statuses. */
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
  () => '+275760-09-13T00:00:00.000Z',
  () => 'yesterday',
  () => 'zen:event-type:ticket.agent_assignment_changed',
  () => 'zen:event-type:user.created',
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

interface Answer {
  status?: string;
  reason?: string;
  eventIds?: string[];
}
interface Case {
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

function* cases(count: number, seed: number, maxBytes: number): Generator<Case> {
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

describe('webhook-gateway under fuzzed, validly signed Zendesk webhooks', () => {
  let kafka: Kafka;
  let admin: Admin;
  let config: GatewayConfig;
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    kafka = testKafka('gateway-fuzz');
    admin = kafka.admin();
    await admin.connect();
    config = gatewayConfig({ LOG_LEVEL: 'error' }); // thousands of rejections are the point, not news
    ({ app } = await createGatewayApp(config));
    url = await listen(app);
  });

  afterAll(async () => {
    await app?.close();
    await admin?.disconnect();
  });

  it(`answers ${BODIES} mutated bodies 2xx/4xx only, and produces exactly the accepted events`, async () => {
    const started = Date.now();
    const answers = new Map<string, number>();
    const crashes: string[] = [];
    const refusedPristine: string[] = [];
    const accepted = new Set<string>();
    for (const { kind, raw, headers, pristine } of cases(BODIES, SEED, config.WEBHOOK_MAX_BYTES)) {
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
        crashes.push(`${kind}: ${(error as Error).message} (${String((error as Error).cause)})`);
        continue;
      }
      const label = `${status} ${answer.status ?? answer.reason}`;
      answers.set(label, (answers.get(label) ?? 0) + 1);
      if (answer.status === 'accepted') for (const id of answer.eventIds ?? []) accepted.add(id);
      if (pristine && !(status === 200 && ['accepted', 'duplicate'].includes(answer.status!)))
        refusedPristine.push(`${kind} ${label}: ${raw.toString().slice(0, 300)}`);
    }
    const seconds = (Date.now() - started) / 1000;
    console.log(
      `fuzz seed ${SEED}: ${BODIES} bodies in ${seconds.toFixed(1)} s (${Math.round(BODIES / seconds)}/s), ` +
        `${accepted.size} events accepted; answers ${JSON.stringify(Object.fromEntries([...answers].sort()))}`,
    );

    expect(crashes).toEqual([]);
    expect([...answers.keys()].filter((label) => !/^[24]\d\d /.test(label))).toEqual([]);
    expect(refusedPristine).toEqual([]);
    expect((await fetch(`${url}/health/live`)).status).toBe(200);

    // Nothing refused reached Kafka: the topic holds exactly the accepted events, each once.
    const offsets = await admin.fetchTopicOffsets(config.TICKET_EVENTS_TOPIC);
    const records = offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
    expect(records).toBe(accepted.size);
    const messages = await collectMessages(
      kafka,
      config.TICKET_EVENTS_TOPIC,
      (read) => read.length >= accepted.size,
      60_000,
    );
    expect(new Set(messages.map((m) => JSON.parse(m.value).eventId as string))).toEqual(accepted);
  });
});
