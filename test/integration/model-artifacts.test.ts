import { randomBytes } from 'node:crypto';
import { chunkBytesFor, maxAllowedPacket, ArtifactRefusedError } from '../../db/repositories/model-artifacts';
import { listModels, loadArtifact, registerModel, type NewModel } from '../../db/repositories/models';
import { createTestDb, testConfig } from '../helpers/env';

const MB = 1 << 20;

const model = (artifact: Buffer): NewModel => ({
  kind: 'champion', backend: 'wasm', params: {}, dataWindow: {}, metrics: {}, baselines: {}, decision: 'test', trainSeconds: 1, artifact,
});

describe('model artefacts of any size (real MariaDB, its own max_allowed_packet)', () => {
  const config = testConfig('artifacts');
  let env: Awaited<ReturnType<typeof createTestDb>>;
  let packet: number;
  beforeAll(async () => {
    env = await createTestDb(config);
    packet = await maxAllowedPacket(env.db);
  });
  afterAll(() => env.drop());

  it('stores and reads back a 40 MB artefact, bigger than the server\'s max_allowed_packet, byte for byte', async () => {
    // Stated, so the test shows what it proves: this server refuses any single packet above `packet` bytes
    // (MariaDB's default is 16 MB), and one 40 MB row would be such a packet.
    process.stdout.write(`SELECT @@max_allowed_packet = ${packet} (${(packet / MB).toFixed(1)} MiB); chunks of ${(chunkBytesFor(packet) / MB).toFixed(1)} MiB\n`);
    expect(packet).toBeLessThan(40 * MB);
    // Random bytes do not compress: the whole 40 MB really travels.
    const big = randomBytes(40 * MB);
    const version = await registerModel(env.db, model(big), true);
    const chunks = (await env.db('model_artifact_chunks').where({ version }).count({ n: '*' })) as [{ n: number }];
    expect(Number(chunks[0].n)).toBeGreaterThanOrEqual(Math.ceil((40 * MB) / chunkBytesFor(packet)));
    const back = await loadArtifact(env.db, version);
    expect(back?.length).toBe(big.length);
    expect(back!.equals(big)).toBe(true);
    const [listed] = await listModels(env.db);
    expect(listed!.artifactBytes).toBe(40 * MB);
  }, 120_000);

  it('compresses what compresses (padding, ids) and reads it back the same', async () => {
    const sparse = Buffer.alloc(30 * MB, 0xff);
    randomBytes(MB).copy(sparse, 5 * MB);
    const version = await registerModel(env.db, model(sparse), false);
    const [listed] = await listModels(env.db);
    expect(listed!.version).toBe(version);
    expect(listed!.artifactBytes).toBeLessThan(3 * MB);
    expect((await loadArtifact(env.db, version))!.equals(sparse)).toBe(true);
  }, 60_000);

  it('reads artefacts of older releases from the models row itself', async () => {
    const [version] = await env.db('models').insert({
      kind: 'champion', status: 'inactive', backend: 'wasm', params: '{}', data_window: '{}', metrics: '{}', baselines: '{}',
      decision: 'old', train_seconds: 1, artifact: Buffer.from('SIM1-legacy'), created_at: '2024-01-01 00:00:00.000',
    });
    expect((await loadArtifact(env.db, Number(version)))!.toString()).toBe('SIM1-legacy');
    expect(await loadArtifact(env.db, 9999)).toBeNull();
  });

  it('a statement above max_allowed_packet is refused with a clear error naming the setting, and nothing is registered', async () => {
    const before = (await listModels(env.db)).length;
    // Chunks forced above the server's limit: the server refuses (or drops the connection) as it would for a
    // whole artefact in one row.
    const err = await registerModel(env.db, model(randomBytes(packet + MB)), true, { chunkBytes: packet + MB }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArtifactRefusedError);
    expect((err as Error).message).toMatch(/max_allowed_packet \(\d+\.\d MB\); raise max_allowed_packet/);
    expect((await listModels(env.db)).length).toBe(before);
  }, 60_000);
});
