// Bounded concurrency, written once: seeding through keystone (whose uwsgi has
// a few threads) and cloning checkouts both run many small jobs, a few at a time.

/**
 * Run `work` over `items` with at most `limit` in flight (at least one), and
 * return the results in the order of `items`. The first rejection rejects the
 * whole; jobs already started still finish.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}
