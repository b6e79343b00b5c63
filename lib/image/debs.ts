// The Debian packages the test image is made of, fetched with `apt-get
// download` into a cache and unpacked with `dpkg-deb -x`: nothing is
// installed on the host (busybox-static would replace the host's busybox, a
// kernel package runs initramfs hooks). A later run reuses the cached .debs,
// so the image can be rebuilt offline.

import { statSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Shell } from '../types/shell.ts';

/** The kernel: Debian's metapackage, resolved to the versioned package it depends on. */
export const KERNEL_METAPACKAGE = 'linux-image-cloud-amd64';

/**
 * Everything else, by name. The libraries are dropbear-bin's dependencies
 * (its DT_NEEDED closure is checked at build time); syslinux and mtools are
 * the tools that make the disk (run from the unpacked tree, not installed).
 */
export const IMAGE_PACKAGES: readonly string[] = [
  'busybox-static',
  'dropbear-bin',
  'libc6',
  'libcrypt1',
  'libtomcrypt1',
  'libtommath1',
  'zlib1g',
  'libgmp10',
  'syslinux',
  'syslinux-common',
  'mtools',
];

/** `apt-cache depends linux-image-cloud-amd64` -> the versioned kernel package. */
export function parseKernelDepends(output: string): string | undefined {
  for (const line of output.split('\n')) {
    const m = /^\s*Depends:\s*(linux-image-\S+)\s*$/.exec(line);
    if (m) return m[1];
  }
  return undefined;
}

/** `linux-image-6.1.0-50-cloud-amd64` -> `6.1.0-50-cloud-amd64` (the kernel's `uname -r`). */
export function kernelRelease(pkg: string): string {
  const m = /^linux-image-(\d.*)$/.exec(pkg);
  if (!m) throw new Error(`not a versioned kernel package: ${pkg}`);
  return m[1];
}

/** A .deb file name (`name_version_arch.deb`, version URL-escaped by apt) -> package name. */
export function debPackageName(file: string): string | undefined {
  const m = /^([a-z0-9][a-z0-9+.-]*)_[^_]+_[a-z0-9-]+\.deb$/.exec(file);
  return m?.[1];
}

/** Cached .debs per package; several versions of a package -> the last in byte order of file names. */
export function pickCached(files: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of [...files].sort()) {
    const name = debPackageName(f);
    if (name) out.set(name, f);
  }
  return out;
}

const isVersionedKernel = (name: string) => /^linux-image-\d.*-cloud-amd64$/.test(name);

export interface ResolvedDebs {
  /** The versioned kernel package (linux-image-<release>). */
  kernelPackage: string;
  /** Package name -> absolute .deb path, kernel included. */
  debs: Map<string, string>;
  /** The packages apt-get download fetched now (empty: all came from the cache). */
  downloaded: string[];
}

export class DebFetchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DebFetchError';
  }
}

/**
 * The .debs, from `cacheDir` when it holds them all, else downloaded into it.
 * Offline with an incomplete cache, the error says what to do.
 */
export async function ensureDebs(sh: Shell, cacheDir: string, log: (line: string) => void): Promise<ResolvedDebs> {
  await mkdir(cacheDir, { recursive: true });
  const cachedNow = async () => pickCached(await readdir(cacheDir));
  let cached = await cachedNow();
  const cachedKernel = [...cached.keys()].filter(isVersionedKernel).sort().pop();
  const missing = IMAGE_PACKAGES.filter((p) => !cached.has(p));
  const downloaded: string[] = [];
  let kernelPackage = cachedKernel;
  if (!kernelPackage || missing.length > 0) {
    if (!kernelPackage) {
      const r = await sh.run(['apt-cache', 'depends', KERNEL_METAPACKAGE], { allowFailure: true, timeoutSec: 60 });
      kernelPackage = r.code === 0 ? parseKernelDepends(r.stdout) : undefined;
      if (!kernelPackage) {
        throw new DebFetchError(
          `apt does not know ${KERNEL_METAPACKAGE} (apt-cache depends: ${lastLine(r.stderr || r.stdout)}); ` +
            'run `apt-get update` with access to the Debian archive',
        );
      }
      missing.unshift(kernelPackage);
    }
    log(`downloading ${missing.length} package(s) into ${cacheDir}: ${missing.join(' ')}`);
    await downloadDebs(sh, cacheDir, missing);
    downloaded.push(...missing);
    cached = await cachedNow();
  }
  const debs = new Map<string, string>();
  for (const p of [kernelPackage, ...IMAGE_PACKAGES]) {
    const f = cached.get(p);
    if (!f) throw new DebFetchError(`apt-get download left no ${p}_*.deb in ${cacheDir}`);
    debs.set(p, join(cacheDir, f));
  }
  return { kernelPackage, debs, downloaded };
}

/** `apt-get download` of `packages` into `cacheDir`; the error says how to do without the archive. */
async function downloadDebs(sh: Shell, cacheDir: string, packages: readonly string[]): Promise<void> {
  // _apt cannot write into a root-owned cache: let apt download as root instead of warning about it
  const argv = ['apt-get', 'download', '-q', '-o', 'APT::Sandbox::User=root', ...packages];
  // into a private dir first: a concurrent build must never read a .deb apt is still writing
  const part = await mkdtemp(join(cacheDir, '.download-'));
  const r = await sh.run(argv, { cwd: part, allowFailure: true, timeoutSec: 600 });
  if (r.code === 0)
    for (const f of await readdir(part)) if (f.endsWith('.deb')) await rename(join(part, f), join(cacheDir, f));
  await rm(part, { recursive: true, force: true });
  if (r.code !== 0) {
    const tail = (r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ');
    throw new DebFetchError(
      `cannot download the packages the test image is built from (${argv.join(' ')}: ${tail}). ` +
        `Run once with access to the Debian archive (the .debs are then cached in ${cacheDir}), ` +
        `copy ${packages.join(', ')} .deb files there, or set IMAGE_URLS to an image you have`,
    );
  }
}

/** One more package's .deb in the cache (a tool for tests, e.g. genisoimage), downloaded once. */
export async function ensureDeb(sh: Shell, cacheDir: string, pkg: string): Promise<string> {
  await mkdir(cacheDir, { recursive: true });
  let f = pickCached(await readdir(cacheDir)).get(pkg);
  if (!f) {
    await downloadDebs(sh, cacheDir, [pkg]);
    f = pickCached(await readdir(cacheDir)).get(pkg);
    if (!f) throw new DebFetchError(`apt-get download left no ${pkg}_*.deb in ${cacheDir}`);
  }
  return join(cacheDir, f);
}

function lastLine(s: string): string {
  return s.trim().split('\n').pop() || 'no output';
}

/**
 * Unpack every .deb into `root` (no maintainer scripts run; nothing is
 * installed). The biggest (the kernel) unpacks beside the others, one by one.
 */
export async function unpackDebs(sh: Shell, debs: Iterable<string>, root: string): Promise<void> {
  const [big, ...rest] = [...debs].sort((a, b) => statSync(b).size - statSync(a).size);
  const unpack = (deb: string) => sh.run(['dpkg-deb', '-x', deb, root], { timeoutSec: 300 });
  await Promise.all([
    big ? unpack(big) : undefined,
    (async () => {
      for (const deb of rest) await unpack(deb);
    })(),
  ]);
}
