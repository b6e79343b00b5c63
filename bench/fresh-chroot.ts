// A fresh Debian 12 for the fresh-VM benches, without touching this shared machine's packages: a debootstrap
// minbase chroot under /var/tmp/tstack-fresh, made once (base) and copied for each run.
//
// Prerequisites: root and debootstrap (`apt-get install debootstrap`, under the machine lock); the base is
// made from Debian's archive, the one this machine installs from.

import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { APT_ENV } from '../lib/system/apt.ts';

const run = promisify(execFile);
export const WORK = '/var/tmp/tstack-fresh';
const MIRROR = 'http://deb.debian.org/debian';

export const secs = (ms: number) => `${(ms / 1000).toFixed(0)} s`;

export async function sh(argv: string[], env: Record<string, string> = {}): Promise<string> {
  const r = await run(argv[0], argv.slice(1), {
    env: { ...process.env, ...env, LC_ALL: 'C.UTF-8' },
    maxBuffer: 256 * 1024 * 1024,
  });
  return r.stdout;
}

export async function timed(label: string, argv: string[], env: Record<string, string> = {}): Promise<number> {
  const t0 = performance.now();
  await sh(argv, env);
  const ms = performance.now() - t0;
  console.log(`  ${label.padEnd(34)} ${secs(ms).padStart(6)}`);
  return ms;
}

/** Root and debootstrap, or a message that says what to do. */
export function checkPrerequisites(bench: string): void {
  if (process.getuid?.() !== 0) throw new Error(`${bench} runs debootstrap, chroot and apt-get: run it as root`);
  if (!existsSync('/usr/sbin/debootstrap')) {
    throw new Error(`${bench} needs debootstrap: apt-get install debootstrap (under the machine lock)`);
  }
}

/** The base chroot (debootstrap once; its apt lists fresh), for copies to start from. */
export async function ensureBase(): Promise<string> {
  mkdirSync(WORK, { recursive: true });
  const base = join(WORK, 'base');
  if (!existsSync(join(base, 'usr/bin/apt-get'))) {
    await sh(['rm', '-rf', base]);
    await timed('debootstrap (not part of the figure)', [
      'debootstrap',
      '--variant=minbase',
      '--include=eatmydata,ca-certificates',
      'bookworm',
      base,
      MIRROR,
    ]);
    // the archive this machine installs from (/etc/apt/sources.list.d/debian.sources), security updates included
    writeFileSync(
      join(base, 'etc/apt/sources.list'),
      [
        `deb ${MIRROR} bookworm main`,
        `deb ${MIRROR} bookworm-updates main`,
        'deb http://deb.debian.org/debian-security bookworm-security main',
        '',
      ].join('\n'),
    );
  }
  // a fresh VM's first `apt-get update` is not the stack's either
  await sh(['chroot', base, 'apt-get', 'update', '-q'], APT_ENV);
  return base;
}
