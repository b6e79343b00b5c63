// Which kernel modules the guest loads, and in what order. Debian's cloud
// kernel builds virtio, the CD-ROM and FAT drivers as modules (see its
// /boot/config-*: CONFIG_VIRTIO_NET=m, CONFIG_ISO9660_FS=m...), so the
// initramfs carries them and /init insmods them, dependencies first: busybox's
// insmod knows nothing about dependencies, and the package ships no modules.dep.

/** What the guest needs: the virtio devices nova gives it, and what reads a config drive. */
export const GUEST_MODULES: readonly string[] = [
  'virtio_pci', // the bus every virtio device below sits on
  'virtio_net', // nova's default vif model
  'virtio_blk', // the root disk (hw_disk_bus=virtio), and a vfat config drive
  'virtio_scsi', // hw_scsi_model=virtio-scsi
  'virtio_rng', // hw_rng_model=virtio: entropy for the host keys made at boot
  'virtio_balloon', // nova adds a memory balloon by default
  'ata_piix', // i440fx IDE: where libvirt puts nova's iso9660 config drive (a CD-ROM)
  'sr_mod', // the CD-ROM itself (/dev/sr0)
  'sd_mod', // disks on IDE or SCSI buses
  'isofs', // config drive, iso9660 (nova's default config_drive_format)
  'vfat', // config drive, vfat
  'nls_cp437', // vfat's default codepage (CONFIG_FAT_DEFAULT_CODEPAGE=437)
  'nls_ascii', // vfat's default iocharset (CONFIG_FAT_DEFAULT_IOCHARSET="ascii")
];

export interface ModuleSource {
  /** Loadable modules: name -> depends (names). */
  depends(name: string): string[] | undefined;
  /** Built into the kernel: nothing to load. */
  builtin(name: string): boolean;
}

/**
 * Modules to insmod, every module after the modules it depends on; modules
 * built into the kernel are left out. Ties keep the order of `wanted`.
 */
export function loadOrder(wanted: readonly string[], src: ModuleSource): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, chain: string[]) => {
    const s = state.get(name);
    if (s === 'done') return;
    if (s === 'visiting')
      throw new Error(`kernel modules depend on each other in a cycle: ${[...chain, name].join(' -> ')}`);
    if (src.builtin(name)) {
      state.set(name, 'done');
      return;
    }
    const deps = src.depends(name);
    if (!deps) {
      const via = chain.length ? ` (needed by ${chain[chain.length - 1]})` : '';
      throw new Error(`kernel module ${name}${via} is neither a module of this kernel nor built into it`);
    }
    state.set(name, 'visiting');
    for (const d of deps) visit(d, [...chain, name]);
    state.set(name, 'done');
    order.push(name);
  };
  for (const w of wanted) visit(w, []);
  return order;
}

/** modules.builtin (`kernel/fs/ext4/ext4.ko` per line) -> module names. */
export function parseModulesBuiltin(text: string): Set<string> {
  const names = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => l.replace(/^.*\//, '').replace(/\.ko$/, '').replace(/-/g, '_'));
  return new Set(names);
}
