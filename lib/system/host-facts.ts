// The real HostFacts: reads /proc and the network interfaces of this machine.
// Every fact is computed on first use and cached, so resolving a config that
// never looks at HOST_IP does not touch the network stack. lib/config only
// sees the HostFacts interface; the CLI passes this one (tests a fake).

import { readFileSync } from 'node:fs';
import { availableParallelism, machine, networkInterfaces } from 'node:os';
import type { HostFacts } from '../types/config.ts';

/** Interface of the first IPv4 default route in /proc/net/route (what `ip -f inet route | awk '/default/'` prints). */
export function defaultRouteFromProcRoute(text: string): string | undefined {
  const rows = text.split('\n').slice(1);
  let best: { iface: string; metric: number } | undefined;
  for (const row of rows) {
    const f = row.trim().split(/\s+/);
    if (f.length < 8) continue;
    const [iface, destination, , flags, , , metric, mask] = f;
    const up = (parseInt(flags, 16) & 1) === 1;
    if (destination === '00000000' && mask === '00000000' && up) {
      const m = Number(metric);
      if (!best || m < best.metric) best = { iface, metric: m };
    }
  }
  return best?.iface;
}

export class SystemHostFacts implements HostFacts {
  private cache = new Map<string, unknown>();

  private once<T>(key: string, compute: () => T): T {
    if (!this.cache.has(key)) this.cache.set(key, compute());
    return this.cache.get(key) as T;
  }

  defaultRouteInterface(): string | undefined {
    return this.once('route', () => {
      try {
        return defaultRouteFromProcRoute(readFileSync('/proc/net/route', 'utf8'));
      } catch {
        return undefined;
      }
    });
  }

  ipv4Addresses(iface: string): string[] {
    return this.once(`addr:${iface}`, () =>
      (networkInterfaces()[iface] ?? []).filter((a) => a.family === 'IPv4').map((a) => a.address),
    );
  }

  cpuCount(): number {
    return this.once('cpus', () => availableParallelism());
  }

  machine(): string {
    return this.once('machine', () => machine());
  }
}
