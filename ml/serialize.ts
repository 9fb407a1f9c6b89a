import type { ChampionModel } from './champion';

const MAGIC = 'SIM1';
type Typed = Float32Array | Float64Array | Int32Array | Uint8Array;
const CTORS = { Float32Array, Float64Array, Int32Array, Uint8Array } as const;
type CtorName = keyof typeof CTORS;

function isTyped(v: unknown): v is Typed {
  return v instanceof Float32Array || v instanceof Float64Array || v instanceof Int32Array || v instanceof Uint8Array;
}

/**
 * Model → Buffer: a JSON header (small values, ids) followed by the typed arrays as raw little-endian bytes,
 * each 8-byte aligned. Compact (no text-encoded floats) and loads without parsing numbers one by one.
 */
export function serializeModel(m: ChampionModel): Buffer {
  const blobs: Typed[] = [];
  let offset = 0;
  const header = JSON.stringify(m, (_k, v: unknown) => {
    if (isTyped(v)) {
      const ref = { $t: v.constructor.name, off: offset, len: v.length };
      blobs.push(v);
      offset += Math.ceil(v.byteLength / 8) * 8;
      return ref;
    }
    if (typeof v === 'number' && !Number.isFinite(v)) return { $n: String(v) };
    return v;
  });
  const head = Buffer.from(header, 'utf8');
  const pre = Buffer.alloc(8);
  pre.write(MAGIC, 0, 'ascii');
  pre.writeUInt32LE(head.length, 4);
  const body = Buffer.alloc(offset);
  let o = 0;
  for (const b of blobs) {
    Buffer.from(b.buffer, b.byteOffset, b.byteLength).copy(body, o);
    o += Math.ceil(b.byteLength / 8) * 8;
  }
  const pad = Buffer.alloc((8 - ((8 + head.length) % 8)) % 8);
  return Buffer.concat([pre, head, pad, body]);
}

/** Buffer → model; throws on a foreign or truncated buffer. */
export function deserializeModel(buf: Buffer): ChampionModel {
  if (buf.length < 8 || buf.toString('ascii', 0, 4) !== MAGIC) throw new Error('not a ShopIntent model artefact');
  const len = buf.readUInt32LE(4);
  const headEnd = 8 + len;
  const bodyStart = headEnd + ((8 - (headEnd % 8)) % 8);
  const header = buf.toString('utf8', 8, headEnd);
  return JSON.parse(header, (_k, v: unknown) => {
    if (v && typeof v === 'object' && '$t' in v) {
      const r = v as { $t: CtorName; off: number; len: number };
      const C = CTORS[r.$t];
      const bytes = r.len * C.BYTES_PER_ELEMENT;
      if (bodyStart + r.off + bytes > buf.length) throw new Error('model artefact is truncated');
      // Copy into a fresh, aligned ArrayBuffer (Buffer slices may be unaligned for 8-byte types).
      const ab = new ArrayBuffer(bytes);
      buf.copy(Buffer.from(ab), 0, bodyStart + r.off, bodyStart + r.off + bytes);
      return new C(ab);
    }
    if (v && typeof v === 'object' && '$n' in v) return Number((v as { $n: string }).$n);
    return v;
  }) as ChampionModel;
}
