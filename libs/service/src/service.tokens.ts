/** Nest injection tokens of the service shell. */
export const RUNTIME = Symbol('ServiceRuntime');
