// Swift's storage, devstack's create_swift_disk: a sparse image of
// SWIFT_LOOPBACK_DISK_SIZE formatted XFS and loop-mounted at drives/sdb1, or,
// when this host cannot make one (no XFS in the kernel, no loop device, no
// mount permission in a container), a plain directory at the same path.
// Either way the servers see the same tree and run with mount_check = false.
// The rings, devstack's init_swift, are built from the same layout.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Plan } from '../../types/stack.ts';
import type { Shell } from '../../types/shell.ts';

/** devstack's OBJECT_PORT_BASE, CONTAINER_PORT_BASE, ACCOUNT_PORT_BASE for node 1. */
export const STORAGE_SERVERS = ['object', 'container', 'account'] as const;
export type StorageServer = (typeof STORAGE_SERVERS)[number];

/** devstack's SWIFT_PARTITION_POWER_SIZE: 2^9 partitions, plenty for one host. */
export const PARTITION_POWER = 9;

export interface SwiftLayout {
  dataDir: string;
  /** The sparse XFS image (devstack's SWIFT_DISK_IMAGE). */
  image: string;
  /** Where the image is mounted, or the plain directory: every device lives below it. */
  mountPoint: string;
  /** The servers' `devices` root: one symlink per device into mountPoint. */
  devicesRoot: string;
  /** sdb1..sdbN, one per replica, each its own zone. */
  devices: string[];
  size: string;
  /** Recon and the servers' caches. */
  cacheDir: string;
}

export function swiftLayout(plan: Plan): SwiftLayout {
  const dataDir = plan.get('SWIFT_DATA_DIR');
  const replicas = plan.int('SWIFT_REPLICAS');
  return {
    dataDir,
    image: join(dataDir, 'drives/images/swift.img'),
    mountPoint: join(dataDir, 'drives/sdb1'),
    devicesRoot: join(dataDir, 'node'),
    devices: Array.from({ length: replicas }, (_, i) => `sdb${i + 1}`),
    size: plan.get('SWIFT_LOOPBACK_DISK_SIZE'),
    cacheDir: join(dataDir, 'cache'),
  };
}

export type StorageKind = { kind: 'xfs'; loop?: string } | { kind: 'directory'; reason: string };

/** Mount points and file system types of /proc/self/mountinfo (octal escapes decoded). */
function mounts(mountinfo: string): { dir: string; fstype: string }[] {
  const decode = (m: string) => m.replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
  return mountinfo
    .split('\n')
    .filter((l) => l.includes(' - '))
    .map((l) => ({ dir: decode(l.split(' ')[4]), fstype: l.split(' - ')[1].split(' ')[0] }));
}

/** Is `dir` a mount point? */
export function isMountPoint(dir: string, mountinfo = readMountinfo()): boolean {
  return mounts(mountinfo).some((m) => m.dir === dir);
}

/**
 * Swift's XFS mounts, known without a plan by their shape: an XFS mount at
 * `<SWIFT_DATA_DIR>/drives/sdb1` with the image beside it in drives/images.
 */
export function swiftMounts(mountinfo = readMountinfo(), exists = existsSync): string[] {
  return mounts(mountinfo)
    .filter((m) => m.fstype === 'xfs' && m.dir.endsWith('/drives/sdb1'))
    .filter((m) => exists(join(dirname(m.dir), 'images/swift.img')))
    .map((m) => m.dir);
}

function readMountinfo(): string {
  try {
    return readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return '';
  }
}

/** Why no XFS image can be made here, from what the kernel lists; undefined when it may work. */
export function xfsUnavailable(procFilesystems: string | undefined, loopControl: boolean): string | undefined {
  if (procFilesystems !== undefined && !/\bxfs\b/.test(procFilesystems)) return 'the kernel has no XFS';
  if (!loopControl) return 'no /dev/loop-control';
  return undefined;
}

/**
 * The XFS image mounted at mountPoint when it can be; else a directory, with
 * the reason. An image already mounted is kept, so a re-run keeps the data.
 */
export async function ensureSwiftStorage(sh: Shell, l: SwiftLayout, user: string): Promise<StorageKind> {
  await sh.run(['install', '-d', '-o', user, '-g', user, '-m', '0750', l.dataDir, join(l.dataDir, 'drives')]);
  let kind: StorageKind;
  if (isMountPoint(l.mountPoint)) {
    kind = { kind: 'xfs' };
  } else {
    let fs: string | undefined;
    try {
      fs = readFileSync('/proc/filesystems', 'utf8');
    } catch {
      fs = undefined;
    }
    const reason = xfsUnavailable(fs, existsSync('/dev/loop-control')) ?? (await mountImage(sh, l));
    kind = reason ? { kind: 'directory', reason } : { kind: 'xfs' };
  }
  const devDirs = l.devices.map((d) => join(l.mountPoint, d));
  await sh.run(['install', '-d', '-o', user, '-g', user, '-m', '0750', l.mountPoint, ...devDirs]);
  await sh.run(['install', '-d', '-o', user, '-g', user, '-m', '0750', l.devicesRoot, l.cacheDir]);
  for (const d of l.devices) await sh.run(['ln', '-sfn', join(l.mountPoint, d), join(l.devicesRoot, d)]);
  return kind;
}

/** Make (once) and mount the image; the reason when it cannot be mounted. */
async function mountImage(sh: Shell, l: SwiftLayout): Promise<string | undefined> {
  await sh.run(['install', '-d', '-m', '0755', join(l.dataDir, 'drives/images'), l.mountPoint]);
  if (!existsSync(l.image)) {
    await sh.run(['truncate', '-s', l.size, l.image]);
    const mk = await sh.run(['mkfs.xfs', '-q', '-f', '-i', 'size=1024', l.image], { allowFailure: true });
    if (mk.code !== 0) {
      await sh.run(['rm', '-f', l.image]);
      return `mkfs.xfs failed: ${lastLine(mk.stderr || mk.stdout)}`;
    }
  }
  const m = await sh.run(['mount', '-t', 'xfs', '-o', 'loop,noatime', l.image, l.mountPoint], { allowFailure: true });
  return m.code === 0 ? undefined : `mount -o loop failed: ${lastLine(m.stderr || m.stdout)}`;
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop() ?? '';
}

/**
 * unstack: unmount swift's images (which frees their loop devices), so no
 * mount outlives the stack and --clean can remove $DATA_DIR even when
 * local.conf no longer enables swift. The image stays; the next run mounts it
 * again with its objects.
 */
export async function unmountSwiftImages(sh: Shell): Promise<string[]> {
  const done: string[] = [];
  for (const dir of swiftMounts()) {
    await sh.run(['umount', dir]);
    done.push(dir);
  }
  return done;
}

/** `unstack --clean`: unmount (which frees the loop device) and remove the whole data directory. */
export async function removeSwiftStorage(sh: Shell, l: SwiftLayout): Promise<string[]> {
  const removed: string[] = [];
  if (isMountPoint(l.mountPoint)) {
    await sh.run(['umount', l.mountPoint]);
    removed.push(`XFS mount ${l.mountPoint}`);
  }
  if (existsSync(l.dataDir)) {
    await sh.run(['rm', '-rf', '--one-file-system', l.dataDir]);
    removed.push(l.dataDir);
  }
  return removed;
}

/** What the rings are built from: when it changes, they are rebuilt (the stamp beside them records it). */
export interface RingInputs {
  host: string;
  ports: Record<StorageServer, number>;
  devices: string[];
  replicas: number;
}

export function ringStamp(r: RingInputs): string {
  return `${JSON.stringify({ partPower: PARTITION_POWER, ...r })}\n`;
}

/**
 * devstack's init_swift: per ring, create, add one device per replica (zone =
 * replica number), rebalance with seed 42. One command list per ring: the
 * three rings are independent, so they can be built side by side.
 */
export function ringBuilderArgvs(builderBin: string, confDir: string, r: RingInputs): string[][][] {
  return STORAGE_SERVERS.map((server) => {
    const builder = join(confDir, `${server}.builder`);
    return [
      [builderBin, builder, 'create', String(PARTITION_POWER), String(r.replicas), '1'],
      ...r.devices.map((d, i) => [builderBin, builder, 'add', `z${i + 1}-${r.host}:${r.ports[server]}/${d}`, '1']),
      [builderBin, builder, 'rebalance', '42'],
    ];
  });
}

/** The ring files swift-ring-builder writes into confDir (and their backups). */
export function ringFiles(confDir: string): string[] {
  return STORAGE_SERVERS.flatMap((s) => [join(confDir, `${s}.builder`), join(confDir, `${s}.ring.gz`)]);
}
