/** Mean, extremes and standard deviation of a figure over cuts. */
export interface Spread {
  mean: number;
  min: number;
  max: number;
  std: number;
}

/** The spread of `values` (weighted mean when `weights` are given; std is the unweighted population deviation). */
export function spreadOf(values: readonly number[], weights?: readonly number[]): Spread {
  if (values.length === 0) return { mean: 0, min: 0, max: 0, std: 0 };
  let sw = 0;
  let s = 0;
  values.forEach((v, i) => {
    const w = weights?.[i] ?? 1;
    sw += w;
    s += w * v;
  });
  const mean = sw > 0 ? s / sw : values.reduce((a, v) => a + v, 0) / values.length;
  const plain = values.reduce((a, v) => a + v, 0) / values.length;
  const std = Math.sqrt(values.reduce((a, v) => a + (v - plain) ** 2, 0) / values.length);
  return { mean, min: Math.min(...values), max: Math.max(...values), std };
}
