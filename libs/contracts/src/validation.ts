import { z } from 'zod';
import type { TopicDefinition } from './topics';

export class ContractViolation extends Error {
  constructor(
    readonly topic: string,
    readonly issues: string,
  ) {
    super(`message does not match the ${topic} contract: ${issues}`);
  }
}

/** Parses and validates a message value against its topic's schema; throws ContractViolation with a reason. */
export function decode<S extends z.ZodType>(topic: TopicDefinition<S>, value: unknown): z.infer<S> {
  const result = topic.schema.safeParse(value);
  if (!result.success)
    throw new ContractViolation(topic.name, z.prettifyError(result.error).replace(/\n/g, '; '));
  return result.data;
}

/** Validates before producing: nothing leaves a service that its consumers would reject. */
export function encode<S extends z.ZodType>(topic: TopicDefinition<S>, value: z.infer<S>): Buffer {
  return Buffer.from(JSON.stringify(decode(topic, value)));
}
