// tstack's test image: a CirrOS-compatible guest built offline from Debian packages.
//
// What it is: Debian's cloud kernel (linux-image-cloud-amd64), an initramfs
// holding the whole root filesystem (busybox-static, dropbear-bin and its
// libraries, the kernel modules virtio and the config drive need, and the
// scripts of guest-files.ts), on one FAT "superfloppy" disk that SYSLINUX boots,
// as qcow2. It behaves like CirrOS: DHCP on the first NIC, metadata from a
// config drive or 169.254.169.254 (hostname, SSH keys, user-data), user
// `cirros` / `gocubsgo`, dropbear on port 22, and the boot on the serial console.
//
// Why: the real CirrOS comes from GitHub, which many lab machines cannot
// reach; without an image nothing boots. The .debs come from the Debian
// archive the stack installs from anyway, and are cached, as is the image.
//
// API (for seeding, the libvirt KVM probe and the E2E journey):
//   const img = await ensureTestImage({ filesDir, sh, log });
//   img.disk       qcow2 whole-disk image to upload (img.name, img.diskFormat, img.properties)
//   img.kernel     the kernel (vmlinuz) and
//   img.initrd     the initramfs, for a direct kernel boot, e.g. a probe:
//                  append `${KERNEL_CMDLINE} ${PROBE_ARG}` and wait for PROBE_MARKER on the serial console
//                  (the guest then powers off at once).
// Files live in files/images/tstack-test-image/ (git-ignored): debs/ is the
// package cache; the image is rebuilt only when its inputs change. Building
// needs apt-get and dpkg-deb (Debian), qemu-img (qemu-utils), and the Debian
// archive on the first run only.

import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, readdir, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Shell } from '../types/shell.ts';
import { gzipInitramfs, writeCpio, type CpioEntry } from './cpio.ts';
import { ensureDebs, kernelRelease, unpackDebs } from './debs.ts';
import { buildDisk } from './disk.ts';
import { moduleDepends, moduleName, neededLibraries } from './elf.ts';
import { GUEST_MODULES, loadOrder, parseModulesBuiltin } from './kmod.ts';
import { KERNEL_CMDLINE, guestFiles, syslinuxCfg } from './guest-files.ts';

export { KERNEL_CMDLINE, PROBE_ARG, PROBE_MARKER, CONSOLE_MARKERS, GUEST_USER, GUEST_PASSWORD } from './guest-files.ts';

/** Glance name of the built image (not DEFAULT_IMAGE_NAME: it is not CirrOS 0.6.3, and says so). */
export const TEST_IMAGE_NAME = 'tstack-cirros-x86_64-disk';
/** Bump when the build changes in a way its inputs do not show. */
const RECIPE = 'tstack-test-image/1';
const DIR = 'tstack-test-image';

/** The programs copied from the packages; their libraries follow from DT_NEEDED. */
const PROGRAMS: readonly { from: string; to: string; mode?: number }[] = [
  // setuid root, as in CirrOS: ping's raw socket and su (hence sudo); busybox
  // (built with FEATURE_SUID) drops root for every applet that does not need it
  { from: 'bin/busybox', to: 'bin/busybox', mode: 0o4755 },
  { from: 'usr/sbin/dropbear', to: 'usr/sbin/dropbear' },
  { from: 'usr/bin/dropbearkey', to: 'usr/bin/dropbearkey' },
  { from: 'usr/bin/dbclient', to: 'usr/bin/dbclient' },
];
const LIB_DIRS = ['lib/x86_64-linux-gnu', 'usr/lib/x86_64-linux-gnu', 'lib64', 'usr/lib'];
const GUEST_LIB_DIR = 'lib/x86_64-linux-gnu';

export interface TestImage {
  name: string;
  /** The whole-disk image (qcow2). */
  disk: string;
  diskFormat: 'qcow2';
  /** Glance properties beyond disk/container format. */
  properties: Record<string, string>;
  kernel: string;
  initrd: string;
  /** The kernel command line the disk boots with. */
  cmdline: string;
  kernelRelease: string;
  /** The packages (file names) it was built from. */
  packages: string[];
  diskBytes: number;
  /** Reused from an earlier build. */
  cached: boolean;
}

export interface TestImageOptions {
  /** The repo's files/ directory (plan.dirs.filesDir). */
  filesDir: string;
  sh: Shell;
  log?: (line: string) => void;
  /** Rebuild even when the cached image matches its inputs. */
  force?: boolean;
}

export function testImageDir(filesDir: string): string {
  return join(filesDir, 'images', DIR);
}

interface Manifest {
  key: string;
  kernelRelease: string;
  packages: string[];
  modules: string[];
}

/** The image for these files/ (built, or reused when its inputs have not changed). */
export async function ensureTestImage(opts: TestImageOptions): Promise<TestImage> {
  const log = opts.log ?? (() => {});
  const dir = testImageDir(opts.filesDir);
  const out = {
    disk: join(dir, `${TEST_IMAGE_NAME}.qcow2`),
    kernel: join(dir, 'vmlinuz'),
    initrd: join(dir, 'initrd.img'),
  };
  await requireTools(opts.sh);
  const resolved = await ensureDebs(opts.sh, join(dir, 'debs'), log);
  const release = kernelRelease(resolved.kernelPackage);
  const packages = [...resolved.debs.values()].map((p) => p.replace(/^.*\//, '')).sort();
  const key = recipeKey(release, packages);
  const manifestPath = join(dir, 'manifest.json');
  const previous = await readFile(manifestPath, 'utf8').then(
    (t) => JSON.parse(t) as Manifest,
    () => undefined,
  );
  const have = await Promise.all(
    Object.values(out).map((p) =>
      stat(p).then(
        (s) => s.size > 0,
        () => false,
      ),
    ),
  );
  const result = (cached: boolean, diskBytes: number): TestImage => ({
    name: TEST_IMAGE_NAME,
    ...out,
    diskFormat: 'qcow2',
    properties: { tstack_built_from: `${resolved.kernelPackage} busybox-static dropbear-bin` },
    cmdline: KERNEL_CMDLINE,
    kernelRelease: release,
    packages,
    diskBytes,
    cached,
  });
  if (!opts.force && previous?.key === key && have.every(Boolean)) {
    log(`test image: reusing ${out.disk}`);
    return result(true, (await stat(out.disk)).size);
  }

  // A private work dir, and outputs renamed into place: builds running at once
  // (two test files, a stack and a benchmark) neither clobber nor half-read each other.
  await mkdir(dir, { recursive: true });
  await removeStaleWorkDirs(dir);
  const work = await mkdtemp(join(dir, 'work-'));
  const root = join(work, 'root');
  await mkdir(root, { recursive: true });
  try {
    let t = Date.now();
    await unpackDebs(opts.sh, resolved.debs.values(), root);
    log(`test image: unpacked ${resolved.debs.size} packages (${secs(t)})`);
    t = Date.now();
    const { entries, modules } = await initramfsEntries(root, release, resolved.kernelPackage);
    const initrd = gzipInitramfs(writeCpio(entries));
    await writeFile(join(work, 'initrd.img'), initrd);
    await copyFile(join(root, 'boot', `vmlinuz-${release}`), join(work, 'vmlinuz'));
    log(
      `test image: initramfs of ${entries.length} entries, ${mib(initrd.length)} gzipped, ` +
        `${modules.length} kernel modules (${secs(t)})`,
    );
    t = Date.now();
    const disk = join(work, 'disk.qcow2');
    const diskBytes = await buildDisk(
      opts.sh,
      { kernel: join(work, 'vmlinuz'), initrd: join(work, 'initrd.img'), toolsRoot: root, workDir: work },
      disk,
    );
    const manifest: Manifest = { key, kernelRelease: release, packages, modules };
    await writeFile(join(work, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
    await rename(join(work, 'vmlinuz'), out.kernel);
    await rename(join(work, 'initrd.img'), out.initrd);
    await rename(disk, out.disk);
    await rename(join(work, 'manifest.json'), manifestPath);
    log(`test image: ${out.disk}, ${mib(diskBytes)} qcow2 (${secs(t)})`);
    return result(false, diskBytes);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** What a killed build left (about 100 MB each); a build takes seconds, so an hour-old one is dead. */
async function removeStaleWorkDirs(dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    if (!name.startsWith('work-')) continue;
    const st = await stat(join(dir, name)).catch(() => undefined);
    if (st && Date.now() - st.mtimeMs > 3600_000) await rm(join(dir, name), { recursive: true, force: true });
  }
}

function recipeKey(release: string, packages: readonly string[]): string {
  const files = guestFiles({ kernelRelease: release, modules: GUEST_MODULES, builtFrom: '' });
  const h = createHash('sha256').update(RECIPE).update(JSON.stringify(packages)).update(JSON.stringify(GUEST_MODULES));
  for (const f of files) h.update(JSON.stringify(f));
  h.update(syslinuxCfg('vmlinuz', 'initrd.img'));
  return h.digest('hex');
}

async function requireTools(sh: Shell): Promise<void> {
  for (const [tool, pkg] of [
    ['apt-get', 'apt'],
    ['dpkg-deb', 'dpkg'],
    ['qemu-img', 'qemu-utils'],
  ] as const) {
    const r = await sh.run([tool, '--version'], { allowFailure: true, timeoutSec: 30 });
    if (r.code !== 0) throw new Error(`building the test image needs ${tool}: apt-get install ${pkg}`);
  }
}

/** A file of the unpacked tree, following its symlinks but never out of `root`. */
async function readInside(root: string, rel: string): Promise<Buffer> {
  const real = await realpath(join(root, rel));
  if (relative(root, real).startsWith('..'))
    throw new Error(`${rel} in the unpacked packages points outside them (${real})`);
  return readFile(real);
}

async function findLibrary(root: string, soname: string): Promise<Buffer> {
  for (const d of LIB_DIRS) {
    const data = await readInside(root, join(d, soname)).catch(() => undefined);
    if (data) return data;
  }
  throw new Error(
    `library ${soname} is in none of the unpacked packages (${LIB_DIRS.join(', ')}); add its package to IMAGE_PACKAGES`,
  );
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** Programs, their libraries, the kernel modules and the guest's own files. */
export async function initramfsEntries(
  root: string,
  release: string,
  kernelPackage: string,
): Promise<{ entries: CpioEntry[]; modules: string[] }> {
  const entries: CpioEntry[] = [];
  const libs = new Map<string, Buffer>();
  const need = async (buf: Buffer, what: string) => {
    for (const so of neededLibraries(buf, what)) {
      if (libs.has(so)) continue;
      const data = await findLibrary(root, so);
      libs.set(so, data);
      await need(data, so);
    }
  };
  for (const p of PROGRAMS) {
    const data = await readInside(root, p.from);
    await need(data, p.from);
    entries.push({ path: p.to, kind: 'file', data, mode: p.mode ?? 0o755 });
  }
  for (const [so, data] of [...libs].sort(([a], [b]) => a.localeCompare(b))) {
    entries.push({ path: `${GUEST_LIB_DIR}/${so}`, kind: 'file', data, mode: 0o755 });
  }
  // the dynamic loader's fixed path (PT_INTERP) in every x86_64 program
  if (libs.has('ld-linux-x86-64.so.2'))
    entries.push({
      path: 'lib64/ld-linux-x86-64.so.2',
      kind: 'symlink',
      target: `../${GUEST_LIB_DIR}/ld-linux-x86-64.so.2`,
    });
  entries.push({ path: 'usr/bin/ssh', kind: 'symlink', target: 'dbclient' });

  const modDir = join(root, 'lib/modules', release);
  const files = new Map<string, string>();
  const all = await walk(join(modDir, 'kernel'));
  for (const f of all) if (f.endsWith('.ko')) files.set(moduleName(f), f);
  // Debian 12's kernels ship plain .ko files; later ones compress them, which busybox's insmod cannot load
  if (files.size === 0 && all.some((f) => /\.ko\.(xz|zst|gz)$/.test(f))) {
    throw new Error(
      `the modules of ${kernelPackage} are compressed (.ko.xz/.ko.zst): not supported by the test image yet`,
    );
  }
  const builtin = parseModulesBuiltin(await readFile(join(modDir, 'modules.builtin'), 'utf8'));
  const depCache = new Map<string, string[]>();
  const contents = new Map<string, Buffer>();
  // loadOrder is synchronous: read every module it may ask about first (the wanted ones and their dependencies)
  const pending = [...GUEST_MODULES];
  while (pending.length) {
    const name = pending.pop()!;
    if (depCache.has(name) || builtin.has(name) || !files.has(name)) continue;
    const data = await readFile(files.get(name)!);
    contents.set(name, data);
    const deps = moduleDepends(data, name);
    depCache.set(name, deps);
    pending.push(...deps);
  }
  const modules = loadOrder(GUEST_MODULES, { depends: (n) => depCache.get(n), builtin: (n) => builtin.has(n) });
  for (const m of modules)
    entries.push({ path: `lib/modules/${release}/${m}.ko`, kind: 'file', data: contents.get(m)!, mode: 0o644 });

  const builtFrom = `${kernelPackage}, busybox-static, dropbear-bin`;
  entries.push(...guestFiles({ kernelRelease: release, modules, builtFrom }));
  return { entries, modules };
}

const secs = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)}s`;
const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;
