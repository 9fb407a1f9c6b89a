import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Express, Request, RequestHandler, Response } from 'express';
import type { Queues } from '../jobs/client/queues';
import { requestKey } from './auth';

export const BOARD_PATH = '/admin/queues';

/** The parts of an Express app that app.use(path, subApp) relies on, missing from its public type. */
interface MountableApp extends Express {
  handle(req: Request, res: Response, done: (err?: unknown) => void): void;
}
type AppPrototypes = { request: object; response: object };

function board(queues: Queues, readOnlyMode: boolean): MountableApp {
  const adapter = new ExpressAdapter();
  adapter.setBasePath(BOARD_PATH);
  createBullBoard({ queues: [...queues.byName.values()].map((q) => new BullMQAdapter(q, { readOnlyMode })), serverAdapter: adapter });
  const app = adapter.getRouter() as MountableApp;
  app.disable('x-powered-by'); // the board is an Express app of its own
  return app;
}

/**
 * Bull Board over every queue, in two builds on the same queues and path: read-only (Bull Board refuses every
 * write with 405) for keys without `ops`, writable for `ops` keys. It has no auth of its own: the app mounts it
 * behind requireScope('read'), which leaves the accepted key in res.locals.
 */
export function boardRouter(parent: Express, queues: Queues): RequestHandler {
  const readOnly = board(queues, true);
  const writable = board(queues, false);
  // What app.use(path, subApp) does, for two apps behind one path: inherit the parent's settings (trust proxy),
  // and give req/res back the parent's prototypes when the board passes a request on.
  for (const b of [readOnly, writable]) {
    b.mountpath = BOARD_PATH;
    b.emit('mount', parent);
  }
  return (req, res, next) => {
    const target = requestKey(res)?.scopes.includes('ops') === true ? writable : readOnly;
    const orig = req.app as unknown as AppPrototypes;
    target.handle(req, res, (err?: unknown) => {
      Object.setPrototypeOf(req, orig.request);
      Object.setPrototypeOf(res, orig.response);
      next(err);
    });
  };
}
