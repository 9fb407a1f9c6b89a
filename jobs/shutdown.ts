/**
 * Graceful shutdown on SIGINT (what PM2 sends) and SIGTERM: run `close` once (stop taking jobs, finish the
 * current ones, close Redis and MySQL), then exit. A second signal exits at once.
 */
export function onShutdown(close: () => Promise<void>, log: (msg: string) => void = console.log): void {
  let closing = false;
  const handle = (signal: string): void => {
    if (closing) {
      log(`${signal} again: exiting now`);
      process.exit(1);
    }
    closing = true;
    log(`${signal}: finishing current jobs, then exiting`);
    close().then(
      () => process.exit(0),
      (err: unknown) => {
        log(`shutdown failed: ${String(err)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => handle('SIGINT'));
  process.on('SIGTERM', () => handle('SIGTERM'));
}
