/**
 * Indices of the k largest scores, best first. `exclude` (optional) marks items that may not appear;
 * ties go to the lower index so results are deterministic. O(n log k) with a small binary heap.
 */
export function topK(scores: ArrayLike<number>, k: number, exclude?: Uint8Array | null): Int32Array {
  return heapTop(scores, null, scores.length, k, exclude ?? null);
}

/**
 * {@link topK} over the candidates `ids[0 … count)` only (indices into `scores`, any order): what a sparse
 * accumulator needs, O(count log k) instead of a pass over every item. Same ordering and ties as topK.
 */
export function topKAmong(scores: ArrayLike<number>, ids: ArrayLike<number>, count: number, k: number): Int32Array {
  return heapTop(scores, ids, count, k, null);
}

function heapTop(scores: ArrayLike<number>, ids: ArrayLike<number> | null, count: number, k: number, exclude: Uint8Array | null): Int32Array {
  const heap = new Int32Array(Math.max(1, k));
  let size = 0;
  // "a is worse than b": lower score, or equal score and higher index.
  const worse = (a: number, b: number): boolean => {
    const sa = scores[a]!;
    const sb = scores[b]!;
    return sa < sb || (sa === sb && a > b);
  };
  const siftDown = (start: number): void => {
    let i = start;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < size && worse(heap[l]!, heap[m]!)) m = l;
      if (r < size && worse(heap[r]!, heap[m]!)) m = r;
      if (m === i) return;
      const t = heap[i]!;
      heap[i] = heap[m]!;
      heap[m] = t;
      i = m;
    }
  };
  for (let t = 0; t < count; t++) {
    const i = ids ? ids[t]! : t;
    if (exclude && exclude[i]) continue;
    if (Number.isNaN(scores[i]!)) continue;
    if (size < k) {
      heap[size] = i;
      let c = size++;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (!worse(heap[c]!, heap[p]!)) break;
        const tmp = heap[c]!;
        heap[c] = heap[p]!;
        heap[p] = tmp;
        c = p;
      }
    } else if (k > 0 && worse(heap[0]!, i)) {
      heap[0] = i;
      siftDown(0);
    }
  }
  // The heap's root is the worst kept item: popping it fills the list from the back, best first, without a
  // comparator sort (its comparator was about a sixth of the top-K time in a CPU profile of scoring).
  const out = new Int32Array(size);
  for (let pos = size - 1; pos >= 0; pos--) {
    out[pos] = heap[0]!;
    heap[0] = heap[--size]!;
    siftDown(0);
  }
  return out;
}
