/**
 * The TSV bytes of one events chunk for loadEventLines (LOAD DATA's default format: TAB between fields, LF after a row, `\` escapes
 * TAB/LF/CR/`\`, `\N` is NULL), handed over in event_key order: InnoDB then appends to its primary key page after
 * page, as it does for a table without keys, instead of splitting pages all over it.
 *
 * Rows are written field by field straight into one reused Buffer (no per-row line string to build, flatten and
 * encode); keys and row offsets sit in typed arrays, and `take()` sorts by key and gathers the rows in that order.
 */
export class ChunkBuffer {
  private buf = Buffer.allocUnsafe(1 << 20);
  private used = 0;
  private count = 0;
  private high = new Uint32Array(1024);
  private start = new Uint32Array(1025);
  private readonly counts = new Uint32Array(65536);

  /** Number of rows. */
  get rows(): number {
    return this.count;
  }

  /** Bytes held. */
  get bytes(): number {
    return this.used;
  }

  /** Starts a row whose key's top 32 bits are `keyHigh32` (rows go out in that order); end it with `end()`. */
  begin(keyHigh32: number): void {
    const i = this.count;
    if (i + 1 >= this.high.length) this.grow();
    this.start[i] = this.used;
    this.high[i] = keyHigh32;
  }

  /** Ends the row begun last (writes its LF). */
  end(): void {
    this.room(1);
    this.buf[this.used++] = 10;
    this.count++;
  }

  /** A field separator. */
  tab(): void {
    this.room(1);
    this.buf[this.used++] = 9;
  }

  /** NULL (`\N`). */
  nul(): void {
    this.room(2);
    const b = this.buf;
    b[this.used] = 92;
    b[this.used + 1] = 78;
    this.used += 2;
  }

  /** Text, escaped; UTF-8 encoded. */
  text(s: string): void {
    const n = s.length;
    this.room(n * 3);
    const b = this.buf;
    let o = this.used;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        // Rare outside ASCII: let Node encode the rest (surrogate pairs and all).
        o += b.write(escapeTsv(s.slice(i)), o, 'utf8');
        break;
      }
      if (c === 92 || c === 9 || c === 10 || c === 13) {
        b[o++] = 92;
        b[o++] = c === 92 ? 92 : c === 9 ? 116 : c === 10 ? 110 : 114;
      } else {
        b[o++] = c;
      }
    }
    this.used = o;
  }

  /** ASCII text known to need no escaping (times, decimals already validated). */
  ascii(s: string): void {
    const n = s.length;
    this.room(n);
    const b = this.buf;
    const o = this.used;
    for (let i = 0; i < n; i++) b[o + i] = s.charCodeAt(i);
    this.used = o + n;
  }

  /** An integer (|v| < 2^53) in decimal. */
  int(v: number): void {
    this.room(21);
    const b = this.buf;
    let o = this.used;
    if (v < 0) {
      b[o++] = 45;
      v = -v;
    }
    if (v < 10) {
      b[o++] = 48 + v;
      this.used = o;
      return;
    }
    let p = o + decimalDigits(v);
    this.used = p;
    // Two digits per step from a table: halves the divisions.
    while (v >= 100) {
      const q = Math.floor(v / 100);
      const r = (v - q * 100) * 2;
      b[--p] = DIGIT_PAIRS[r + 1] as number;
      b[--p] = DIGIT_PAIRS[r] as number;
      v = q;
    }
    if (v >= 10) {
      b[--p] = DIGIT_PAIRS[v * 2 + 1] as number;
      b[--p] = DIGIT_PAIRS[v * 2] as number;
    } else {
      b[--p] = 48 + v;
    }
  }

  /** Makes room for `n` more bytes (callers that reserve a row's worst case up front). */
  reserve(n: number): void {
    this.room(n);
  }

  private room(n: number): void {
    if (this.used + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.used + n));
    this.buf.copy(bigger, 0, 0, this.used);
    this.buf = bigger;
  }

  private grow(): void {
    const n = this.high.length * 2;
    const h = new Uint32Array(n);
    h.set(this.high);
    this.high = h;
    const s = new Uint32Array(n + 1);
    s.set(this.start);
    this.start = s;
  }

  /** All rows in key order as one new Buffer; the chunk is empty afterwards. */
  take(): Buffer {
    const n = this.count;
    const out = Buffer.allocUnsafe(this.used);
    const st = this.start;
    st[n] = this.used;
    // LSD radix sort on the key's top 32 bits (two 16-bit passes): day and 22 hash bits, far finer than needed
    // for page-after-page inserts; rows that tie keep their arrival order.
    const hi = this.high;
    const counts = this.counts;
    const tmp = new Uint32Array(n);
    const order = new Uint32Array(n);
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[(hi[i] as number) & 0xffff]!++;
    for (let d = 0, sum = 0; d < 65536; d++) {
      const c = counts[d] as number;
      counts[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) tmp[counts[(hi[i] as number) & 0xffff]!++] = i;
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[(hi[i] as number) >>> 16]!++;
    for (let d = 0, sum = 0; d < 65536; d++) {
      const c = counts[d] as number;
      counts[d] = sum;
      sum += c;
    }
    for (let k = 0; k < n; k++) {
      const i = tmp[k] as number;
      order[counts[(hi[i] as number) >>> 16]!++] = i;
    }
    const src = this.buf;
    let o = 0;
    for (let k = 0; k < n; k++) {
      const i = order[k] as number;
      const e = st[i + 1] as number;
      // Rows are short: a byte loop beats a native copy call per row.
      for (let j = st[i] as number; j < e; j++) out[o++] = src[j] as number;
    }
    this.used = 0;
    this.count = 0;
    return out;
  }
}

const DIGIT_PAIRS = Uint8Array.from({ length: 200 }, (_, i) => 48 + (i & 1 ? (i >> 1) % 10 : Math.floor((i >> 1) / 10)));

function decimalDigits(v: number): number {
  if (v < 1e5) return v < 100 ? 2 : v < 1000 ? 3 : v < 1e4 ? 4 : 5;
  if (v < 1e10) return v < 1e6 ? 6 : v < 1e7 ? 7 : v < 1e8 ? 8 : v < 1e9 ? 9 : 10;
  let d = 10;
  for (let p = 1e10; v >= p; p *= 10) d++;
  return d;
}

/** LOAD DATA text escaping: backslash, TAB and newlines would otherwise split fields or rows. */
export function escapeTsv(s: string): string {
  return /[\\\t\n\r]/.test(s) ? s.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r')) : s;
}
