/** Kafka work that holds a lock or a queue must not hang it: past `ms` the caller moves on with an error. */
export class DeadlineExceeded extends Error {
  constructor(what: string, ms: number) {
    super(`${what}: no answer within ${ms} ms`);
    this.name = 'DeadlineExceeded';
  }
}

export function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceeded(what, ms)), ms);
  });
  work.catch(() => undefined); // a late failure after the deadline is the caller's no more
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
