const BUCKET_BITS = 8;
const BUCKETS = 1 << BUCKET_BITS;

/**
 * The TSV bytes of one events chunk, grouped by the top 8 bits of each row's key: rows go out bucket by
 * bucket, so InnoDB inserts into one narrow key range after another instead of all over its primary key.
 * Each line is written straight into its bucket's Buffer (no per-row strings stay alive for the GC), and the
 * bucket Buffers are reused from chunk to chunk.
 */
export class ChunkBuffer {
  private readonly bufs: Buffer[] = Array.from({ length: BUCKETS }, () => Buffer.allocUnsafe(16 * 1024));
  private readonly used = new Int32Array(BUCKETS);
  private count = 0;
  private total = 0;

  /** Number of rows. */
  get rows(): number {
    return this.count;
  }

  /** Appends one line; `keyHigh32` (the key's top 32 bits) picks its bucket. */
  push(line: string, keyHigh32: number): void {
    const b = keyHigh32 >>> (32 - BUCKET_BITS);
    let buf = this.bufs[b] as Buffer;
    const at = this.used[b] as number;
    if (at + line.length * 3 > buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(buf.length * 2, at + line.length * 3));
      buf.copy(bigger, 0, 0, at);
      this.bufs[b] = bigger;
      buf = bigger;
    }
    const n = buf.write(line, at, 'utf8');
    this.used[b] = at + n;
    this.total += n;
    this.count++;
  }

  /** All lines, bucket by bucket in key order, as one new Buffer; the chunk is empty afterwards. */
  take(): Buffer {
    const out = Buffer.allocUnsafe(this.total);
    let o = 0;
    for (let b = 0; b < BUCKETS; b++) {
      o += (this.bufs[b] as Buffer).copy(out, o, 0, this.used[b]);
      this.used[b] = 0;
    }
    this.count = 0;
    this.total = 0;
    return out;
  }
}
