import { UnrecoverableError } from 'bullmq';

/**
 * Bad input or missing rows: retrying cannot help, so BullMQ must not retry (UnrecoverableError). Anything
 * else thrown (lost connection, deadlock) is left to BullMQ's retries with backoff.
 */
export class BadInputError extends UnrecoverableError {
  constructor(message: string) {
    super(message);
    this.name = 'UnrecoverableError';
  }
}

/** Throws a BadInputError when `cond` is false. */
export function require_(cond: unknown, message: string): asserts cond {
  if (!cond) throw new BadInputError(message);
}
