import { BadInputError, safeText } from '../config/errors';

/**
 * The input cannot be ingested at all (unknown mapping, a mapping that does not fit the header, an unknown
 * column, an unreadable file). Unrecoverable for BullMQ: a retry would fail the same way.
 */
export class IngestInputError extends BadInputError {
  constructor(
    message: string,
    /** the column at fault, where one is */
    readonly column?: string,
  ) {
    // Messages quote the file (column names, values): escaped and bounded here, wherever they are shown.
    super(safeText(message));
  }
}
