/**
 * CSV for spreadsheets and email tools (RFC 4180, CRLF line ends). Every field is neutralised against formula
 * injection: a field starting with `=`, `+`, `-`, `@`, a tab or a carriage return would run as a formula in
 * Excel, LibreOffice or Google Sheets, so it gets a leading apostrophe (OWASP's advice); fields holding a
 * comma, a quote or a line break are quoted, quotes doubled.
 */

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** One field, neutralised and quoted as needed; null and undefined are empty. */
export function csvField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  let s = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : value;
  if (FORMULA_START.test(s)) s = `'${s}`;
  return NEEDS_QUOTES.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One line (with its CRLF). */
export function csvLine(values: readonly (string | number | null | undefined)[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}
