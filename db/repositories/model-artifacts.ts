import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import type { Knex } from 'knex';
import type { Db } from '../knex';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** Largest chunk stored in one row: a few MB keeps every statement far below a 16 MB max_allowed_packet. */
export const MAX_CHUNK_BYTES = 4 << 20;
/** A statement carries a chunk hex-encoded (twice its size) plus some SQL: chunks take at most this share of the packet. */
const PACKET_SHARE = 0.4;
/** Smallest chunk whatever the server says (a server refusing even these is misconfigured, and the error says so). */
const MIN_CHUNK_BYTES = 16 << 10;

/**
 * A compressed artefact is stored as this 4-byte tag and the gzip stream; an uncompressed one as its own bytes
 * (a model artefact starts with "SIM1", never with the tag), so the stored size of an uncompressed one is its own.
 */
const GZIP = Buffer.from('SIZ1');
/** Compress only when it saves at least this share (float weights barely compress; padding and ids do). */
const MIN_SAVING = 0.1;

/**
 * The database refused a model artefact's write because a statement was bigger than its max_allowed_packet
 * (ER_NET_PACKET_TOO_LARGE, or the connection dropped mid-write with packets that large). Retrying sends the
 * same packets: the jobs layer fails the job once, with this message.
 */
export class ArtifactRefusedError extends Error {
  override readonly name = 'ArtifactRefusedError';
  constructor(message: string) {
    super(message);
    Object.setPrototypeOf(this, ArtifactRefusedError.prototype);
  }
}

/** The server's max_allowed_packet in bytes. */
export async function maxAllowedPacket(db: Knex | Knex.Transaction): Promise<number> {
  const [rows] = (await db.raw('SELECT @@max_allowed_packet AS p')) as [{ p: number | string }[], unknown];
  return Number(rows[0]?.p ?? 0);
}

/** Chunk size for a server whose max_allowed_packet is `packet`. */
export function chunkBytesFor(packet: number): number {
  return Math.max(MIN_CHUNK_BYTES, Math.min(MAX_CHUNK_BYTES, Math.floor(packet * PACKET_SHARE)));
}

/** The bytes an artefact is stored as: gzip-compressed behind the tag when that pays, else as it is. */
export async function encodeArtifact(artifact: Buffer): Promise<Buffer> {
  const packed = await gzipAsync(artifact, { level: 1 });
  if (packed.length + GZIP.length <= artifact.length * (1 - MIN_SAVING)) return Buffer.concat([GZIP, packed]);
  return artifact;
}

async function decodeArtifact(stored: Buffer): Promise<Buffer> {
  return stored.subarray(0, 4).equals(GZIP) ? gunzipAsync(stored.subarray(4)) : stored;
}

const isRefusal = (err: unknown): boolean => (err as { code?: string }).code === 'ER_NET_PACKET_TOO_LARGE' || (err as { errno?: number }).errno === 1153;
/** A dropped connection: its own code, or (when knex's ROLLBACK then fails on it) mysql2's fatal "closed state" error. */
const isConnectionLoss = (err: unknown): boolean => {
  const e = err as { code?: string; fatal?: boolean };
  return ['ECONNRESET', 'EPIPE', 'PROTOCOL_CONNECTION_LOST'].includes(e.code ?? '') || e.fatal === true;
};

/**
 * Turns a failed artefact write into {@link ArtifactRefusedError} when the packet size was the cause: the server
 * said so, or it dropped the connection while statements larger than its max_allowed_packet were being sent
 * (asked again on a fresh connection). Any other failure (a killed connection, a deadlock) is returned as is, to
 * be retried.
 */
export async function explainArtifactFailure(db: Db, err: unknown, statementBytes: number): Promise<unknown> {
  const say = (packet: number | null): ArtifactRefusedError => new ArtifactRefusedError(
    `the database refused the model artefact: a ${(statementBytes / 1e6).toFixed(1)} MB statement is above its max_allowed_packet` +
    `${packet === null ? '' : ` (${(packet / 1e6).toFixed(1)} MB)`}; raise max_allowed_packet on the server (SET GLOBAL max_allowed_packet = …, and in its config file)`,
  );
  if (isRefusal(err)) return say(await maxAllowedPacket(db).catch(() => null));
  if (!isConnectionLoss(err)) return err;
  const packet = await maxAllowedPacket(db).catch(() => null);
  return packet !== null && statementBytes > packet ? say(packet) : err;
}

/** An artefact ready to be written: its stored bytes, the chunk size, and the largest statement writing it sends. */
export interface ArtifactPlan {
  stored: Buffer;
  chunkBytes: number;
  statementBytes: number;
}

/**
 * Encodes an artefact and sizes its chunks for the server's max_allowed_packet (`chunkBytes` overrides the
 * size, for tests). Done before the registration's transaction opens: compressing takes seconds on big ones.
 */
export async function planArtifact(db: Db, artifact: Buffer, chunkBytes?: number): Promise<ArtifactPlan> {
  const stored = await encodeArtifact(artifact);
  const size = chunkBytes ?? chunkBytesFor(await maxAllowedPacket(db));
  // Bytes travel hex-encoded in the statement (twice their size), plus the SQL around them.
  return { stored, chunkBytes: size, statementBytes: 2 * Math.min(size, stored.length) + 200 };
}

/** Writes a planned artefact as ordered chunk rows inside the caller's transaction (the registration's). */
export async function writeArtifactChunks(trx: Knex.Transaction, version: number, plan: ArtifactPlan): Promise<number> {
  let seq = 0;
  for (let off = 0; off < plan.stored.length; off += plan.chunkBytes) {
    await trx('model_artifact_chunks').insert({ version, seq: seq++, bytes: plan.stored.subarray(off, off + plan.chunkBytes) });
  }
  return seq;
}

/** A version's artefact from its chunks (in order), or null when it has none. */
export async function readArtifactChunks(db: Db, version: number): Promise<Buffer | null> {
  const parts: Buffer[] = [];
  // One chunk per query: no result set ever holds more than one chunk, whatever the artefact's size.
  for (let seq = 0; ; seq++) {
    const row = (await db('model_artifact_chunks').select('bytes').where({ version, seq }).first()) as { bytes: Buffer } | undefined;
    if (!row) break;
    parts.push(row.bytes);
  }
  return parts.length === 0 ? null : decodeArtifact(Buffer.concat(parts));
}
