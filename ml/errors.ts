/**
 * Thrown when the events hold nothing a model can learn from (no purchases, or fewer than two distinct days).
 * Retrying cannot help: the jobs layer maps it to a non-retried failure.
 */
export class InsufficientDataError extends Error {
  override readonly name = 'InsufficientDataError';
  constructor(message: string) {
    super(message);
    Object.setPrototypeOf(this, InsufficientDataError.prototype);
  }
}
