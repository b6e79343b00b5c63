import { describe, expect, it } from 'vitest';
import { mapLimit } from '../../../lib/util/concurrency.ts';

const tick = () => new Promise((r) => setTimeout(r, 1));

describe('mapLimit', () => {
  it('keeps at most `limit` jobs in flight and returns results in input order', async () => {
    let inFlight = 0;
    let most = 0;
    const items = Array.from({ length: 20 }, (_, i) => i);
    const out = await mapLimit(items, 3, async (n, i) => {
      inFlight++;
      most = Math.max(most, inFlight);
      // Later items finish first, so the order of results is not the order of completion.
      for (let k = 0; k < 20 - n; k++) await tick();
      inFlight--;
      return `${n}:${i}`;
    });
    expect(most).toBe(3);
    expect(out).toEqual(items.map((n) => `${n}:${n}`));
  });

  it('runs one at a time with a limit below one, and nothing for no items', async () => {
    let inFlight = 0;
    let most = 0;
    await mapLimit([1, 2, 3], 0, async () => {
      most = Math.max(most, ++inFlight);
      await tick();
      inFlight--;
    });
    expect(most).toBe(1);
    expect(await mapLimit([], 4, async () => 1)).toEqual([]);
  });

  it('rejects with the first failure', async () => {
    await expect(
      mapLimit([1, 2, 3], 2, async (n) => {
        if (n === 2) throw new Error('job 2 failed');
        return n;
      }),
    ).rejects.toThrow('job 2 failed');
  });
});
