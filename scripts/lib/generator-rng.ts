/** sfc32: small, fast, seedable PRNG (deterministic across platforms). Returns floats in [0, 1). */
export function makeRng(seed: number): () => number {
  let a = 0x9e3779b9 ^ seed;
  let b = 0x243f6a88 ^ Math.imul(seed, 0x85ebca6b);
  let c = 0xb7e15162;
  let d = 1;
  const next = (): number => {
    a |= 0;
    b |= 0;
    c |= 0;
    d |= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 15; i++) next();
  return next;
}

/** Samples an index from cumulative weights (binary search). */
export function pickCumulative(cum: Float64Array, r: number): number {
  const target = r * (cum[cum.length - 1] as number);
  let lo = 0;
  let hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((cum[mid] as number) <= target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Cumulative Zipf weights 1/(rank+1)^s for n ranks. */
export function zipfCumulative(n: number, s: number): Float64Array {
  const cum = new Float64Array(n);
  let acc = 0;
  for (let i = 0; i < n; i++) {
    acc += 1 / Math.pow(i + 1, s);
    cum[i] = acc;
  }
  return cum;
}
