// Package names and the .deb cache: what is parsed from apt's output, when apt
// is asked at all, and what an offline run without a cache says.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DebFetchError,
  IMAGE_PACKAGES,
  debPackageName,
  ensureDebs,
  kernelRelease,
  parseKernelDepends,
  pickCached,
} from '../../../lib/image/debs.ts';
import type { RunOptions, RunResult, Shell } from '../../../lib/types/shell.ts';

class ScriptedShell implements Shell {
  calls: { argv: string[]; cwd?: string }[] = [];
  constructor(private answer: (argv: string[], cwd?: string) => RunResult) {}
  async run(argv: string[], opts: RunOptions = {}): Promise<RunResult> {
    this.calls.push({ argv, cwd: opts.cwd });
    return this.answer(argv, opts.cwd);
  }
}

describe('names', () => {
  it('finds the versioned kernel in apt-cache depends output', () => {
    const out = 'linux-image-cloud-amd64\n  Depends: linux-image-6.1.0-50-cloud-amd64\n';
    expect(parseKernelDepends(out)).toBe('linux-image-6.1.0-50-cloud-amd64');
    expect(parseKernelDepends('linux-image-cloud-amd64\n')).toBeUndefined();
    expect(kernelRelease('linux-image-6.1.0-50-cloud-amd64')).toBe('6.1.0-50-cloud-amd64');
    expect(() => kernelRelease('linux-image-cloud-amd64')).toThrow(/not a versioned kernel package/);
  });

  it("reads package names from apt-get download's file names, the last version winning", () => {
    expect(debPackageName('busybox-static_1%3a1.35.0-4+deb12u1+b1_amd64.deb')).toBe('busybox-static');
    expect(debPackageName('syslinux-common_3%3a6.04~git20190206.bf6db5b4+dfsg1-3_all.deb')).toBe('syslinux-common');
    expect(debPackageName('notes.txt')).toBeUndefined();
    const picked = pickCached(['zlib1g_1%3a1.2.13.dfsg-2_amd64.deb', 'zlib1g_1%3a1.2.13.dfsg-1_amd64.deb', 'x.part']);
    expect([...picked]).toEqual([['zlib1g', 'zlib1g_1%3a1.2.13.dfsg-2_amd64.deb']]);
  });
});

describe('ensureDebs', () => {
  let cache: string;
  beforeEach(() => {
    cache = mkdtempSync(join(tmpdir(), 'tstack-debs-'));
  });
  afterEach(() => rmSync(cache, { recursive: true, force: true }));
  const fill = (names: readonly string[]) => {
    for (const n of names) writeFileSync(join(cache, `${n}_1.0-1_amd64.deb`), '');
  };

  it('uses a complete cache without asking apt (offline rebuilds)', async () => {
    fill(['linux-image-6.1.0-50-cloud-amd64', ...IMAGE_PACKAGES]);
    const sh = new ScriptedShell(() => ({ code: 1, stdout: '', stderr: 'no network' }));
    const r = await ensureDebs(sh, cache, () => {});
    expect(sh.calls).toEqual([]);
    expect(r.kernelPackage).toBe('linux-image-6.1.0-50-cloud-amd64');
    expect(r.debs.get('dropbear-bin')).toBe(join(cache, 'dropbear-bin_1.0-1_amd64.deb'));
    expect(r.downloaded).toEqual([]);
  });

  it('downloads only what the cache lacks, into the cache', async () => {
    fill(['linux-image-6.1.0-50-cloud-amd64', ...IMAGE_PACKAGES.filter((p) => p !== 'mtools')]);
    // apt-get download writes into its working directory
    const sh = new ScriptedShell((argv, cwd) => {
      if (argv[1] === 'download') writeFileSync(join(cwd!, 'mtools_4.0.32-1_amd64.deb'), '');
      return { code: 0, stdout: '', stderr: '' };
    });
    const lines: string[] = [];
    const r = await ensureDebs(sh, cache, (l) => lines.push(l));
    expect(sh.calls.map((c) => c.argv)).toEqual([
      ['apt-get', 'download', '-q', '-o', 'APT::Sandbox::User=root', 'mtools'],
    ]);
    // ... a private directory in the cache, so a concurrent build never reads a half-written .deb
    expect(sh.calls[0].cwd!.startsWith(join(cache, '.download-'))).toBe(true);
    expect(readdirSync(cache).sort()).toEqual(
      readdirSync(cache)
        .filter((f) => f.endsWith('.deb'))
        .sort(),
    );
    expect(r.debs.get('mtools')).toBe(join(cache, 'mtools_4.0.32-1_amd64.deb'));
    expect(r.downloaded).toEqual(['mtools']);
    expect(lines[0]).toBe(`downloading 1 package(s) into ${cache}: mtools`);
  });

  it('offline with an empty cache: says what failed and what to do', async () => {
    const sh = new ScriptedShell((argv) =>
      argv[0] === 'apt-cache'
        ? { code: 0, stdout: 'linux-image-cloud-amd64\n  Depends: linux-image-6.1.0-50-cloud-amd64\n', stderr: '' }
        : {
            code: 100,
            stdout: '',
            stderr:
              'E: Failed to fetch http://deb.debian.org/debian/pool/main/b/busybox/x.deb  ' +
              "Temporary failure resolving 'deb.debian.org'",
          },
    );
    const err = await ensureDebs(sh, cache, () => {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DebFetchError);
    const msg = (err as Error).message;
    expect(msg).toContain('cannot download the packages the test image is built from');
    expect(msg).toContain("Temporary failure resolving 'deb.debian.org'");
    expect(msg).toContain(`the .debs are then cached in ${cache}`);
    expect(msg).toContain('set IMAGE_URLS to an image you have');
    expect(sh.calls[1].argv.slice(5)).toEqual(['linux-image-6.1.0-50-cloud-amd64', ...IMAGE_PACKAGES]);
  });

  it('without apt lists: tells to run apt-get update', async () => {
    const sh = new ScriptedShell(() => ({ code: 100, stdout: '', stderr: 'E: No packages found' }));
    await expect(ensureDebs(sh, cache, () => {})).rejects.toThrow(
      /apt does not know linux-image-cloud-amd64 .*E: No packages found.*apt-get update/,
    );
  });
});
