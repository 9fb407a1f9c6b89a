/** Seeded PRNG (mulberry32): reproducible sampling, shuffles and folds. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates shuffle in place with the given PRNG. */
export function shuffle<T>(arr: T[], rand: () => number): T[] {
  for (let i = arr.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = arr[i]!;
    arr[i] = arr[j]!;
    arr[j] = t;
  }
  return arr;
}

/** Assigns each of n rows to one of k folds, balanced and shuffled with a fixed seed. */
export function kFoldAssignments(n: number, k: number, seed = 7): Int32Array {
  const order = shuffle(Array.from({ length: n }, (_, i) => i), mulberry32(seed));
  const fold = new Int32Array(n);
  order.forEach((row, pos) => {
    fold[row] = pos % k;
  });
  return fold;
}
