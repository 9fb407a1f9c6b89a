import type { Logger } from './logger';

/**
 * Graceful shutdown on SIGINT (what PM2 sends) and SIGTERM: run `close` once (stop taking jobs, finish the
 * current ones, close Redis and MySQL), then exit. A second signal exits at once.
 */
export function onShutdown(close: () => Promise<void>, log: Logger): void {
  let closing = false;
  const handle = (signal: string): void => {
    if (closing) {
      log.warn(`${signal} again: exiting now`);
      process.exit(1);
    }
    closing = true;
    log.info(`${signal}: finishing current jobs, then exiting`);
    close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => handle('SIGINT'));
  process.on('SIGTERM', () => handle('SIGTERM'));
}
