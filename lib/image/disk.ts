// The whole-disk image, CirrOS's shape: one FAT filesystem spanning the disk
// (a "superfloppy", no partition table) holding the kernel, the initramfs and
// SYSLINUX, which boots it from the BIOS. mtools writes the filesystem into a
// plain file and `syslinux --install` (its mtools flavour) installs the boot
// sector and ldlinux.sys through mtools too: no loop device, no mount, no
// root. Both are run from the unpacked packages, not installed. qemu-img then
// makes it qcow2, the format glance and nova handle best.

import { rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Shell } from '../types/shell.ts';
import { FIXED_MTIME } from './cpio.ts';
import { syslinuxCfg } from './guest-files.ts';

const MiB = 1024 * 1024;
/** Fixed volume serial: mformat would draw a random one. */
export const VOLUME_SERIAL = '7a5c0001';
export const VOLUME_LABEL = 'TSTACK';

/** Disk size for the files: their size plus room for FAT, SYSLINUX and slack, in whole MiB. */
export function diskSizeMiB(fileBytes: number): number {
  return Math.ceil(fileBytes / MiB) + 4;
}

/** mformat's arguments for a superfloppy of `mib` MiB (64 heads x 32 sectors: one MiB per cylinder). */
export function mformatArgv(image: string, mib: number): string[] {
  return [
    'mformat',
    '-i',
    image,
    '-C',
    '-T',
    String(mib * 2048),
    '-h',
    '64',
    '-s',
    '32',
    '-N',
    VOLUME_SERIAL,
    '-v',
    VOLUME_LABEL,
    '::',
  ];
}

export interface DiskInputs {
  kernel: string;
  initrd: string;
  /** The unpacked packages: usr/bin holds mtools and syslinux. */
  toolsRoot: string;
  workDir: string;
}

/** Write the raw disk in `workDir`, then `qcow2` from it (in place: the caller renames it); returns its size. */
export async function buildDisk(sh: Shell, inp: DiskInputs, qcow2: string): Promise<number> {
  const kernelBytes = (await stat(inp.kernel)).size;
  const initrdBytes = (await stat(inp.initrd)).size;
  const raw = join(inp.workDir, 'disk.raw');
  const cfg = join(inp.workDir, 'syslinux.cfg');
  await writeFile(cfg, syslinuxCfg('vmlinuz', 'initrd.img'));
  const fixed = new Date(FIXED_MTIME * 1000);
  for (const f of [inp.kernel, inp.initrd, cfg]) await utimes(f, fixed, fixed);
  await rm(raw, { force: true });
  const env = {
    PATH: `${join(inp.toolsRoot, 'usr/bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    // mtools stamps what it writes with this time instead of now
    SOURCE_DATE_EPOCH: String(FIXED_MTIME),
    MTOOLS_SKIP_CHECK: '1',
    MTOOLSRC: '/dev/null',
  };
  const run = (argv: string[]) => sh.run(argv, { env, timeoutSec: 120 });
  await run(mformatArgv(raw, diskSizeMiB(kernelBytes + initrdBytes)));
  // ldlinux.sys first, so it sits at the start of the data area, as on every SYSLINUX disk
  await run(['syslinux', '--install', raw]);
  await run(['mcopy', '-m', '-i', raw, inp.kernel, '::/vmlinuz']);
  await run(['mcopy', '-m', '-i', raw, inp.initrd, '::/initrd.img']);
  await run(['mcopy', '-m', '-i', raw, cfg, '::/syslinux.cfg']);
  await rm(qcow2, { force: true });
  const r = await sh.run(['qemu-img', 'convert', '-f', 'raw', '-O', 'qcow2', raw, qcow2], {
    allowFailure: true,
    timeoutSec: 120,
  });
  if (r.code !== 0) {
    const why =
      r.code === 127 || /ENOENT|not found/i.test(r.stderr)
        ? 'qemu-img is not installed (apt-get install qemu-utils)'
        : r.stderr.trim();
    throw new Error(`cannot convert the test image to qcow2: ${why}`);
  }
  await rm(raw, { force: true });
  return (await stat(qcow2)).size;
}
