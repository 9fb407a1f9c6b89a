import { ServingCache } from '../../../api/serving-cache';
import type { Db } from '../../../db/knex';
import { inCategory } from '../../../api/serving-reads';

// The cache's key/value side needs no database (the pointer, which does, is covered by test/integration/serving.test.ts).
const noDb = {} as Db;

describe('ServingCache', () => {
  it('loads a key once however many ask at the same time, then serves it from memory', async () => {
    const cache = new ServingCache(noDb, 10);
    let loads = 0;
    const load = async (): Promise<string> => {
      loads++;
      await new Promise((r) => setTimeout(r, 5));
      return 'v';
    };
    expect(await Promise.all(Array.from({ length: 20 }, () => cache.get('k', load)))).toEqual(Array(20).fill('v'));
    expect(await cache.get('k', load)).toBe('v');
    expect(loads).toBe(1);
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 1, entries: 1 });
  });

  it('batches the missing keys of a getMany into one load and shares keys already being loaded', async () => {
    const cache = new ServingCache(noDb, 10);
    const calls: string[][] = [];
    const loadMany = async (keys: string[]): Promise<Map<string, number | null>> => {
      calls.push(keys);
      await new Promise((r) => setTimeout(r, 5));
      return new Map(keys.map((k) => [k, k === 'gone' ? null : k.length]));
    };
    const [a, b] = await Promise.all([cache.getMany(['aa', 'bbb', 'gone'], loadMany), cache.getMany(['bbb', 'c'], loadMany)]);
    expect(calls).toEqual([['aa', 'bbb', 'gone'], ['c']]);
    expect([...a]).toEqual([['aa', 2], ['bbb', 3], ['gone', null]]);
    expect([...b].sort()).toEqual([['bbb', 3], ['c', 1]]);
    // Absent rows are cached too (a customer the run does not know is asked for again and again).
    await cache.getMany(['gone'], loadMany);
    expect(calls).toHaveLength(2);
  });

  it('evicts the least recently used entry past its size, and holds nothing with size 0', async () => {
    const cache = new ServingCache(noDb, 2);
    const value = (v: string) => () => Promise.resolve(v);
    await cache.get('a', value('1'));
    await cache.get('b', value('2'));
    await cache.get('a', value('x')); // a is now the most recently used
    await cache.get('c', value('3')); // evicts b
    expect(await cache.get('a', value('stale'))).toBe('1');
    expect(await cache.get('b', value('reloaded'))).toBe('reloaded');
    const none = new ServingCache(noDb, 0);
    await none.get('a', value('1'));
    expect(await none.get('a', value('2'))).toBe('2');
  });

  it('forgets everything on invalidation, and a failed load is not cached', async () => {
    const cache = new ServingCache(noDb, 10);
    await cache.get('a', () => Promise.resolve(1));
    cache.invalidate();
    expect(await cache.get('a', () => Promise.resolve(2))).toBe(2);
    await expect(cache.get('b', () => Promise.reject(new Error('mysql down')))).rejects.toThrow('mysql down');
    expect(await cache.get('b', () => Promise.resolve(3))).toBe(3);
    expect(cache.stats().invalidations).toBe(1);
  });
});

describe('inCategory', () => {
  it('matches the category itself and paths under it, not names that merely start alike', () => {
    expect(inCategory('Home', 'Home')).toBe(true);
    expect(inCategory('Home > Kitchen > Mugs', 'Home > Kitchen')).toBe(true);
    expect(inCategory('Homeware', 'Home')).toBe(false);
    expect(inCategory(null, 'Home')).toBe(false);
  });
});
