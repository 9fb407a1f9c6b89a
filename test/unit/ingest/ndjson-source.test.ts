import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readLines } from '../../../ingest/formats/lines';
import { jsonFieldText, NdjsonRecordReader } from '../../../ingest/formats/ndjson';
import { formatFromName, openSource } from '../../../ingest/formats/source';
import { IngestInputError } from '../../../ingest';

describe('NdjsonRecordReader', () => {
  it('reads one object per line and rejects the rest as bad_json', () => {
    const recs = new NdjsonRecordReader().push(['{"a":1}', '', '{"a":', '[1,2]', '"x"', '{"b":"ok"}']);
    expect(recs.map((r) => [r.line, r.error?.reason ?? 'ok'])).toEqual([
      [1, 'ok'],
      [3, 'bad_json'],
      [4, 'bad_json'],
      [5, 'bad_json'],
      [6, 'ok'],
    ]);
    expect(recs[0]?.obj).toEqual({ a: 1 });
  });
  it('flags invalid UTF-8 as bad_encoding', () => {
    expect(new NdjsonRecordReader().push(['{"a":"\uFFFD"}'])[0]?.error?.reason).toBe('bad_encoding');
  });
  it('turns JSON values into field text', () => {
    expect([jsonFieldText('x'), jsonFieldText(2.5), jsonFieldText(true), jsonFieldText(null), jsonFieldText({ a: 1 })]).toEqual(['x', '2.5', 'true', undefined, '{"a":1}']);
  });
});

describe('openSource', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ingest-src-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function text(path: string): Promise<{ lines: string[]; gzip: boolean; sha: string }> {
    const src = await openSource(path);
    const lines: string[] = [];
    for await (const b of readLines(src.stream)) lines.push(...b);
    return { lines, gzip: src.gzip, sha: src.sha256() };
  }

  it('detects gzip by magic bytes, whatever the name', async () => {
    const p = join(dir, 'looks-plain.csv');
    await writeFile(p, gzipSync('a,b\n1,2\n'));
    expect(await text(p)).toEqual(expect.objectContaining({ lines: ['a,b', '1,2'], gzip: true }));
  });

  it('reads plain files and hashes their bytes', async () => {
    const p = join(dir, 'plain.ndjson');
    await writeFile(p, '{"a":1}\n');
    const r = await text(p);
    expect(r.gzip).toBe(false);
    expect(r.lines).toEqual(['{"a":1}']);
    expect(r.sha).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reads concatenated gzip members', async () => {
    const p = join(dir, 'multi.gz');
    await writeFile(p, Buffer.concat([gzipSync('a\n1\n'), gzipSync('2\n')]));
    expect((await text(p)).lines).toEqual(['a', '1', '2']);
  });

  it('fails with IngestInputError for a missing file', async () => {
    await expect(openSource(join(dir, 'nope.csv'))).rejects.toBeInstanceOf(IngestInputError);
  });

  it('names formats by extension', () => {
    expect([formatFromName('x.csv.gz'), formatFromName('x.NDJSON'), formatFromName('x.jsonl.gz'), formatFromName('x.tsv'), formatFromName('x.bin')]).toEqual(['csv', 'ndjson', 'ndjson', 'csv', null]);
  });
});
