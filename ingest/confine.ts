import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config';
import { IngestInputError } from './errors';
import type { IngestPayload } from './payload';

/** The directory an ingest `dir` names; IngestInputError when the import directory is not configured. */
export function ingestDirectory(config: Pick<Config, 'UPLOAD_DIR' | 'IMPORT_DIR'>, dir: IngestPayload['dir']): string {
  switch (dir) {
    case 'uploads':
      return path.resolve(config.UPLOAD_DIR);
    case 'imports':
      if (!config.IMPORT_DIR) throw new IngestInputError('no import directory is configured (set IMPORT_DIR to allow-list one)');
      return path.resolve(config.IMPORT_DIR);
  }
}

const inside = (root: string, p: string): boolean => p.startsWith(root.endsWith(path.sep) ? root : root + path.sep);

/**
 * Resolves a job's `file` inside its directory and returns the real path to read. The name is checked twice:
 * lexically (before touching the disk, so names outside the directory learn nothing about what exists) and
 * again after symlinks (a link inside the directory pointing out of it is refused). Errors name only what the
 * client sent, never a server path.
 */
export async function resolveIngestFile(config: Pick<Config, 'UPLOAD_DIR' | 'IMPORT_DIR'>, file: string, dir: IngestPayload['dir']): Promise<string> {
  const root = ingestDirectory(config, dir);
  const outside = (): IngestInputError => new IngestInputError(`file "${file}" is not inside the ${dir} directory`);
  const candidate = path.resolve(root, file);
  if (path.isAbsolute(file) || !inside(root, candidate)) throw outside();
  let realRoot: string;
  try {
    realRoot = await realpath(root);
  } catch {
    throw new IngestInputError(`the ${dir} directory does not exist on this worker`);
  }
  let real: string;
  try {
    real = await realpath(candidate);
  } catch {
    throw new IngestInputError(`no file "${file}" in the ${dir} directory`);
  }
  if (!inside(realRoot, real)) throw outside();
  const st = await stat(real);
  if (!st.isFile()) throw new IngestInputError(`"${file}" in the ${dir} directory is not a regular file`);
  return real;
}
