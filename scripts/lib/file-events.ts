import { resolveMapping } from '../../ingest';
import { formatFromName, openSource } from '../../ingest/formats/source';
import type { EventMapping, Mapping } from '../../ingest/mappings/types';
import { Rejection } from '../../ingest/reasons';
import { readRecords } from '../../ingest/records';
import { compileEventValidator, type EventRow } from '../../ingest/validate';
import { decodeEventType } from '../../db/events/row';
import type { EventRecord } from '../../ml/types';

/** A shop's events file read as ingest would read it, without a database. */
export interface FileEvents {
  events: EventRecord[];
  rowsRead: number;
  rowsRejected: number;
  rejectsByReason: Record<string, number>;
}

/** The event an accepted row becomes once stored and loaded back (DECIMAL price as a number). */
export function rowToEvent(r: EventRow): EventRecord {
  return {
    userId: r.userId, itemId: r.itemId, type: decodeEventType(r.type), ts: r.ms, quantity: r.quantity,
    price: r.price === null ? null : Math.round(Number(r.price) * 1e4) / 1e4, query: r.query, dwellMs: r.dwellMs, sessionId: r.sessionId,
  };
}

/**
 * Reads an events file (CSV or NDJSON, gzip or not) through an ingest mapping, with ingest's own parser and
 * validator: the events `npm run eval -- --file F --mapping M` evaluates are the ones ingest would store.
 */
export async function loadEventsFile(path: string, mapping: string | Mapping): Promise<FileEvents> {
  const m = resolveMapping(mapping, 'events') as EventMapping;
  const source = await openSource(path);
  const events: EventRecord[] = [];
  const rejectsByReason: Record<string, number> = {};
  let rowsRead = 0;
  let rowsRejected = 0;
  let validate: ReturnType<typeof compileEventValidator> | null = null;
  try {
    for await (const batch of readRecords(source.stream, { format: formatFromName(path), mapping: m })) {
      if (validate === null && batch.binding !== null) validate = compileEventValidator(m, batch.binding);
      for (const rec of batch.records) {
        rowsRead++;
        const row = rec.error ?? (validate === null || rec.fields === null ? new Rejection('bad_json', 'no fields') : validate(rec.fields));
        if (row instanceof Rejection) {
          rowsRejected++;
          rejectsByReason[row.reason] = (rejectsByReason[row.reason] ?? 0) + 1;
          continue;
        }
        events.push(rowToEvent(row));
      }
    }
  } finally {
    source.close();
  }
  return { events, rowsRead, rowsRejected, rejectsByReason };
}
