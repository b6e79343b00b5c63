// Booting the test image under plain qemu (no libvirt, no nova), for the
// integration test and the benchmark: TCG, a virtio disk (snapshot=on: the
// image is never written), a vfat config drive, and user-mode networking
// with `restrict=on` (the guest reaches nothing beyond qemu's own DHCP; only
// the forwarded SSH port comes in), so a boot sends no packet off this host.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Shell } from '../types/shell.ts';
import { ensureDeb, pickCached } from './debs.ts';

export interface QemuBootOptions {
  disk: string;
  /**
   * A config drive as libvirt attaches nova's: iso9660 (nova's default format)
   * on the i440fx IDE CD-ROM, vfat as a second virtio disk.
   */
  configDrive?: { path: string; format: ConfigDriveFormat };
  /** Host port forwarded to the guest's port 22 (127.0.0.1 only). */
  sshPort: number;
  consoleLog: string;
  /**
   * A port on 127.0.0.1 serving the metadata service's paths: the guest's
   * 169.254.169.254:80 is forwarded there (through `busybox nc`, one per
   * connection). qemu forwards only addresses of its own network, so that
   * network becomes 169.254.169.0/24 (the guest gets 169.254.169.15).
   */
  metadataPort?: number;
  memoryMiB?: number;
  accel?: 'tcg' | 'kvm';
}

export function qemuArgv(o: QemuBootOptions): string[] {
  const argv = [
    'qemu-system-x86_64',
    '-machine',
    `pc,accel=${o.accel ?? 'tcg'}`,
    '-m',
    String(o.memoryMiB ?? 256),
    '-smp',
    '1',
    '-display',
    'none',
    '-serial',
    `file:${o.consoleLog}`,
    '-drive',
    `file=${o.disk},if=virtio,format=qcow2,snapshot=on`,
  ];
  if (o.configDrive?.format === 'vfat')
    argv.push('-drive', `file=${o.configDrive.path},if=virtio,format=raw,readonly=on`);
  if (o.configDrive?.format === 'iso9660')
    argv.push('-drive', `file=${o.configDrive.path},if=ide,media=cdrom,format=raw,readonly=on`);
  const md = o.metadataPort
    ? `,net=169.254.169.0/24,guestfwd=tcp:169.254.169.254:80-cmd:busybox nc 127.0.0.1 ${o.metadataPort}`
    : '';
  argv.push(
    '-netdev',
    `user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:${o.sshPort}-:22${md}`,
    '-device',
    'virtio-net-pci,netdev=n0',
    '-no-reboot',
  );
  return argv;
}

export interface RunningGuest {
  pid: number;
  child: ChildProcess;
  /** qemu's resident memory now, in KiB (from /proc/<pid>/status). */
  rssKiB(): Promise<number>;
  /** End qemu (SIGTERM, then SIGKILL after 5 s) by its PID. */
  stop(): Promise<void>;
}

export async function bootQemu(o: QemuBootOptions): Promise<RunningGuest> {
  const [cmd, ...args] = qemuArgv(o);
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', () => resolve());
    child.once('error', (e) =>
      reject(new Error(`cannot start qemu-system-x86_64 (apt-get install qemu-system-x86): ${e.message}`)),
    );
  });
  const pid = child.pid!;
  return {
    pid,
    child,
    async rssKiB() {
      const status = await readFile(`/proc/${pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      process.kill(pid, 'SIGTERM');
      const t = setTimeout(() => {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 5000);
      await exited;
      clearTimeout(t);
      if (stderr.trim() && child.exitCode !== 0 && child.signalCode !== 'SIGTERM')
        throw new Error(`qemu: ${stderr.trim()}`);
    },
  };
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface SshOptions {
  port: number;
  key: string;
  user?: string;
  command: string;
}

/** One ssh attempt with a short timeout; never asks anything, trusts the fresh host key. */
export function sshOnce(o: SshOptions, timeoutMs = 15_000): Promise<{ code: number; stdout: string; stderr: string }> {
  const args = [
    '-i',
    o.key,
    '-p',
    String(o.port),
    '-o',
    'BatchMode=yes',
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
    '-o',
    'LogLevel=ERROR',
    '-o',
    'ConnectTimeout=5',
    `${o.user ?? 'cirros'}@127.0.0.1`,
    o.command,
  ];
  return new Promise((resolve) => {
    const child = spawn('ssh', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (e) => {
      clearTimeout(t);
      resolve({ code: 127, stdout, stderr: `cannot run ssh (apt-get install openssh-client): ${e.message}` });
    });
    child.once('exit', (code) => {
      clearTimeout(t);
      resolve({ code: code ?? 255, stdout, stderr });
    });
  });
}

/** Retry ssh until it works or `deadlineMs` passes; returns the output and the time it took. */
export async function waitForSsh(
  o: SshOptions,
  deadlineMs: number,
  alive: () => boolean = () => true,
): Promise<{ stdout: string; ms: number }> {
  const start = Date.now();
  let last = '';
  while (Date.now() - start < deadlineMs) {
    if (!alive()) throw new Error('qemu exited before SSH answered');
    const r = await sshOnce(o, Math.min(15_000, Math.max(1000, deadlineMs - (Date.now() - start))));
    if (r.code === 0) return { stdout: r.stdout, ms: Date.now() - start };
    last = r.stderr.trim();
    await new Promise((res) => setTimeout(res, 1000));
  }
  throw new Error(`no SSH within ${deadlineMs / 1000}s (last: ${last || 'no answer'})`);
}

export type ConfigDriveFormat = 'iso9660' | 'vfat';

export interface ConfigDrive {
  hostname: string;
  publicKeys: Record<string, string>;
  userData?: string;
  uuid?: string;
}

/**
 * A config drive like nova's (label config-2, openstack/latest/): vfat made
 * with mtools, iso9660 with genisoimage (nova's mkisofs), both run from .debs
 * in the test image's cache (`debsDir`; genisoimage is downloaded once).
 */
export async function makeConfigDrive(
  sh: Shell,
  debsDir: string,
  path: string,
  cd: ConfigDrive,
  format: ConfigDriveFormat = 'vfat',
): Promise<void> {
  const tool = format === 'vfat' ? 'mtools' : 'genisoimage';
  // mtools came with the image's packages; genisoimage is fetched for this (nova's n-cpu host would have it)
  const cached = pickCached(await readdir(debsDir)).get('mtools');
  if (format === 'vfat' && !cached) throw new Error(`no mtools .deb in ${debsDir}: build the test image first`);
  const deb = format === 'vfat' ? join(debsDir, cached!) : await ensureDeb(sh, debsDir, tool);
  const work = await mkdtemp(join(tmpdir(), 'tstack-configdrive-'));
  try {
    await sh.run(['dpkg-deb', '-x', deb, join(work, 'tools')]);
    const top = join(work, 'drive');
    const latest = join(top, 'openstack', 'latest');
    await mkdir(latest, { recursive: true });
    const meta = {
      uuid: cd.uuid ?? '00000000-0000-4000-8000-000000000001',
      hostname: cd.hostname,
      name: cd.hostname.split('.')[0],
      public_keys: cd.publicKeys,
    };
    await writeFile(join(latest, 'meta_data.json'), JSON.stringify(meta));
    if (cd.userData !== undefined) await writeFile(join(latest, 'user_data'), cd.userData);
    const bin = join(work, 'tools/usr/bin');
    await rm(path, { force: true });
    if (format === 'iso9660') {
      // nova's mkisofs options (nova/virt/configdrive.py)
      await sh.run([
        join(bin, 'genisoimage'),
        '-o',
        path,
        '-ldots',
        '-allow-lowercase',
        '-allow-multidot',
        '-l',
        '-quiet',
        '-J',
        '-r',
        '-V',
        'config-2',
        top,
      ]);
      return;
    }
    const env = {
      PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      MTOOLSRC: '/dev/null',
      MTOOLS_SKIP_CHECK: '1',
    };
    await sh.run(['mformat', '-i', path, '-C', '-T', '4096', '-v', 'config-2', '::'], { env });
    await sh.run(['mcopy', '-s', '-i', path, join(top, 'openstack'), '::/'], { env });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
