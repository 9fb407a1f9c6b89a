/**
 * One copy of each repeated string. The database driver gives every row its own strings, so 20,000 cached lists of
 * 20 items hold two million strings of a few thousand distinct values (item ids, titles, categories, reasons);
 * every full GC marks each of them, and the API's pause times grow with it. Pooling them at load time keeps one.
 * Bounded: past `max` distinct strings it starts again (strings already shared stay shared).
 */
export class StringPool {
  private readonly strings = new Map<string, string>();

  constructor(private readonly max = 200_000) {}

  /** The pooled copy of `s`. */
  get(s: string): string {
    const found = this.strings.get(s);
    if (found !== undefined) return found;
    if (this.strings.size >= this.max) this.strings.clear();
    this.strings.set(s, s);
    return s;
  }

  /** The pooled copy of `s`, or null. */
  maybe(s: string | null): string | null {
    return s === null ? null : this.get(s);
  }
}
