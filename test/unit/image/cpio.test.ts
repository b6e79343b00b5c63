// The initramfs writer: layout rules, and archives that busybox's cpio (a real
// consumer, as the kernel is) unpacks to the same files, links and modes.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXED_MTIME, gzipInitramfs, layout, writeCpio, type CpioEntry } from '../../../lib/image/cpio.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tstack-cpio-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sample: CpioEntry[] = [
  { path: 'usr/bin/tool', kind: 'file', data: Buffer.from([0, 1, 2, 255]), mode: 0o755 },
  { path: 'etc/shadow', kind: 'file', data: 'root:*:1::::::\n', mode: 0o600 },
  { path: '/bin/sh', kind: 'symlink', target: 'busybox' },
  { path: 'bin/busybox', kind: 'file', data: 'odd length', mode: 0o755 },
  { path: 'home/cirros', kind: 'dir', uid: 1000, gid: 1000 },
  { path: 'tmp', kind: 'dir', mode: 0o1777 },
  { path: 'dev/console', kind: 'chardev', major: 5, minor: 1 },
];

describe('layout', () => {
  it('sorts by path, adds the missing parents, and keeps a directory before what it holds', () => {
    const paths = layout(sample).map((e) => e.path);
    expect(paths).toEqual([
      'bin',
      'bin/busybox',
      'bin/sh',
      'dev',
      'dev/console',
      'etc',
      'etc/shadow',
      'home',
      'home/cirros',
      'tmp',
      'usr',
      'usr/bin',
      'usr/bin/tool',
    ]);
  });

  it('refuses a path given twice, a path under a file, and paths leaving the root', () => {
    expect(() =>
      layout([
        { path: 'a', kind: 'dir' },
        { path: '/a/', kind: 'dir' },
      ]),
    ).toThrow(/given twice: \/a/);
    expect(() =>
      layout([
        { path: 'a', kind: 'file', data: '' },
        { path: 'a/b', kind: 'dir' },
      ]),
    ).toThrow(/\/a is a file but \/a\/b is inside it/);
    expect(() => layout([{ path: 'a/../etc', kind: 'dir' }])).toThrow(/bad initramfs path/);
  });
});

describe('writeCpio', () => {
  it('writes a newc archive busybox cpio unpacks with the same contents, modes, owners and links', () => {
    // mknod needs root: without it the device node is left out of this archive
    const root = process.getuid?.() === 0;
    const entries = root ? sample : sample.filter((e) => e.kind !== 'chardev');
    const archive = writeCpio(entries);
    expect(archive.subarray(0, 6).toString()).toBe('070701');
    expect(archive.length % 4).toBe(0);
    const file = join(dir, 'a.cpio');
    writeFileSync(file, archive);
    const out = join(dir, 'out');
    execFileSync('sh', ['-c', `mkdir -p ${out} && cd ${out} && busybox cpio -i -d -m < ${file}`], { stdio: 'pipe' });
    expect(readFileSync(join(out, 'usr/bin/tool'))).toEqual(Buffer.from([0, 1, 2, 255]));
    expect(readFileSync(join(out, 'bin/busybox'), 'utf8')).toBe('odd length');
    expect(readlinkSync(join(out, 'bin/sh'))).toBe('busybox');
    expect(lstatSync(join(out, 'etc/shadow')).mode & 0o7777).toBe(0o600);
    expect(lstatSync(join(out, 'usr/bin/tool')).mode & 0o7777).toBe(0o755);
    expect(lstatSync(join(out, 'tmp')).mode & 0o7777).toBe(0o1777);
    expect(lstatSync(join(out, 'usr/bin/tool')).mtimeMs / 1000).toBe(FIXED_MTIME);
    if (root) {
      expect(lstatSync(join(out, 'dev/console')).isCharacterDevice()).toBe(true);
      expect(lstatSync(join(out, 'home/cirros')).uid).toBe(1000);
    }
    const listing = execFileSync('sh', ['-c', `busybox cpio -t < ${file}`], { stdio: 'pipe' })
      .toString()
      .trim()
      .split('\n');
    expect(listing).toEqual(layout(entries).map((e) => e.path));
  });

  it('gives the same bytes for the same entries in any order, gzip included', () => {
    const a = gzipInitramfs(writeCpio(sample));
    const b = gzipInitramfs(writeCpio([...sample].reverse()));
    expect(a.equals(b)).toBe(true);
    expect(a.readUInt32LE(4)).toBe(0); // no mtime in the gzip header
  });
});
