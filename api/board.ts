import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Router } from 'express';
import type { Queues } from '../jobs/queues';

export const BOARD_PATH = '/admin/queues';

/** Bull Board over every queue; mounted behind the ops API key by the app (it has no auth of its own). */
export function boardRouter(queues: Queues): Router {
  const adapter = new ExpressAdapter();
  adapter.setBasePath(BOARD_PATH);
  createBullBoard({ queues: [...queues.byName.values()].map((q) => new BullMQAdapter(q)), serverAdapter: adapter });
  return adapter.getRouter() as Router;
}
