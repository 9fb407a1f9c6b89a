/**
 * Stable reason codes for rejected rows: reports, counters and clients may rely on them never changing meaning.
 */
export const REJECT_REASONS = [
  'wrong_column_count',
  'unterminated_quote',
  'bad_encoding',
  'bad_json',
  'field_too_long',
  'line_too_long',
  'missing_user',
  'missing_item',
  'missing_query',
  'unparseable_time',
  'unknown_event_type',
  'bad_quantity',
  'bad_price',
  'negative_price',
  'bad_dwell',
  'bad_in_stock',
  'bad_attributes',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/** A row that failed validation: why, and a short human detail (never the whole row). */
export class Rejection {
  constructor(
    readonly reason: RejectReason,
    readonly detail: string,
  ) {}
}

/** Builds a Rejection (keeps validators short). */
export const reject = (reason: RejectReason, detail: string): Rejection => new Rejection(reason, detail);
