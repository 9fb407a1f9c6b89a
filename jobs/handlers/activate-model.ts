import { activateModel } from '../../db/repositories/models';
import type { Handler } from '../context';
import { require_ } from '../../config/errors';

/** Ops rollback / roll-forward: the named version becomes the active one of its kind. */
export const activateModelHandler: Handler<'activate-model'> = async (payload, ctx) => {
  const ok = await activateModel(ctx.db, payload.version, payload.reason);
  require_(ok, `model version ${payload.version} does not exist`);
  return { version: payload.version, active: true };
};
