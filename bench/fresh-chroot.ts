// A fresh Debian 12 for the fresh-VM benches, without touching this shared machine's packages: a debootstrap
// minbase chroot under /var/tmp/tstack-fresh, made once (base) and copied for each run.
//
// Two kinds of fresh system:
//   image    (the default) the base plus the packages a fresh VM of this kind has before anything is
//            installed on it (bench/vm-image-packages.txt: python3, build-essential, git, curl, systemd...),
//            so the figure is "a fresh VM of this kind";
//   minbase  the bare debootstrap minbase (--minbase): a lower bound on what a VM has, so apt installs more.
//
// Prerequisites: root and debootstrap (`apt-get install debootstrap`, under the machine lock); the base is
// made from the archive this machine installs from (its /etc/apt/sources.list.d/debian.sources).

import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { APT_ENV, aptInstallArgv, POLICY_RC_D, POLICY_RC_D_CONTENT } from '../lib/system/apt.ts';
import { parsePackageList } from '../lib/plan/plan.ts';
import { TOP_DIR } from '../lib/util/paths.ts';

const run = promisify(execFile);
export const WORK = '/var/tmp/tstack-fresh';
const HOST_SOURCES = '/etc/apt/sources.list.d/debian.sources';

/** The archive URIs of the host's deb822 sources, in order (the main archive first, then security). */
export function sourcesUris(deb822: string): string[] {
  return [...deb822.matchAll(/^URIs:\s*(\S+)/gm)].map((m) => m[1]);
}

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
    const [archive] = sourcesUris(readFileSync(HOST_SOURCES, 'utf8'));
    if (!archive) throw new Error(`${HOST_SOURCES}: no URIs line (the archive debootstrap should use)`);
    await sh(['rm', '-rf', base]);
    await timed('debootstrap (not part of the figure)', [
      'debootstrap',
      '--variant=minbase',
      '--include=eatmydata,ca-certificates',
      'bookworm',
      base,
      archive,
    ]);
  }
  // the archive this machine installs from, security updates included, as its own sources say
  writeFileSync(join(base, 'etc/apt/sources.list'), '');
  await sh(['cp', HOST_SOURCES, join(base, 'etc/apt/sources.list.d/debian.sources')]);
  // a fresh VM's first `apt-get update` is not the stack's either
  await sh(['chroot', base, 'apt-get', 'update', '-q'], APT_ENV);
  return base;
}

/**
 * The fresh system the benches copy: the image (base + bench/vm-image-packages.txt, made once; none of its
 * daemons is started: policy-rc.d says no while it installs) or, with `minbase`, the bare base.
 */
export async function ensureFresh(minbase: boolean): Promise<string> {
  const base = await ensureBase();
  if (minbase) return base;
  const image = join(WORK, 'image');
  const list = join(TOP_DIR, 'bench/vm-image-packages.txt');
  const packages = parsePackageList(readFileSync(list, 'utf8'));
  const stamp = join(image, 'var/lib/tstack-image-packages');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === packages.join('\n')) {
    await sh(['chroot', image, 'apt-get', 'update', '-q'], APT_ENV);
    return image;
  }
  await sh(['rm', '-rf', '--one-file-system', image]);
  await sh(['cp', '-a', base, image]);
  writeFileSync(join(image, POLICY_RC_D), POLICY_RC_D_CONTENT, { mode: 0o755 });
  // the maintainer scripts need /proc and the host's /dev (/dev/pts among it): without them they fail on I/O
  await sh(['mount', '-t', 'proc', 'proc', join(image, 'proc')]);
  await sh(['mount', '--rbind', '/dev', join(image, 'dev')]);
  await sh(['mount', '--make-rslave', join(image, 'dev')]);
  try {
    await timed(
      `the image's ${packages.length} packages (not part of the figure)`,
      ['chroot', image, ...aptInstallArgv(packages, { recommends: false, eatmydata: true })],
      APT_ENV,
    );
  } finally {
    for (const m of ['dev', 'proc']) await sh(['umount', '-R', '-l', join(image, m)]).catch(() => undefined);
  }
  await sh(['rm', '-f', join(image, POLICY_RC_D)]);
  // the .debs of the image are not in a fresh VM's cache
  await sh(['chroot', image, 'apt-get', 'clean']);
  writeFileSync(stamp, packages.join('\n'));
  return image;
}
