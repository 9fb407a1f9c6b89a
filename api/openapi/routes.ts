import type { Express } from 'express';
import { contractOf, type RouteSpec } from './contract';

/**
 * What the Express app really serves, read from its router stack (not from a list kept by hand): the specs of
 * the contract routers it mounts, and every route with a matcher that behaves as Express's own.
 */

/** The parts of router@2's Layer and Route this reads (not in Express's public types). */
interface Layer {
  handle: unknown;
  rawPath?: unknown;
  route?: { path: unknown; methods: Record<string, boolean | undefined> };
  /** router@2.3: the match or false; older router@2: a boolean, the matched part left in `path` */
  match(path: string): { path: string } | boolean;
  path?: string;
}
type Stack = { stack: Layer[] };

export interface MountedRoute {
  /** lower-case HTTP method (`_all` for app.all) */
  method: string;
  /** the path pattern(s) as registered, for messages */
  pattern: string;
  /** whether Express would route `url` (a path without query) here */
  matches(url: string): boolean;
}

function stackOf(handle: unknown): Layer[] | null {
  const stack = (handle as Partial<Stack> | null)?.stack;
  return typeof handle === 'function' && Array.isArray(stack) ? stack : null;
}

function rootStack(app: Express): Layer[] {
  const stack = stackOf(app.router);
  if (!stack) throw new Error('cannot read the Express router stack (expects Express 5 / router@2)');
  return stack;
}

/** The rest of `url` after a mount layer matched it, or null. */
function afterMount(layer: Layer, url: string): string | null {
  const m = layer.match(url);
  if (m === false) return null;
  const matched = typeof m === 'object' ? m.path : (layer.path ?? '');
  return url.slice(matched.length) || '/';
}

function describe(p: unknown): string {
  return Array.isArray(p) ? p.map(String).join(', ') : String(p);
}

/** Every route the app serves, through routers mounted at any depth. */
export function mountedRoutes(app: Express): MountedRoute[] {
  const out: MountedRoute[] = [];
  const walk = (stack: Layer[], mounts: Layer[], prefix: string): void => {
    for (const layer of stack) {
      if (layer.route) {
        const { route } = layer;
        const matches = (url: string): boolean => {
          let rest: string | null = url;
          for (const m of mounts) {
            rest = afterMount(m, rest);
            if (rest === null) return false;
          }
          return layer.match(rest) !== false;
        };
        for (const [method, on] of Object.entries(route.methods)) {
          if (on) out.push({ method, pattern: `${prefix}${describe(route.path)}`, matches });
        }
        continue;
      }
      const inner = stackOf(layer.handle);
      if (inner) walk(inner, [...mounts, layer], typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? `${prefix}${layer.rawPath}` : prefix);
    }
  };
  walk(rootStack(app), [], '');
  return out;
}

/** The specs of every contract router the app mounts (in mount order). */
export function mountedContracts(app: Express): RouteSpec[] {
  const out: RouteSpec[] = [];
  const walk = (stack: Layer[], prefix: string): void => {
    for (const layer of stack) {
      if (layer.route) continue;
      const specs = contractOf(layer.handle);
      const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
      if (specs) out.push(...specs.map((s) => ({ ...s, path: `${prefix}${mount}${s.path}` })));
      const inner = stackOf(layer.handle);
      if (inner) walk(inner, `${prefix}${mount}`);
    }
  };
  walk(rootStack(app), '');
  return out;
}
