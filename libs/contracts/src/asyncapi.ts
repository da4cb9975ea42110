import { z } from 'zod';
import { Headers, Topics, deadLetterTopicOf, type TopicDefinition } from './topics';

type Json = Record<string, unknown>;

/** JSON Schema (2020-12) of every named schema in the contracts, keyed by its id, cross-referenced by `ref(id)`. */
export function jsonSchemas(ref: (id: string) => string = (id) => `${id}.schema.json`): Record<string, Json> {
  const { schemas } = z.toJSONSchema(z.globalRegistry, { uri: ref, target: 'draft-2020-12' }) as {
    schemas: Record<string, Json>;
  };
  return schemas;
}

/** The named message schemas a topic carries: the members of its discriminated union. */
function messageIds(topic: TopicDefinition): string[] {
  const options = (topic.schema as unknown as { options?: z.ZodType[] }).options ?? [topic.schema];
  return options.map((option) => {
    const id = z.globalRegistry.get(option)?.id;
    if (!id) throw new Error(`a message schema of ${topic.name} has no meta id`);
    return id;
  });
}

/** An AsyncAPI 3.0 document describing every topic Ticketflow owns, generated from the contracts. */
export function asyncApiDocument(version: string): Json {
  const schemas = jsonSchemas((id) => `#/components/schemas/${id}`);
  const channels: Json = {};
  const operations: Json = {};
  const messages: Json = {};

  for (const [key, topic] of Object.entries(Topics) as [string, TopicDefinition][]) {
    const ids = messageIds(topic);
    for (const id of ids) {
      const schema = schemas[id] as Json;
      messages[id] = {
        name: id,
        title: id,
        summary: schema['description'],
        contentType: 'application/json',
        headers: {
          type: 'object',
          properties: {
            [Headers.eventType]: { type: 'string', description: 'the payload `type`' },
            [Headers.schemaVersion]: { type: 'string' },
            [Headers.traceparent]: { type: 'string', description: 'W3C trace context of the producing span' },
          },
        },
        payload: { $ref: `#/components/schemas/${id}` },
        bindings: { kafka: { key: { type: 'string', description: topic.key }, bindingVersion: '0.5.0' } },
      };
    }
    channels[key] = {
      address: topic.name,
      description: topic.description,
      messages: Object.fromEntries(ids.map((id) => [id, { $ref: `#/components/messages/${id}` }])),
      bindings: {
        kafka: {
          topic: topic.name,
          partitions: topic.partitions,
          topicConfiguration: kafkaTopicConfiguration(topic.configs),
          bindingVersion: '0.5.0',
        },
      },
    };
    operations[`consume-${key}`] = {
      action: 'receive',
      summary: `Consume ${topic.name}. Dead letters go to ${deadLetterTopicOf(topic.name)} with a ${Headers.dlqReason} header.`,
      channel: { $ref: `#/channels/${key}` },
      messages: ids.map((id) => ({ $ref: `#/channels/${key}/messages/${id}` })),
    };
  }

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Ticketflow',
      version,
      description:
        'Topics Ticketflow publishes and consumes. Generated from libs/contracts; do not edit by hand (npm run asyncapi).',
      license: { name: 'Apache-2.0' },
    },
    defaultContentType: 'application/json',
    servers: { local: { host: '127.0.0.1:9092', protocol: 'kafka', description: 'scripts/start.sh' } },
    channels,
    operations,
    components: { schemas, messages },
  };
}

function kafkaTopicConfiguration(configs: Record<string, string>): Json {
  const out: Json = {};
  if (configs['cleanup.policy']) out['cleanup.policy'] = configs['cleanup.policy'].split(',');
  if (configs['retention.ms']) out['retention.ms'] = Number(configs['retention.ms']);
  return out;
}
