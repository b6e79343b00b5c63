// Shared test helpers: a HostFacts with fixed answers, temp dirs, fixtures.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HostFacts } from '../../../lib/types/config.ts';

export const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../../fixtures/localconf');
export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export function fixture(name: string): string {
  return join(FIXTURES, name);
}

export interface FakeHostOptions {
  iface?: string;
  addresses?: Record<string, string[]>;
  cpus?: number;
}

/** A host like this machine unless told otherwise: eth0 192.0.2.2, 2 CPUs. */
export function fakeHost(o: FakeHostOptions = {}): HostFacts & { probes: string[] } {
  const probes: string[] = [];
  return {
    probes,
    defaultRouteInterface: () => (probes.push('route'), 'iface' in o ? o.iface : 'eth0'),
    ipv4Addresses: (iface) => (probes.push(`addr:${iface}`), (o.addresses ?? { eth0: ['192.0.2.2'] })[iface] ?? []),
    cpuCount: () => (probes.push('cpus'), o.cpus ?? 2),
    machine: () => 'x86_64',
  };
}

/** A temporary directory, removed by the returned cleanup. */
export function tempDir(prefix = 'tstack-config-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Write a local.conf into `dir` and return its path. */
export function writeConf(dir: string, text: string, name = 'local.conf'): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}
