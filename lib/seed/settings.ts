// Seeding reads a few settings that the settings table may not (yet) list;
// devstack's defaults apply when a value is missing or empty.

import type { Plan } from '../types/stack.ts';
import { valueOr } from '../plan/values.ts';

/** Where clients reach keystone: SERVICE_HOST (services listen there), else loopback. */
export function keystoneUrl(plan: Plan): string {
  const host = valueOr(plan, 'SERVICE_HOST', '127.0.0.1');
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `${valueOr(plan, 'SERVICE_PROTOCOL', 'http')}://${h}:5000/v3`;
}

export function regionName(plan: Plan): string {
  return valueOr(plan, 'REGION_NAME', 'RegionOne');
}

/** Run `fn` over `items` with at most `limit` in flight (keystone's uwsgi has 4 threads). */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
