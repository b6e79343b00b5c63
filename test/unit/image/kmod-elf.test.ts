// Module load order (pure), and the ELF readers on real files: DT_NEEDED of
// the host's programs agrees with what the dynamic loader lists.

import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { moduleName, neededLibraries } from '../../../lib/image/elf.ts';
import { GUEST_MODULES, loadOrder, parseModulesBuiltin, type ModuleSource } from '../../../lib/image/kmod.ts';

// The dependency shape of Debian's cloud kernel 6.1 (from its modules' .modinfo)
const deps: Record<string, string[]> = {
  virtio: [],
  virtio_ring: [],
  virtio_pci_modern_dev: [],
  virtio_pci_legacy_dev: [],
  virtio_pci: ['virtio_ring', 'virtio_pci_modern_dev', 'virtio_pci_legacy_dev', 'virtio'],
  failover: [],
  net_failover: ['failover'],
  virtio_net: ['virtio_ring', 'virtio', 'net_failover'],
  cdrom: [],
  scsi_common: [],
  scsi_mod: ['scsi_common'],
  sr_mod: ['scsi_mod', 'cdrom', 'scsi_common'],
  isofs: ['cdrom'],
};
const src = (builtin: string[] = []): ModuleSource => ({
  depends: (n) => deps[n],
  builtin: (n) => builtin.includes(n),
});

describe('loadOrder', () => {
  it('puts every module after its dependencies, each once, ties in the order asked', () => {
    const order = loadOrder(['virtio_pci', 'virtio_net', 'sr_mod', 'isofs'], src());
    expect(order).toEqual([
      'virtio_ring',
      'virtio_pci_modern_dev',
      'virtio_pci_legacy_dev',
      'virtio',
      'virtio_pci',
      'failover',
      'net_failover',
      'virtio_net',
      'scsi_common',
      'scsi_mod',
      'cdrom',
      'sr_mod',
      'isofs',
    ]);
    for (const [m, ds] of Object.entries(deps)) {
      if (!order.includes(m)) continue;
      for (const d of ds) expect(order.indexOf(d), `${d} before ${m}`).toBeLessThan(order.indexOf(m));
    }
  });

  it('leaves out modules built into the kernel', () => {
    expect(loadOrder(['isofs'], src(['cdrom']))).toEqual(['isofs']);
    expect(loadOrder(['virtio_net'], src(['virtio_net']))).toEqual([]);
  });

  it('names a module the kernel lacks and who needs it; refuses cycles', () => {
    expect(() => loadOrder(['nope'], src())).toThrow(
      'kernel module nope is neither a module of this kernel nor built into it',
    );
    const broken: ModuleSource = { depends: (n) => (n === 'a' ? ['ghost'] : undefined), builtin: () => false };
    expect(() => loadOrder(['a'], broken)).toThrow('kernel module ghost (needed by a)');
    const cyclic: ModuleSource = { depends: (n) => ({ a: ['b'], b: ['a'] })[n], builtin: () => false };
    expect(() => loadOrder(['a'], cyclic)).toThrow('cycle: a -> b -> a');
  });

  it('reads modules.builtin paths as module names; file names with - are module names with _', () => {
    expect(parseModulesBuiltin('kernel/fs/ext4/ext4.ko\nkernel/drivers/char/hw_random/virtio-rng.ko\n\n')).toEqual(
      new Set(['ext4', 'virtio_rng']),
    );
    expect(moduleName('/lib/modules/x/kernel/drivers/char/hw_random/virtio-rng.ko')).toBe('virtio_rng');
    expect(GUEST_MODULES).toContain('virtio_net');
  });
});

describe('ELF', () => {
  it('lists the libraries a real program needs, as the dynamic loader does', () => {
    const ssh = execFileSync('sh', ['-c', 'command -v ssh']).toString().trim();
    const needed = neededLibraries(readFileSync(ssh), ssh);
    expect(needed).toContain('libc.so.6');
    // the loader's own list (ld.so --list) holds every DT_NEEDED entry
    const listed = execFileSync('/lib64/ld-linux-x86-64.so.2', ['--list', ssh]).toString();
    for (const so of needed) expect(listed).toContain(so);
  });

  it('refuses what is not ELF64', () => {
    expect(() => neededLibraries(Buffer.from('#!/bin/sh\necho hi\n'.padEnd(80)), 'script')).toThrow(
      'script: not an ELF file',
    );
  });
});
