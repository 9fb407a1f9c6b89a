import cors from 'cors';
import type { RequestHandler } from 'express';
import helmet from 'helmet';
import type { Config } from '../config';
import { ApiError } from './errors';

/**
 * Security headers for a JSON API: helmet's set, with a CSP that allows nothing (no response of ours is a page,
 * so nothing may load, run or frame it). Bull Board gets its own policy (boardContentSecurityPolicy).
 */
export function securityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"] },
    },
    frameguard: { action: 'deny' },
  });
}

/** What every page of ours allows: scripts, JSON and images from this origin; no inline script, no eval, no plugins, no framing. */
function pagePolicy(extra: Record<string, string[]>): RequestHandler {
  return helmet.contentSecurityPolicy({
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      scriptSrcAttr: ["'none'"],
      connectSrc: ["'self'"],
      imgSrc: ["'self'", 'data:'],
      objectSrc: ["'none'"],
      baseUri: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
      ...extra,
    },
  });
}

/**
 * Bull Board's page (a React app) needs: its own scripts, a highlight worker and JSON from its own origin;
 * inline styles (style attributes, a <style> block, CSS-in-JS of its code editor, data: SVG backgrounds);
 * Google Fonts' stylesheet and font files. Nothing else: still no inline script, no eval, no framing.
 */
export function boardContentSecurityPolicy(): RequestHandler {
  return pagePolicy({
    workerSrc: ["'self'"],
    styleSrc: ["'self'", "'unsafe-inline'", 'https://fonts.googleapis.com'],
    fontSrc: ["'self'", 'https://fonts.gstatic.com', 'data:'],
  });
}

/** The contract's page (Swagger UI from node_modules): inline styles and data: fonts and images, which its React components and stylesheet use. */
export function docsContentSecurityPolicy(): RequestHandler {
  return pagePolicy({ styleSrc: ["'self'", "'unsafe-inline'"], fontSrc: ["'self'", 'data:'] });
}

/** CORS for the configured origins only; with none configured, no CORS headers at all (browsers then refuse cross-origin reads). */
export function corsFor(origins: readonly string[]): RequestHandler | null {
  if (origins.length === 0) return null;
  return cors({
    origin: [...origins],
    methods: ['GET', 'HEAD', 'POST'],
    allowedHeaders: ['Content-Type', 'X-API-Key', 'Authorization', 'X-Request-Id'],
    exposedHeaders: ['X-Request-Id', 'Retry-After'],
    maxAge: 600,
  });
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Refuses state-changing requests a browser sends on behalf of another site (its Basic auth credentials would go
 * along): an Origin that is not this host (nor a configured CORS origin), or Sec-Fetch-Site cross-site/same-site.
 * Clients that send neither header (curl, servers, SDKs) are unaffected.
 */
export function refuseCrossSite(config: Pick<Config, 'CORS_ORIGINS'>): RequestHandler {
  return (req, _res, next) => {
    if (SAFE_METHODS.has(req.method)) {
      next();
      return;
    }
    const origin = req.header('origin');
    if (origin !== undefined && config.CORS_ORIGINS.includes(origin)) {
      next();
      return;
    }
    const site = req.header('sec-fetch-site');
    let foreign = site === 'cross-site' || site === 'same-site';
    if (!foreign && origin !== undefined) {
      try {
        foreign = new URL(origin).host.toLowerCase() !== (req.host ?? '').toLowerCase();
      } catch {
        foreign = true; // "null" (sandboxed pages, some redirects) or garbage
      }
    }
    next(foreign ? new ApiError(403, 'cross_site', 'cross-site requests may not change anything here') : undefined);
  };
}

/**
 * For JSON routes whose body is optional: a non-empty body must be application/json (anything else would be
 * ignored and the job would run with defaults). No body, or Content-Length: 0, still means "defaults".
 */
export const requireJsonBody: RequestHandler = (req, _res, next) => {
  const length = req.header('content-length');
  const hasBody = req.header('transfer-encoding') !== undefined || (length !== undefined && Number(length) > 0);
  if (!hasBody || req.is('application/json')) {
    next();
    return;
  }
  const given = req.header('content-type') ?? 'none';
  next(new ApiError(415, 'unsupported_media_type', `send the payload as Content-Type: application/json (got ${given.slice(0, 100)})`));
};
