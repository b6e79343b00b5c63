// LVM for cinder, devstack's lib/lvm and cinder_backends/lvm: a volume group
// per LVM backend on a sparse backing file behind a loop device, made only
// when missing and removed by `unstack --clean`, and the backend's section.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Plan } from '../../types/stack.ts';
import type { Shell } from '../../types/shell.ts';
import type { IniSpec } from '../../util/ini.ts';

export const LVM_DRIVER = 'cinder.volume.drivers.lvm.LVMVolumeDriver';

/** devstack's names: VG `stack-volumes-<name>`, backing file `$DATA_DIR/<vg>-backing-file`. */
export interface LvmLayout {
  volumeGroup: string;
  backingFile: string;
  size: string;
}

export function lvmLayout(plan: Plan, name: string): LvmLayout {
  const volumeGroup = `stack-volumes-${name}`;
  return {
    volumeGroup,
    backingFile: join(plan.dirs.dataDir, `${volumeGroup}-backing-file`),
    size: plan.get('VOLUME_BACKING_FILE_SIZE'),
  };
}

/** The loop devices attached to `file` (`losetup -j` prints `/dev/loop0: []: (file)`). */
export function parseLosetupJ(out: string): string[] {
  return out
    .split('\n')
    .map((l) => /^(\/dev\/loop\d+):/.exec(l.trim())?.[1])
    .filter((d): d is string => Boolean(d));
}

/** Backing file, loop device and volume group, each made only when missing (a re-run changes nothing). */
export async function ensureLvmVolumeGroup(sh: Shell, l: LvmLayout): Promise<{ loop: string; created: boolean }> {
  let created = false;
  if (!existsSync(l.backingFile)) {
    await sh.run(['truncate', '-s', l.size, l.backingFile]);
    created = true;
  }
  let loop = parseLosetupJ((await sh.run(['losetup', '-j', l.backingFile])).stdout)[0];
  if (!loop) loop = (await sh.run(['losetup', '-f', '--show', l.backingFile])).stdout.trim();
  const vg = await sh.run(['vgs', '--noheadings', l.volumeGroup], { allowFailure: true });
  if (vg.code !== 0) {
    await sh.run(['vgcreate', l.volumeGroup, loop]);
    created = true;
  }
  return { loop, created };
}

/** `unstack --clean`: whatever of the VG, loop devices and backing file exists goes. */
export async function removeLvmVolumeGroup(sh: Shell, l: LvmLayout): Promise<string[]> {
  const removed: string[] = [];
  const hasVgs = (await sh.run(['sh', '-c', 'command -v vgs'], { allowFailure: true })).code === 0;
  if (hasVgs && (await sh.run(['vgs', '--noheadings', l.volumeGroup], { allowFailure: true })).code === 0) {
    await sh.run(['vgremove', '-f', l.volumeGroup]);
    removed.push(`volume group ${l.volumeGroup}`);
  }
  if (existsSync(l.backingFile)) {
    for (const loop of parseLosetupJ((await sh.run(['losetup', '-j', l.backingFile])).stdout)) {
      await sh.run(['losetup', '-d', loop]);
      removed.push(`loop device ${loop}`);
    }
    await sh.run(['rm', '-f', l.backingFile]);
    removed.push(l.backingFile);
  }
  return removed;
}

/** cinder.conf's section of an LVM backend (exported over iSCSI by tgt). */
export function lvmBackendSection(plan: Plan, name: string, backendName: string): IniSpec[string] {
  return {
    volume_driver: LVM_DRIVER,
    volume_group: lvmLayout(plan, name).volumeGroup,
    volume_backend_name: backendName,
    lvm_type: 'auto',
    // LIO needs CONFIG_TARGET_CORE; tgt is userspace and works on any kernel
    target_helper: 'tgtadm',
    target_protocol: 'iscsi',
    image_volume_cache_enabled: false,
  };
}
