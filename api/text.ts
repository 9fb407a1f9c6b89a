/** The longest message the API returns in an error body (characters, after escaping). */
export const MAX_CLIENT_MESSAGE = 500;

// C0 and C1 controls, DEL, line/paragraph separators, bidi overrides, the replacement character (what undecodable
// bytes become) and lone surrogates: nothing a terminal, a log line or a JSON consumer should get raw.
const UNSAFE = /[\p{Cc}\p{Cs}\u2028\u2029\u202a-\u202e\u2066-\u2069\ufffd]/gu;

/**
 * Makes text safe to show or log: unsafe characters become `\uXXXX` escapes, and the result is cut to `max`
 * characters (with an ellipsis) without splitting an escape or a surrogate pair.
 */
export function safeText(input: unknown, max: number = MAX_CLIENT_MESSAGE): string {
  const raw = typeof input === 'string' ? input : String(input);
  // Cut the input first so a huge message is never escaped whole.
  const escaped = raw.slice(0, max * 2).replace(UNSAFE, (c) => `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`);
  if (escaped.length <= max && raw.length <= max * 2) return escaped;
  let cut = escaped.slice(0, max - 1);
  // Do not leave half an escape or half a surrogate pair at the end.
  cut = cut.replace(/\\u[0-9a-f]{0,3}$|\\$/, '').replace(/[\ud800-\udbff]$/, '');
  return `${cut}…`;
}

/** A request id is echoed in a header and written to logs: 1 to 64 of these characters, else we make our own. */
export const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;
