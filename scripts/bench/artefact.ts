/**
 * `npm run bench -- artefact [-- --scale F]`: a big catalogue's model through the registry on this machine's
 * MariaDB as it is configured. The `catalogue` shop shape at scale 2 (100,000 items, 40,000 customers, one
 * purchase per item per customer) is fitted as train fits it, its artefact stored (chunked) in a scratch database
 * and read back; reports the server's max_allowed_packet, the artefact's raw and stored size, and the seconds.
 */
import { createIsolatedDb, isolatedConfig } from '../lib/isolated-env';
import { maxAllowedPacket } from '../../db/repositories/model-artifacts';
import { loadArtifact, registerModel } from '../../db/repositories/models';
import { cleanEvents, deserializeModel, fitChampion, selectBackend, serializeModel } from '../../ml';
import { SHAPES } from '../lib/generator-shapes';
import { rowToEvent } from '../lib/file-events';
import { bindCsvHeader } from '../../ingest/mappings/bind';
import { genericEvents } from '../../ingest/mappings/presets';
import { compileEventValidator } from '../../ingest/validate';
import { Rejection } from '../../ingest/reasons';
import type { EventRecord } from '../../ml/types';
import type { Bench } from './types';

const MB = 1e6;

function catalogueEvents(scale: number): EventRecord[] {
  const lines = SHAPES.catalogue.lines({ seed: 1, scale });
  const header = lines.next().value as string;
  const validate = compileEventValidator(genericEvents, bindCsvHeader(genericEvents, header.split(',')));
  const out: EventRecord[] = [];
  for (const line of lines) {
    const row = validate(line.split(','));
    if (!(row instanceof Rejection)) out.push(rowToEvent(row));
  }
  return out;
}

export const artefactBench: Bench = {
  name: 'artefact',
  description: 'a 100,000-item catalogue model stored and loaded through the registry on the local MariaDB',
  async run() {
    const at = process.argv.indexOf('--scale');
    const scale = at > 0 ? Number(process.argv[at + 1]) : 2;
    await selectBackend('wasm');
    const events = cleanEvents(catalogueEvents(scale));
    const items = new Set(events.map((e) => e.itemId)).size;
    const asOf = events.reduce((m, e) => Math.max(m, e.ts), 0);
    process.stderr.write(`  ${events.length} purchases of ${items} items; fitting…\n`);
    let t = Date.now();
    const model = await fitChampion(events, { asOf, k: 20, horizonDays: 30 });
    const fitSeconds = (Date.now() - t) / 1000;
    const artifact = serializeModel(model);
    const env = await createIsolatedDb(isolatedConfig('bench_artefact'));
    try {
      const packet = await maxAllowedPacket(env.db);
      t = Date.now();
      const version = await registerModel(env.db, {
        kind: 'champion', backend: 'wasm', params: {}, dataWindow: {}, metrics: {}, baselines: {}, decision: 'bench', trainSeconds: fitSeconds, artifact,
      }, true);
      const storeSeconds = (Date.now() - t) / 1000;
      const [row] = await env.db('model_artifact_chunks').where({ version }).select<{ n: number; bytes: number | string }[]>(env.db.raw('COUNT(*) AS n, SUM(LENGTH(bytes)) AS bytes'));
      t = Date.now();
      const back = await loadArtifact(env.db, version);
      const loaded = deserializeModel(back!);
      const loadSeconds = (Date.now() - t) / 1000;
      if (!back!.equals(artifact) || loaded.sources.itemIds.length !== model.sources.itemIds.length) throw new Error('the artefact read back differs');
      return {
        scale, items, purchases: events.length, max_allowed_packet_mb: packet / MB, artifact_raw_mb: artifact.length / MB,
        artifact_stored_mb: Number(row!.bytes) / MB, chunks: Number(row!.n), fit_seconds: fitSeconds, store_seconds: storeSeconds, load_seconds: loadSeconds,
      };
    } finally {
      await env.drop();
    }
  },
};
