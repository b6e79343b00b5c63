// LIBVIRT_TYPE from what actually runs, not from the presence of /dev/kvm.
//
// A machine can have a /dev/kvm that opens fine while KVM guests still cannot
// run: this project's build machine (a Firecracker VM with nested KVM) hangs a
// guest with qemu's default CPU model and aborts on MSR 0x10a with -cpu host,
// while TCG boots the same kernel to its init in a few seconds. So the choice
// boots a tiny guest (a kernel and initramfs, no disk) under KVM with a short
// deadline and keeps the answer in a cache keyed by everything that decides it
// (host kernel, qemu version, the CPU model, the guest kernel). A cached or
// probed failure falls back to qemu (TCG) with the reason in the plan; a
// LIBVIRT_TYPE=kvm the probe refutes is an error before anything is installed.
//
// On a fresh machine qemu is not installed yet when the plan is made: the
// choice is then `pending`, and the libvirt module's step after the package
// install runs the probe (and fails the run there if kvm was forced).

import { accessSync, constants, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { release } from 'node:os';
import type { StackConfig } from '../../types/config.ts';
import { ConfigError } from '../../util/errors.ts';
import { readSetting } from '../../config/read.ts';
import { PROBE_ARG, PROBE_MARKER } from '../../image/test-image.ts';

export type LibvirtType = 'kvm' | 'qemu';

/** What the probe boots: a kernel (and an initramfs) that prints to the serial console. */
export interface ProbeGuest {
  kernel: string;
  initrd?: string;
  /** Identifies the guest (its package version): part of the cache key. */
  id: string;
}

export interface ProbeOutcome {
  /** A KVM guest reached its init within the deadline. */
  works: boolean;
  /** One line for the plan: what was booted and what happened. */
  detail: string;
}

/** The cache file's content. */
export interface CachedProbe extends ProbeOutcome {
  key: string;
  at: string;
}

/** The CPU model nova gets for kvm (devstack's custom Nehalem), so the probe tests what the guests will use. */
export const KVM_CPU_MODEL = 'Nehalem';
export const QEMU_BINARY = '/usr/bin/qemu-system-x86_64';
/** TCG reaches the guest's init in about 4 s here and KVM in about 1 s; a hung KVM guest never does. */
export const PROBE_DEADLINE_MS = 15_000;

/**
 * The kernel printed this once it handed over to the initramfs (or found
 * none to hand over to): the guest ran its whole boot under KVM.
 */
export const GUEST_BOOTED = new RegExp(`${PROBE_MARKER}|Run /init as init process|VFS: Unable to mount root fs`);

/** qemu's command line for the probe: no disk, no network, serial console on stdout, no reboot on panic. */
export function probeArgv(guest: ProbeGuest, cpuModel = KVM_CPU_MODEL): string[] {
  return [
    QEMU_BINARY,
    '-machine',
    'pc,accel=kvm',
    '-cpu',
    cpuModel,
    '-m',
    '256',
    '-smp',
    '1',
    '-nodefaults',
    '-display',
    'none',
    '-no-reboot',
    '-serial',
    'stdio',
    '-kernel',
    guest.kernel,
    ...(guest.initrd ? ['-initrd', guest.initrd] : []),
    // the kernel's own messages are the proof: no `quiet`
    // tstack.probe: the test image's /init says so and powers off at once
    '-append',
    `console=ttyS0 panic=-1 ${PROBE_ARG}`,
  ];
}

/** The probe's verdict from qemu's output, whether it matched in time, and its exit. Pure. */
export function judgeProbe(o: {
  output: string;
  booted: boolean;
  timedOut: boolean;
  exitCode?: number | null;
  deadlineMs: number;
}): ProbeOutcome {
  if (o.booted) return { works: true, detail: 'a KVM test guest booted to its init' };
  const lines = o.output
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  // qemu's own complaint (MSR access, KVM_CREATE_VM...) is the most useful line; else the guest's last words
  const qemu = lines.filter((l) => /qemu-system|kvm|KVM|error|MSR/i.test(l) && !/^\[\s*\d/.test(l));
  const last = (qemu.length ? qemu : lines).slice(-2).join(' / ').slice(0, 240);
  if (o.timedOut)
    return {
      works: false,
      detail:
        `a KVM test guest did not reach its init within ${o.deadlineMs / 1000} s` +
        (last ? ` (last output: ${last})` : ''),
    };
  return {
    works: false,
    detail: `a KVM test guest exited with code ${o.exitCode ?? 'unknown'} before its init${last ? `: ${last}` : ''}`,
  };
}

/** Runs qemu until its output matches or the deadline passes; behind an interface so tests use a fake. */
export interface ProbeRunner {
  boot(
    argv: string[],
    until: RegExp,
    deadlineMs: number,
  ): Promise<{ output: string; booted: boolean; timedOut: boolean; exitCode?: number | null }>;
}

/** Everything the choice asks of the machine. */
export interface VirtTypeHost {
  kvmDevice(): { usable: boolean; detail: string };
  /** qemu's version line, or undefined when qemu-system-x86 is not installed. */
  qemuVersion(): string | undefined;
  /** The guest to boot (the test image's kernel), or undefined when it is not available yet. */
  guest(): Promise<ProbeGuest | undefined>;
  runner: ProbeRunner;
  cacheFile: string;
}

export function cacheKey(parts: { hostKernel: string; qemu: string; cpuModel: string; guest: string }): string {
  return `host ${parts.hostKernel}; ${parts.qemu}; cpu ${parts.cpuModel}; guest ${parts.guest}`;
}

export function readCache(file: string, key: string): CachedProbe | undefined {
  try {
    const c = JSON.parse(readFileSync(file, 'utf8')) as CachedProbe;
    return c.key === key && typeof c.works === 'boolean' ? c : undefined;
  } catch {
    return undefined;
  }
}

function writeCache(file: string, c: CachedProbe): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(c, null, 2) + '\n');
  } catch {
    // an unwritable cache only costs a probe on the next run
  }
}

/** Boot the probe guest under KVM once, or take the cached answer for this host, qemu and guest. */
export async function probeKvm(host: VirtTypeHost): Promise<(ProbeOutcome & { cached: boolean }) | undefined> {
  const qemu = host.qemuVersion();
  if (!qemu) return undefined;
  const guest = await host.guest();
  if (!guest) return undefined;
  const key = cacheKey({ hostKernel: release(), qemu, cpuModel: KVM_CPU_MODEL, guest: guest.id });
  const cached = readCache(host.cacheFile, key);
  if (cached) return { works: cached.works, detail: cached.detail, cached: true };
  const r = await host.runner.boot(probeArgv(guest), GUEST_BOOTED, PROBE_DEADLINE_MS);
  const outcome = judgeProbe({ ...r, deadlineMs: PROBE_DEADLINE_MS });
  writeCache(host.cacheFile, { ...outcome, key, at: new Date().toISOString() });
  return { ...outcome, cached: false };
}

export interface VirtTypeChoice {
  type: LibvirtType;
  reason: string;
  /** The probe could not run yet (qemu not installed): the libvirt module's install step decides. */
  pending: boolean;
  /** LIBVIRT_TYPE was set by the user (only then is a failed probe an error). */
  forced: boolean;
}

export function kvmRefused(config: StackConfig, detail: string): ConfigError {
  const where = config.origins.LIBVIRT_TYPE === 'environment' ? ' (from the environment)' : '';
  return new ConfigError(
    `LIBVIRT_TYPE=kvm${where}, but KVM guests cannot run on this machine: ${detail}. ` +
      'Remove the setting (tstack then uses qemu, i.e. TCG) or set LIBVIRT_TYPE=qemu; ' +
      'VIRT_DRIVER=fake boots no guests at all.',
    // where local.conf set it (the parser records each setting's line)
    config.origins.LIBVIRT_TYPE === 'local.conf' ? config.positions.LIBVIRT_TYPE : undefined,
  );
}

/**
 * LIBVIRT_TYPE for this run, with why. Undefined when no libvirt compute runs
 * (VIRT_DRIVER=fake, or n-cpu disabled). Throws ConfigError for a forced kvm
 * that /dev/kvm or the probe refutes.
 */
export async function chooseLibvirtType(config: StackConfig, host: VirtTypeHost): Promise<VirtTypeChoice | undefined> {
  // a plan without nova's rows (a test's own modules) has no compute to choose for
  if (!config.catalog.setting('VIRT_DRIVER') || !config.enabledServices.includes('n-cpu')) return undefined;
  if (readSetting(config, 'VIRT_DRIVER') !== 'libvirt') return undefined;
  const origin = config.origins.LIBVIRT_TYPE;
  const forced = origin === 'local.conf' || origin === 'environment';
  const set = readSetting(config, 'LIBVIRT_TYPE') as LibvirtType;
  if (forced && set === 'qemu')
    return {
      type: 'qemu',
      reason: `LIBVIRT_TYPE=qemu in ${origin === 'environment' ? 'the environment' : 'local.conf'}`,
      pending: false,
      forced,
    };
  const dev = host.kvmDevice();
  if (!dev.usable) {
    if (forced) throw kvmRefused(config, dev.detail);
    return { type: 'qemu', reason: `${dev.detail}: guests run under TCG`, pending: false, forced };
  }
  const probe = await probeKvm(host);
  if (!probe) {
    const missing = host.qemuVersion() ? 'the test image is not built yet' : 'qemu is not installed yet';
    return {
      type: forced ? 'kvm' : 'qemu',
      reason: `KVM is probed right after the packages are installed (${missing})`,
      pending: true,
      forced,
    };
  }
  const how = probe.cached ? ' (cached probe)' : '';
  if (probe.works) return { type: forced ? set : 'kvm', reason: `${probe.detail}${how}`, pending: false, forced };
  if (forced) throw kvmRefused(config, `${probe.detail}${how}`);
  return {
    type: 'qemu',
    reason: `${probe.detail}${how}: guests run under TCG (LIBVIRT_TYPE=qemu)`,
    pending: false,
    forced,
  };
}

/** /dev/kvm present and openable read-write. */
export function kvmDevice(path = '/dev/kvm'): { usable: boolean; detail: string } {
  if (!existsSync(path)) return { usable: false, detail: `${path} does not exist` };
  try {
    accessSync(path, constants.R_OK | constants.W_OK);
    return { usable: true, detail: `${path} is usable` };
  } catch {
    return { usable: false, detail: `${path} cannot be opened read-write` };
  }
}

/** The real runner: qemu as a child, killed as soon as the guest booted or the deadline passed. */
export const qemuRunner: ProbeRunner = {
  boot(argv, until, deadlineMs) {
    return new Promise((resolve) => {
      let output = '';
      let settled = false;
      const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
      const finish = (r: { booted: boolean; timedOut: boolean; exitCode?: number | null }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (child.exitCode === null) child.kill('SIGKILL');
        resolve({ output: output.slice(-4000), ...r });
      };
      const timer = setTimeout(() => finish({ booted: false, timedOut: true }), deadlineMs);
      const onData = (d: Buffer) => {
        output += d.toString();
        if (until.test(output)) finish({ booted: true, timedOut: false });
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.on('error', (e) => {
        output += `\n${e.message}`;
        finish({ booted: false, timedOut: false, exitCode: null });
      });
      child.on('exit', (code) => finish({ booted: until.test(output), timedOut: false, exitCode: code }));
    });
  },
};

/** `qemu-system-x86_64 --version`'s first line, or undefined when qemu is not installed. */
export function qemuVersion(binary = QEMU_BINARY): string | undefined {
  if (!existsSync(binary)) return undefined;
  const r = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  return r.status === 0 ? r.stdout.split('\n')[0].trim() : undefined;
}

/** The probe's cache: in files/, beside the image cache, so the run after `unstack --clean` need not probe again. */
export function probeCacheFile(filesDir: string): string {
  return join(filesDir, 'kvm-probe.json');
}

export function systemVirtTypeHost(filesDir: string, guest: () => Promise<ProbeGuest | undefined>): VirtTypeHost {
  return {
    kvmDevice: () => kvmDevice(),
    qemuVersion: () => qemuVersion(),
    guest,
    runner: qemuRunner,
    cacheFile: probeCacheFile(filesDir),
  };
}
