import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { makeRng } from './generator-rng';
import { csvLine, GENERIC_HEADER, jsonLine, malform, ShopGenerator, type GeneratorOptions } from './generator';
import { SHAPES, type ShapeName, type ShapeOptions } from './generator-shapes';

/** What a generate run wrote. */
export interface GenerateSummary {
  eventsFile: string;
  itemsFile: string;
  events: number;
  malformed: number;
  malformedByReason: Record<string, number>;
}

/** The items file written next to an events file: `x.csv.gz` → `x.items.csv`. */
export function itemsFileFor(eventsFile: string): string {
  return eventsFile.replace(/(\.ndjson|\.jsonl|\.csv)?(\.gz)?$/, '') + '.items.csv';
}

class Out {
  private buf: string[] = [];
  private size = 0;
  readonly sink: Writable;
  private readonly file: Writable;
  constructor(path: string, gzip: boolean) {
    this.file = createWriteStream(path);
    this.sink = gzip ? createGzip({ level: 4 }) : this.file;
    if (gzip) this.sink.pipe(this.file);
  }
  async line(s: string): Promise<void> {
    this.buf.push(s, '\n');
    this.size += s.length + 1;
    if (this.size >= 1 << 20) await this.flush();
  }
  async flush(): Promise<void> {
    if (this.buf.length === 0) return;
    const data = this.buf.join('');
    this.buf = [];
    this.size = 0;
    if (!this.sink.write(data)) await once(this.sink, 'drain');
  }
  async close(): Promise<void> {
    await this.flush();
    this.sink.end();
    await once(this.file, 'close');
  }
}

/** Streams a synthetic shop to `eventsFile` (.csv, .csv.gz, .ndjson, .ndjson.gz) plus its items file. */
export async function generateFiles(opts: GeneratorOptions, eventsFile: string): Promise<GenerateSummary> {
  await mkdir(dirname(eventsFile), { recursive: true });
  const gen = new ShopGenerator(opts);
  const itemsFile = itemsFileFor(eventsFile);
  const items = new Out(itemsFile, false);
  await items.line('item_id,title,category,price,in_stock');
  for (const it of gen.catalogue()) await items.line(`${it.id},${it.title},${it.category},${it.price},${it.inStock ? 1 : 0}`);
  await items.close();

  const json = /\.(ndjson|jsonl)(\.gz)?$/.test(eventsFile);
  const out = new Out(eventsFile, eventsFile.endsWith('.gz'));
  if (!json) await out.line(GENERIC_HEADER);
  const noise = makeRng(opts.seed ^ 0x2545f491);
  let events = 0;
  let malformed = 0;
  const byReason: Record<string, number> = {};
  for (const e of gen.events()) {
    events++;
    if (opts.malformedRate > 0 && noise() < opts.malformedRate) {
      const m = malform(e, noise(), json);
      malformed++;
      byReason[m.reason] = (byReason[m.reason] ?? 0) + 1;
      await out.line(m.line);
    } else {
      await out.line(json ? jsonLine(e) : csvLine(e));
    }
  }
  await out.close();
  return { eventsFile, itemsFile, events, malformed, malformedByReason: byReason };
}

/** What a shape run wrote: the events file, the preset that ingests it, and its event lines. */
export interface ShapeSummary {
  shape: ShapeName;
  eventsFile: string;
  mapping: string;
  events: number;
}

/** The default file of a shape: `var/synthetic/<shape>.csv.gz` (or `.ndjson.gz`). */
export function shapeFile(name: ShapeName, dir = 'var/synthetic'): string {
  return `${dir}/${name}.${SHAPES[name].format}.gz`;
}

/** Streams one shop shape (generator-shapes.ts) to `eventsFile` (gzip-compressed when it ends in .gz). */
export async function generateShapeFile(name: ShapeName, opts: ShapeOptions, eventsFile: string): Promise<ShapeSummary> {
  await mkdir(dirname(eventsFile), { recursive: true });
  const shape = SHAPES[name];
  const out = new Out(eventsFile, eventsFile.endsWith('.gz'));
  let lines = 0;
  for (const line of shape.lines(opts)) {
    await out.line(line);
    lines++;
  }
  await out.close();
  return { shape: name, eventsFile, mapping: shape.mapping, events: shape.format === 'csv' ? lines - 1 : lines };
}
