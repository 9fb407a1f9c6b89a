/** Polls `check` every 20 ms until it holds; fails with `what` after `ms` (for effects that arrive asynchronously, such as pub/sub). */
export async function waitUntil(check: () => Promise<boolean>, ms = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not hold within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
