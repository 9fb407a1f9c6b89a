/** Metrics the gate reads (an EvalReport or the registry's stored copy of one). */
export interface GateMetrics {
  for_you: Record<string, number>;
}

/** First key of for_you that starts with ndcg_at_ (NDCG@K whatever K the run used). */
function ndcgOf(m: GateMetrics): { key: string; value: number } | null {
  const key = Object.keys(m.for_you).find((k) => k.startsWith('ndcg_at_'));
  const value = key ? m.for_you[key] : undefined;
  return key && value !== undefined && Number.isFinite(value) ? { key, value } : null;
}

/**
 * Promotion gate (pure). The candidate replaces the active model only when its holdout for-you NDCG@K beats
 * the active one by more than `margin` (absolute). NDCG is the gate because it rewards putting the items that
 * were really bought near the top of the list a customer sees, and it was measured on a window the model did not
 * train on. With no active model, any candidate with a valid figure is promoted.
 */
export function shouldPromote(
  candidate: GateMetrics, active: GateMetrics | null, margin: number,
): { promote: boolean; reason: string } {
  const c = ndcgOf(candidate);
  if (!c) return { promote: false, reason: 'candidate has no holdout NDCG figure' };
  if (!active) return { promote: true, reason: `no active model; candidate ${c.key}=${c.value.toFixed(4)}` };
  const a = ndcgOf(active);
  if (!a) return { promote: true, reason: `active model has no holdout NDCG; candidate ${c.key}=${c.value.toFixed(4)}` };
  if (a.key !== c.key) return { promote: false, reason: `metrics not comparable (${c.key} vs ${a.key})` };
  const diff = c.value - a.value;
  const promote = diff > margin;
  return {
    promote,
    reason: `${c.key} ${c.value.toFixed(4)} vs active ${a.value.toFixed(4)} (Δ ${diff >= 0 ? '+' : ''}${diff.toFixed(4)}, margin ${margin}): ${promote ? 'promoted' : 'kept inactive'}`,
  };
}

/**
 * What the gate compares for a model whose lists were chosen on its holdout (report.selection): the for-you
 * list it serves, not its ranker alone. Metrics without a selection (older models) are used as they are.
 */
export function servedGateMetrics(m: GateMetrics & { selection?: { for_you?: { metric?: string; served_value?: number } } }): GateMetrics {
  const s = m.selection?.for_you;
  if (!s || typeof s.metric !== 'string' || typeof s.served_value !== 'number') return { for_you: m.for_you };
  return { for_you: { [s.metric]: s.served_value } };
}
