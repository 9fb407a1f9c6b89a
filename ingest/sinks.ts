import type { Knex } from 'knex';
import { loadEventLines, writeEventRow, type KeyHalves } from '../db/events/load';
import { ChunkBuffer } from '../db/events/tsv-chunk';
import { fillItemTitles, mergeUserAttributes, upsertItems, upsertUsers, type ItemUpsert, type UserUpsert } from '../db/repositories/ingest-entities';
import { contentId, keyInto, OccurrenceCounter } from './event-key';
import type { Binding } from './mappings/bind';
import type { EventMapping, ItemMapping, Mapping, UserMapping } from './mappings/types';
import type { Rejection } from './reasons';
import { sqlTime } from './time';
import { compileEventValidator, compileItemValidator, compileUserValidator, type EventRow, type Fields } from './validate';

/** Writes one detached chunk inside the caller's transaction; returns how many of its rows were duplicates. */
export type ChunkCommit = (trx: Knex.Transaction) => Promise<number>;

/** Where validated rows of one entity go: buffered per chunk, written by the committer `take()` returns. */
export interface Sink<R> {
  compile(b: Binding): (f: Fields) => R | Rejection;
  /** whether a chunk may end just before this row (events: only where a (user, instant) run starts) */
  canCutBefore(row: R): boolean;
  add(row: R): void;
  pending(): number;
  take(): ChunkCommit;
}

const SIDE_CACHE = 200000;

/** A flat copy of a string (not a slice sharing its parent's memory). */
const flat = (s: string): string => (s.length < 13 ? s : (' ' + s).slice(1));

/** Events: keyed by content hash + occurrence, appended with LOAD DATA; item titles and user attributes upserted alongside. */
export class EventSink implements Sink<EventRow> {
  private chunk = new ChunkBuffer();
  private titles = new Map<string, string>();
  private users = new Map<string, string>();
  private occ = new OccurrenceCounter();
  private lastMs = -1;
  // What earlier chunks of this run already wrote: an item's title or a user's attributes are upserted once per
  // run, not once per chunk. Bounded: forgetting only costs a redundant upsert.
  private knownTitles = new Set<string>(); // queued in `titles` or written by an earlier chunk
  private doneUsers = new Map<string, string>();
  private lastTime = '';
  private readonly key: KeyHalves = { high: 0, low: 0 };
  private lastAttrs: string | null = null;
  private lastAttrsUser = '';

  constructor(
    private readonly mapping: EventMapping,
    private readonly batchId: number,
  ) {}

  compile(b: Binding): (f: Fields) => EventRow | Rejection {
    return compileEventValidator(this.mapping, b);
  }

  canCutBefore(row: EventRow): boolean {
    return this.occ.startsRun(row);
  }

  add(r: EventRow): void {
    const key = keyInto(r, 0, this.key);
    const occurrence = this.occ.next(r, contentId(key));
    if (occurrence > 0) keyInto(r, occurrence, key);
    if (r.ms !== this.lastMs) {
      this.lastMs = r.ms;
      this.lastTime = sqlTime(r.ms);
    }
    writeEventRow(this.chunk, key, r, this.batchId, this.lastTime);
    // Side data is stored as flat copies: a slice of the decoded input would keep its whole text chunk alive.
    if (r.title !== null && r.itemId !== null && !this.knownTitles.has(r.itemId)) {
      const id = flat(r.itemId);
      this.knownTitles.add(id);
      this.titles.set(id, flat(r.title));
    }
    // Consecutive lines of one user usually carry the same attributes: look them up once per change.
    if (r.userAttributes !== null && (r.userId !== this.lastAttrsUser || r.userAttributes !== this.lastAttrs)) {
      this.lastAttrsUser = r.userId;
      this.lastAttrs = r.userAttributes;
      if (this.doneUsers.get(r.userId) !== r.userAttributes) this.users.set(flat(r.userId), flat(r.userAttributes));
    }
  }

  /** Bytes of TSV held for the next chunk. */
  bytes(): number {
    return this.chunk.bytes;
  }

  pending(): number {
    return this.chunk.rows;
  }

  take(): ChunkCommit {
    const titles = [...this.titles].map(([itemId, title]) => ({ itemId, title }));
    const users = [...this.users].map(([userId, attributes]) => ({ userId, attributes }));
    if (this.knownTitles.size > SIDE_CACHE) this.knownTitles.clear();
    if (this.doneUsers.size + users.length > SIDE_CACHE) this.doneUsers.clear();
    for (const u of users) this.doneUsers.set(u.userId, u.attributes);
    const accepted = this.chunk.rows;
    const tsv = this.chunk.take();
    this.titles.clear();
    this.users.clear();
    const batchId = this.batchId;
    return async (trx) => {
      const inserted = await loadEventLines(trx, tsv);
      if (titles.length > 0) await fillItemTitles(trx, titles, batchId);
      if (users.length > 0) await mergeUserAttributes(trx, users, batchId);
      return accepted - inserted;
    };
  }
}

/** Items or users: upserted per chunk (a later file wins); "duplicates" are rows whose id already existed. */
class UpsertSink<R> implements Sink<R> {
  private rows: R[] = [];
  constructor(
    private readonly validator: (b: Binding) => (f: Fields) => R | Rejection,
    private readonly write: (trx: Knex.Transaction, rows: R[]) => Promise<{ existing: number }>,
  ) {}
  compile(b: Binding): (f: Fields) => R | Rejection {
    return this.validator(b);
  }
  canCutBefore(): boolean {
    return true;
  }
  add(row: R): void {
    this.rows.push(row);
  }
  pending(): number {
    return this.rows.length;
  }
  take(): ChunkCommit {
    const rows = this.rows;
    this.rows = [];
    return async (trx) => (rows.length === 0 ? 0 : (await this.write(trx, rows)).existing);
  }
}

/** The sink for a mapping's entity. */
export function sinkFor(mapping: Mapping, batchId: number): Sink<EventRow> | Sink<ItemUpsert> | Sink<UserUpsert> {
  switch (mapping.entity) {
    case 'events':
      return new EventSink(mapping, batchId);
    case 'items': {
      const m: ItemMapping = mapping;
      return new UpsertSink<ItemUpsert>((b) => compileItemValidator(m, b), (trx, rows) => upsertItems(trx, rows, batchId));
    }
    case 'users': {
      const m: UserMapping = mapping;
      return new UpsertSink<UserUpsert>((b) => compileUserValidator(m, b), (trx, rows) => upsertUsers(trx, rows, batchId));
    }
  }
}
