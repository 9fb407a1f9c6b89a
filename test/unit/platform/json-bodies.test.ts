import express from 'express';
import request from 'supertest';
import { JsonBodies, jsonBody, sendJsonBody } from '../../../api/json-bodies';

const value = { userId: 'c1', items: [{ rank: 1, itemId: 'mug', title: 'Mug – “blue”', score: 0.5 }], coldStart: false };

describe('serialised JSON answers', () => {
  it('sends the bytes, type and ETag res.json would, and a 304 for a matching If-None-Match', async () => {
    const app = express();
    app.get('/json', (_req, res) => void res.json(value));
    app.get('/kept', (_req, res) => sendJsonBody(res, jsonBody(value)));
    const plain = await request(app).get('/json').expect(200);
    const kept = await request(app).get('/kept').expect(200);
    expect(kept.text).toBe(plain.text);
    expect(kept.headers['content-type']).toBe(plain.headers['content-type']);
    expect(kept.headers.etag).toBe(plain.headers.etag);
    expect(kept.headers['content-length']).toBe(plain.headers['content-length']);
    await request(app).get('/kept').set('If-None-Match', String(plain.headers.etag)).expect(304);
    const head = await request(app).head('/kept').expect(200);
    expect(head.text).toBeUndefined();
  });

  it('builds a key once however many ask at the same time, and keeps it', async () => {
    const bodies = new JsonBodies(1 << 20);
    let builds = 0;
    const build = async (): Promise<unknown> => {
      builds++;
      await new Promise((r) => setTimeout(r, 5));
      return value;
    };
    const got = await Promise.all(Array.from({ length: 10 }, () => bodies.get('k', build)));
    expect(new Set(got).size).toBe(1);
    await bodies.get('k', build);
    expect(builds).toBe(1);
    expect(bodies.counters).toEqual({ hits: 1, misses: 1 });
  });

  it('holds at most maxBytes, dropping the least recently used; keeps nothing with 0', async () => {
    const size = jsonBody({ v: 'aaaa' }).bytes.length;
    const bodies = new JsonBodies(2 * size);
    const make = (v: string) => () => Promise.resolve({ v });
    await bodies.get('a', make('aaaa'));
    await bodies.get('b', make('bbbb'));
    await bodies.get('a', make('xxxx')); // a is now the most recently used
    await bodies.get('c', make('cccc')); // b goes
    expect(bodies.size).toBe(2);
    expect((await bodies.get('a', make('zzzz'))).bytes.toString()).toBe('{"v":"aaaa"}');
    expect((await bodies.get('b', make('BBBB'))).bytes.toString()).toBe('{"v":"BBBB"}');
    const none = new JsonBodies(0);
    await none.get('a', make('1111'));
    expect((await none.get('a', make('2222'))).bytes.toString()).toBe('{"v":"2222"}');
  });

  it('does not keep a build that started before clear(), nor a failed one', async () => {
    const bodies = new JsonBodies(1 << 20);
    let release: () => void = () => undefined;
    const slow = bodies.get('k', () => new Promise((resolve) => (release = () => resolve({ run: 1 }))));
    bodies.clear(); // a publish while the old run's answer was being read
    release();
    expect((await slow).bytes.toString()).toBe('{"run":1}');
    expect((await bodies.get('k', () => Promise.resolve({ run: 2 }))).bytes.toString()).toBe('{"run":2}');
    await expect(bodies.get('bad', () => Promise.reject(new Error('mysql down')))).rejects.toThrow('mysql down');
    expect((await bodies.get('bad', () => Promise.resolve({ ok: true }))).bytes.toString()).toBe('{"ok":true}');
  });
});
