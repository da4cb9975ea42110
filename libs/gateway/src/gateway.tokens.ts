/** Nest injection tokens of the gateway's values. */
export const GATEWAY_CONFIG = Symbol('GatewayConfig');
export const EVENT_PRODUCER = Symbol('EventProducer');
export const KAFKA_ADMIN = Symbol('KafkaAdmin');
