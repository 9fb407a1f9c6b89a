import { isMainThread } from 'node:worker_threads';
import pino, { type DestinationStream, type Level, type Logger as PinoLogger } from 'pino';
import type { Config } from './schema';

/** The one logger type every process passes around (pino: JSON lines, level-filtered, child loggers carry context). */
export type Logger = PinoLogger;

/** Which process wrote a line: lets one log pipeline hold the API's, the workers' and the tools' lines. */
export type Service = 'api' | 'worker' | 'scheduler' | 'keys';

/** A URL's password (`mysql://user:PASSWORD@host`) becomes `***`, wherever it appears in a text. */
export function hideUrlPasswords(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:)[^@/?#\s]*@/gi, '$1***@');
}

/**
 * Fields that may hold secrets, redacted wherever a caller passes them (pino `redact`): request headers that carry
 * keys or cookies, and settings that carry passwords. The API's request serializer leaves headers out altogether;
 * this is the second line of defence for code that logs a whole object. Exact paths only: wildcard paths cost a
 * walk of every logged object, on every request line.
 */
export const REDACT_PATHS = [
  'key',
  'secret',
  'password',
  'apiKey',
  'headers.authorization',
  'headers.cookie',
  'headers["x-api-key"]',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'config.API_KEYS',
  'config.MYSQL_URL',
  'config.MYSQL_READONLY_URL',
  'config.REDIS_URL',
  'MYSQL_URL',
  'MYSQL_READONLY_URL',
  'REDIS_URL',
  'API_KEYS',
];

/** pino's error serializer, with URL passwords cut out of the message and stack (a driver error may quote its URL). */
function errSerializer(err: unknown): unknown {
  const out = pino.stdSerializers.err(err as Error) as { message?: unknown; stack?: unknown };
  if (typeof out.message === 'string') out.message = hideUrlPasswords(out.message);
  if (typeof out.stack === 'string') out.stack = hideUrlPasswords(out.stack);
  return out;
}

/**
 * A JSON-lines logger at LOG_LEVEL: ISO timestamps, `level` as a word, `service` on every line, secrets redacted.
 * `destination` is stdout unless given (tests capture lines through it).
 */
export function createLogger(config: Pick<Config, 'LOG_LEVEL'>, service: Service, destination?: DestinationStream): Logger {
  return pino(
    {
      level: config.LOG_LEVEL,
      base: { service, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: { err: errSerializer },
      hooks: {
        // Messages are text built by callers: cut URL passwords out of them too.
        logMethod(args, method) {
          method.apply(this, args.map((a) => (typeof a === 'string' ? hideUrlPasswords(a) : a)) as Parameters<typeof method>);
        },
      },
    },
    // Asynchronous writes in the main thread (pino flushes them at exit); a worker thread can be stopped without
    // that hook, so its lines are written synchronously.
    destination ?? pino.destination({ dest: 1, sync: !isMainThread }),
  );
}

/** One captured log line, parsed. */
export type LogRecord = Record<string, unknown> & { level: Level; msg?: string };

/** A destination that keeps every line in memory, parsed (tests and local tools read what was logged). */
export function memoryDestination(): DestinationStream & { records: LogRecord[] } {
  const records: LogRecord[] = [];
  return {
    records,
    write(line: string) {
      records.push(JSON.parse(line) as LogRecord);
    },
  };
}
