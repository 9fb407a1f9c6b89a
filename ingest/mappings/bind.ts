import { safeText } from '../../config/errors';
import { IngestInputError } from '../errors';
import { jsonFieldText } from '../formats/ndjson';
import type { Mapping } from './types';

/** Where each column the mapping names sits in a record's field array (-1: absent from this file). */
export interface Binding {
  index(column: string | undefined): number;
  /** NDJSON only: an object as a field array aligned to this binding */
  project(obj: Record<string, unknown>): string[];
}

const key = (s: string): string => s.trim().toLowerCase();

/** Every column a mapping reads, with whether a file may lack it. */
export function mappedColumns(m: Mapping): { name: string; optional: boolean }[] {
  const optional = new Set((m.optionalColumns ?? []).map(key));
  const names: string[] = Object.values(m.columns).filter((c): c is string => typeof c === 'string');
  if (m.entity === 'events') {
    names.push(...Object.values(m.userAttributes ?? {}));
    if (m.negateQuantityWhen) names.push(m.negateQuantityWhen.column);
  }
  const seen = new Set<string>();
  return names
    .filter((n) => (seen.has(key(n)) ? false : (seen.add(key(n)), true)))
    .map((name) => ({ name, optional: optional.has(key(name)) }));
}

/** Columns an NDJSON object must carry (the record's identity); other mapped keys may be absent per line. */
function identityColumns(m: Mapping): string[] {
  switch (m.entity) {
    case 'events':
      // With anonymous sessions, a line may lack the user but then names its session.
      return [m.anonymousFromSession && m.columns.session ? m.columns.session : m.columns.user, m.columns.time, ...('values' in m.eventType && m.columns.eventType ? [m.columns.eventType] : [])];
    case 'items':
      return [m.columns.item];
    case 'users':
      return [m.columns.user];
  }
}

/** A column name as error messages show it: from the file, so escaped and clipped. */
const shown = (name: string): string => `"${safeText(name, 64)}"`;

/** Names as error messages list them: the first few only (a header can hold thousands). */
const list = (names: string[]): string => (names.length > 12 ? `${names.slice(0, 12).map(shown).join(', ')}, … (${names.length} in all)` : names.map(shown).join(', '));

function checkFit(m: Mapping, header: string[], required: Set<string>, what: string): void {
  // One pass with a set: a header of 100,000 columns must cost milliseconds, not seconds.
  const have = new Set<string>();
  for (const h of header) {
    const k = key(h);
    if (have.has(k)) throw new IngestInputError(`${what} names column ${shown(k)} twice`, safeText(k, 64));
    have.add(k);
  }
  for (const c of mappedColumns(m)) {
    if (required.has(key(c.name)) && !have.has(key(c.name))) {
      throw new IngestInputError(`mapping "${m.name}" needs column "${c.name}", which the ${what} lacks (it has: ${list(header)})`, c.name);
    }
  }
  const known = new Set([...mappedColumns(m).map((c) => key(c.name)), ...(m.ignoreColumns ?? []).map(key)]);
  for (const h of header) {
    if (!known.has(key(h))) {
      throw new IngestInputError(`unknown column ${shown(h)} for mapping "${m.name}" (it reads: ${list([...known])})`, safeText(h, 64));
    }
  }
}

/** Binds a mapping to a CSV header; IngestInputError naming the column when the two do not fit. */
export function bindCsvHeader(m: Mapping, header: string[]): Binding {
  const required = new Set(mappedColumns(m).filter((c) => !c.optional).map((c) => key(c.name)));
  checkFit(m, header, required, 'header');
  const pos = new Map(header.map((h, i) => [key(h), i]));
  return {
    index: (c) => (c === undefined ? -1 : (pos.get(key(c)) ?? -1)),
    project: () => {
      throw new Error('CSV records are already field arrays');
    },
  };
}

/** Binds a mapping to NDJSON by the keys of the first object; same errors as a header that does not fit. */
export function bindJsonKeys(m: Mapping, first: Record<string, unknown>): Binding {
  const keys = Object.keys(first);
  checkFit(m, keys, new Set(identityColumns(m).map(key)), 'first JSON object');
  const cols = mappedColumns(m);
  const actual = new Map(keys.map((k) => [key(k), k]));
  const names = cols.map((c) => actual.get(key(c.name)) ?? c.name);
  const pos = new Map(cols.map((c, i) => [key(c.name), i]));
  return {
    index: (c) => (c === undefined ? -1 : (pos.get(key(c)) ?? -1)),
    project: (obj) => names.map((n) => jsonFieldText(obj[n]) ?? ''),
  };
}
