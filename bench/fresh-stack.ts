// A cold `./stack.ts` on a fresh Debian 12, default services, with its phase table: issue 15's fresh-VM figure.
//
//   npm run bench:fresh -- [--config PATH] [--keep] [--minbase]
//
// This machine is shared and its packages may not be purged, so the fresh system is a chroot
// (bench/fresh-chroot.ts): a debootstrap minbase plus the packages a fresh VM of this kind comes with
// (bench/vm-image-packages.txt), or the bare minbase with --minbase. The stack runs inside it: tstack's own
// apt step installs every package from Debian's archive (download included), then every other phase runs as
// on a VM. The chroot shares this
// machine's kernel and network, so it runs under the machine lock with no other stack up (checked: the ports
// of MariaDB, RabbitMQ, keystone and the OVN databases must be free).
//
// Then the stack does real work (a server to ACTIVE, a volume attached to it: smoke()), so a package apt no
// longer brings (APT_NO_INSTALL_RECOMMENDS) shows here, where nothing was installed by hand; then the warm converge.
// A kernel without device-mapper (this machine's) leaves cinder on its fake driver: the volume is created, and
// the smoke says that no attach was tried.
//
// Not in the figure, as on a VM: debootstrap and the first `apt-get update`, node itself (bound in from the
// host, as `apt-get install nodejs` would put it) and node_modules (bound in read-only, as `npm ci` would).
//
// Isolation and clean-up: the chroot's mounts (proc, sys, dev, /lib/modules, node) live in a private mount
// namespace held by one `unshare` process, so they (and `ip netns` mounts the stack makes) vanish with it and
// never show on the host. The copy is that namespace's root (pivot_root, not chroot), as a VM's disk is: libvirt
// fills each guest's own /dev from the root of qemu's mount namespace. Afterwards `./unstack.ts -a` runs in the
// chroot, then every process still in that namespace is ended by PID, network devices the run created (OVS
// taps, veths) are deleted by name, and the copy is removed (--keep keeps it). The host's /etc/resolv.conf is
// never touched: the chroot has its own copy.

import { spawn } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  statSync,
} from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { RunReport } from '../lib/phases/runner.ts';
import { FAKE_DRIVER, systemDeviceMapper } from '../lib/services/cinder/backends.ts';
import { TOP_DIR } from '../lib/util/paths.ts';
import { checkPrerequisites, ensureFresh, secs, sh, WORK } from './fresh-chroot.ts';

/** Where tstack lives inside the chroot. */
const TSTACK = '/opt/tstack';
const CHROOT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** Ports a running stack holds: MariaDB, RabbitMQ, memcached, keystone (uwsgi), the OVN NB/SB databases. */
const STACK_PORTS = [3306, 5672, 11211, 5000, 6641, 6642];
/** Network devices a stack makes (OVS bridges and taps, Geneve, veths into ovnmeta- namespaces, libvirt's). */
const STACK_LINK = /^(br-|ovs-|genev_sys|tap|veth|virbr|vnet)/;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

/** The private mount namespace the chroot's mounts and processes live in. */
class ChrootNamespace {
  private constructor(
    readonly dir: string,
    readonly holder: number,
    readonly ns: string,
  ) {}

  static async create(dir: string): Promise<ChrootNamespace> {
    const child = spawn('unshare', ['--mount', '--propagation', 'private', '--', 'sleep', 'infinity'], {
      stdio: 'ignore',
      detached: true,
    });
    child.unref();
    const pid = child.pid!;
    const own = readlinkSync('/proc/self/ns/mnt');
    // unshare execs sleep once the namespace is made
    for (let i = 0; i < 100 && readlinkSync(`/proc/${pid}/ns/mnt`) === own; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    return new ChrootNamespace(dir, pid, readlinkSync(`/proc/${pid}/ns/mnt`));
  }

  /** argv run in the namespace: before pivot(), on the host's side of the copy (mounts); after it, in the copy. */
  outside(argv: string[]): string[] {
    return ['nsenter', `--mount=/proc/${this.holder}/ns/mnt`, '--', ...argv];
  }

  /**
   * argv run in the copy with a VM login's clean environment. Entering the namespace puts a process at the
   * namespace's root, which pivot() made the copy: no chroot, whose root setns(2) would drop.
   */
  inside(argv: string[], env: Record<string, string> = {}): string[] {
    const vars = Object.entries({ PATH: CHROOT_PATH, HOME: '/root', LANG: 'C.UTF-8', TERM: 'dumb', ...env });
    return this.outside(['env', '-i', ...vars.map(([k, v]) => `${k}=${v}`), ...argv]);
  }

  async mounts(): Promise<void> {
    const m = (...argv: string[]) => sh(this.outside(['mount', ...argv]));
    // the chroot's / a mount point, as a VM's is: libvirt makes each qemu's mounts slaves of / (MS_SLAVE on
    // "/"), which fails with EINVAL on a plain directory and leaves every server in ERROR
    await m('--bind', this.dir, this.dir);
    await m('-t', 'proc', 'proc', join(this.dir, 'proc'));
    await m('--rbind', '/sys', join(this.dir, 'sys'));
    await m('--rbind', '/dev', join(this.dir, 'dev'));
    // the kernel's modules, as a VM has them for its own kernel (modprobe openvswitch, nbd...)
    mkdirSync(join(this.dir, 'lib/modules'), { recursive: true });
    await m('--bind', '-o', 'ro', '/lib/modules', join(this.dir, 'lib/modules'));
    await m('-t', 'tmpfs', 'tmpfs', join(this.dir, 'run'));
    // node as `apt-get install nodejs` puts it; tstack's node_modules as `npm ci` leaves them
    await sh(['touch', join(this.dir, 'usr/bin/node')]);
    await m('--bind', '-o', 'ro', realpathSync('/usr/bin/node'), join(this.dir, 'usr/bin/node'));
    mkdirSync(join(this.dir, TSTACK, 'node_modules'), { recursive: true });
    await m('--bind', '-o', 'ro', realpathSync(join(TOP_DIR, 'node_modules')), join(this.dir, TSTACK, 'node_modules'));
    await this.pivot();
  }

  /**
   * The copy becomes the namespace's root mount (pivot_root), as a VM's disk is its root: a chroot is not
   * enough. libvirt gives each qemu a mount namespace with its own /dev and fills it from libvirtd through
   * setns(2), which puts the filling process at the namespace's root: under a chroot, that was the host's /,
   * so the guest's /dev/urandom and disk were made or looked for there, and qemu failed on
   * `Could not open '/dev/urandom'`. The host's tree is detached from the namespace afterwards.
   */
  private async pivot(): Promise<void> {
    const old = '.host-root';
    await sh(this.outside(['sh', '-c', `cd "$1" && mkdir -p ${old} && pivot_root . ${old}`, 'pivot', this.dir]));
    await sh(this.outside(['sh', '-c', `umount -R -l /${old} && rmdir /${old}`]));
  }

  /** Every process in the namespace (the holder last): what the stack left, ended by PID. */
  members(): number[] {
    const out: number[] = [];
    // qemu runs in a mount namespace of its own (libvirt's), whose root is still the copy's root directory
    const root = statSync(this.dir);
    for (const p of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      if (Number(p) === this.holder) continue;
      try {
        const r = statSync(`/proc/${p}/root`);
        if (readlinkSync(`/proc/${p}/ns/mnt`) === this.ns || (r.dev === root.dev && r.ino === root.ino)) {
          out.push(Number(p));
        }
      } catch {
        // gone, or a kernel thread
      }
    }
    return out;
  }

  async end(): Promise<number> {
    const signal = (pids: number[], sig: NodeJS.Signals) => {
      for (const pid of pids) {
        try {
          process.kill(pid, sig);
        } catch {
          // gone already
        }
      }
    };
    const left = this.members();
    signal(left, 'SIGTERM');
    for (let i = 0; i < 50 && this.members().length; i++) await new Promise((r) => setTimeout(r, 100));
    signal(this.members(), 'SIGKILL');
    signal([this.holder], 'SIGKILL');
    return left.length;
  }
}

function linkNames(): Promise<Set<string>> {
  return sh(['ip', '-o', 'link', 'show']).then(
    (out) => new Set(out.split('\n').flatMap((l) => (/^\d+: ([^:@]+)/.exec(l) ? [/^\d+: ([^:@]+)/.exec(l)![1]] : []))),
  );
}

async function busyPorts(): Promise<number[]> {
  const out = await sh(['ss', '-Hltn']);
  return STACK_PORTS.filter((p) => new RegExp(`:${p}\\s`).test(out));
}

/** The chroot's copy of tstack: the files git knows, as they are in the work tree (uncommitted edits too). */
async function copyTstack(dir: string, config?: string): Promise<void> {
  const dest = join(dir, TSTACK);
  mkdirSync(dest, { recursive: true });
  if (existsSync(join(TOP_DIR, '.git'))) {
    await sh(['sh', '-c', `cd "${TOP_DIR}" && git ls-files -z | xargs -0 cp --parents -t "${dest}"`]);
  } else {
    // an exported tree (git archive): all of it but the dependencies and a run's own state
    const skip = ['node_modules', '.stackenv', '.localrc.password', 'local.conf', 'openrc'];
    await sh([
      'sh',
      '-c',
      `tar -C "${TOP_DIR}" ${skip.map((s) => `--exclude=./${s}`).join(' ')} -cf - . | tar -C "${dest}" -xf -`,
    ]);
  }
  if (config) await sh(['cp', config, join(dest, 'local.conf')]);
}

/** `./stack.ts` in the chroot, its output to `logFile`; the wall time and the exit code. */
function runStack(ns: ChrootNamespace, logFile: string): Promise<{ ms: number; code: number }> {
  const t0 = performance.now();
  const argv = ns.inside([join(TSTACK, 'stack.ts')], { CI: 'true' });
  const log = createWriteStream(logFile);
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    // a few lines as it goes: the apt step's progress and each phase
    child.stdout.on('data', (b: Buffer) => {
      for (const l of b.toString().split('\n')) if (/\] phase |apt:|FAILED/.test(l)) console.log(`    | ${l}`);
    });
    child.on('close', (code) => resolve({ ms: performance.now() - t0, code: code ?? 1 }));
  });
}

const minbaseLabel = () => (process.argv.includes('--minbase') ? 'minbase chroot' : 'VM-image chroot');

function printReport(wallMs: number, report: RunReport, out: string): void {
  console.log(
    `\nfresh cold ./stack.ts (${minbaseLabel()}): ${secs(wallMs)} wall ` +
      `(target 150 s; runner total ${secs(report.totalMs)})`,
  );
  console.log(`  ${'node start-up, config, plan'.padEnd(28)} ${secs(report.setupMs ?? 0).padStart(6)}`);
  for (const p of report.phases) {
    if (p.steps === 0) continue;
    console.log(`  ${p.name.padEnd(28)} ${secs(p.ms).padStart(6)}  ${p.steps} steps, ${p.skipped} skipped`);
  }
  // one line per apt wave (the early one first, when there is one)
  const apt = [...out.matchAll(/apt: \d+ package\(s\) downloaded in \d+ s, installed in .*/g)].map((m) => m[0]);
  for (const line of apt.length ? apt : ['apt: no install line in the output']) console.log(`  ${line}`);
  console.log('  slowest steps:');
  for (const s of [...report.steps].sort((a, b) => b.ms - a.ms).slice(0, 8)) {
    console.log(`    ${s.id.padEnd(26)} ${secs(s.ms).padStart(6)}`);
  }
}

/** The run's record in the chroot (SERVICE_DIR/last-run.json), when the run got that far. */
function lastRun(dir: string): RunReport | undefined {
  const env = join(dir, TSTACK, '.stackenv');
  if (!existsSync(env)) return undefined;
  const file = join(dir, (JSON.parse(readFileSync(env, 'utf8')) as { stateDir: string }).stateDir, 'last-run.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { report: RunReport }).report : undefined;
}

/**
 * The fresh stack does real work, with only what apt installed for it: a server to ACTIVE, a volume to available
 * and attached to it (in-use: `openstack server add volume` returns before the attach is done or has failed), all
 * deleted again (`openstack` as demo, clouds.yaml's `devstack`). ATTACH=0 leaves the attach out. Its lines, or why
 * it failed.
 */
const SMOKE = `set -e
export OS_CLOUD=devstack
status_is() { # volume wanted-status seconds: wait for it, fail with the status it has
  for i in $(seq "$3"); do [ "$(openstack volume show -f value -c status "$1")" = "$2" ] && return 0; sleep 1; done
  echo "volume $1: $(openstack volume show -f value -c status "$1") after $3 s, not $2"; return 1
}
image=$(openstack image list -f value -c Name | head -n 1)
t0=$(date +%s)
openstack server create --flavor m1.tiny --image "$image" --network private --wait fresh-vm >/dev/null
t1=$(date +%s)
status=$(openstack server show -f value -c status fresh-vm)
echo "server fresh-vm ($image): $status in $((t1 - t0)) s"
[ "$status" = ACTIVE ]
openstack volume create --size 1 -f value -c id fresh-vol >/dev/null
status_is fresh-vol available 60
echo "volume fresh-vol: available in $(($(date +%s) - t1)) s"
if [ "$ATTACH" = 1 ]; then
  t2=$(date +%s)
  openstack server add volume fresh-vm fresh-vol
  status_is fresh-vol in-use 60
  echo "volume fresh-vol: in-use (attached to fresh-vm) in $(($(date +%s) - t2)) s"
fi
openstack server delete --wait fresh-vm
status_is fresh-vol available 60
openstack volume delete fresh-vol
`;

/**
 * Why no attach can be tried, or undefined: with no device-mapper in the kernel cinder runs its fake driver
 * (lib/services/cinder/backends.ts), which exports nothing a libvirt guest could attach (nova fails on
 * KeyError 'target_portal'); the kernel is this machine's, as it is a VM's of this kind.
 */
function noAttach(dir: string): string | undefined {
  const conf = join(dir, 'etc/cinder/cinder.conf');
  if (!existsSync(conf) || !readFileSync(conf, 'utf8').includes(FAKE_DRIVER)) return undefined;
  return `cinder runs its fake driver: ${systemDeviceMapper.check().reason}`;
}

async function smoke(ns: ChrootNamespace): Promise<boolean> {
  const t0 = performance.now();
  const skip = noAttach(ns.dir);
  const what = skip ? 'server create + volume create' : 'server create + volume attach';
  try {
    const out = await sh(ns.inside(['bash', '-c', SMOKE], { ATTACH: skip ? '0' : '1' }));
    console.log(`\nsmoke (${what}, as demo): ok in ${secs(performance.now() - t0)}`);
    for (const l of out.split('\n').filter((x) => /ACTIVE|volume/.test(x))) console.log(`  ${l}`);
    if (skip) console.log(`  volume attach NOT tried: ${skip}`);
    return true;
  } catch (e) {
    const err = e as Error & { stdout?: string; stderr?: string };
    console.log(
      `\nsmoke (${what}) FAILED after ${secs(performance.now() - t0)}:\n` +
        `${`${err.stdout ?? ''}${err.stderr ?? ''}`.slice(-2000)}`,
    );
    console.log(await sh(ns.inside(['bash', '-c', SMOKE_FAULT])).catch((x: Error) => x.message));
    return false;
  }
}

/** Why a server went to ERROR: its fault (admin sees the details) and n-cpu's last errors. */
const SMOKE_FAULT = `export OS_CLOUD=devstack
openstack server show fresh-vm -f value -c status -c fault 2>&1 | cut -c1-1500
grep -h ' ERROR ' /opt/stack/logs/n-cpu.log /opt/stack/logs/n-cond.log 2>/dev/null | tail -n 8 | cut -c1-400
`;
function printWarm(wallMs: number, report: RunReport): void {
  const tenths = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const phases = report.phases.reduce((a, p) => a + p.ms, 0);
  console.log(`\nwarm converge (./stack.ts again, unchanged): ${tenths(wallMs)} wall (target 5.0 s)`);
  console.log(`  node start-up, config, plan ${tenths(report.setupMs ?? 0).padStart(7)}`);
  console.log(`  phases                      ${tenths(phases).padStart(7)}`);
  console.log(`  summary and exit            ${tenths(wallMs - (report.setupMs ?? 0) - report.totalMs).padStart(7)}`);
  for (const s of report.steps.filter((x) => x.ms >= 100).sort((a, b) => b.ms - a.ms)) {
    console.log(`    ${s.id.padEnd(26)} ${tenths(s.ms).padStart(7)}  ${s.status}`);
  }
}

async function main(): Promise<void> {
  checkPrerequisites('bench/fresh-stack.ts');
  const config = arg('config');
  if (config && !existsSync(config)) throw new Error(`--config ${config}: no such file`);
  const busy = await busyPorts();
  if (busy.length) {
    throw new Error(`ports ${busy.join(', ')} are in use: a stack runs on this machine (./unstack.ts -a first)`);
  }
  const minbase = process.argv.includes('--minbase');
  console.log(
    `bench/fresh-stack.ts: ${config ?? 'default services (no local.conf)'}; ` +
      `${minbase ? 'a bare debootstrap minbase' : 'the VM image (bench/vm-image-packages.txt)'}; ` +
      new Date().toISOString(),
  );
  const base = await ensureFresh(minbase);
  const dir = join(WORK, 'stack');
  await sh(['rm', '-rf', '--one-file-system', dir]);
  await sh(['cp', '-a', base, dir]);
  // a fresh VM has no eatmydata: the apt step installs it first, as it would there
  await sh(['chroot', dir, 'dpkg', '--purge', 'eatmydata', 'libeatmydata1']);
  await copyTstack(dir, config);
  const linksBefore = await linkNames();
  const ns = await ChrootNamespace.create(dir);
  const logFile = join(WORK, 'stack.log');
  let failure: Error | undefined;
  try {
    await ns.mounts();
    console.log(`  ./stack.ts in ${dir} (log ${logFile}):`);
    const r = await runStack(ns, logFile);
    const out = readFileSync(logFile, 'utf8');
    const report = lastRun(dir);
    if (report) printReport(r.ms, report, out);
    if (r.code !== 0 && r.code !== 3) {
      failure = new Error(`./stack.ts in the chroot failed (exit ${r.code}); its last lines:\n${out.slice(-3000)}`);
    } else {
      const smoked = await smoke(ns);
      // the same stack, unchanged: issue 15's warm converge on the default services
      const warmLog = join(WORK, 'stack-warm.log');
      const w = await runStack(ns, warmLog);
      const warm = lastRun(dir);
      if (warm) printWarm(w.ms, warm);
      if (w.code !== 0 && w.code !== 3) console.log(`  warm converge failed (exit ${w.code}): see ${warmLog}`);
      if (!smoked) failure = new Error('the smoke test failed (its lines above)');
    }
  } catch (e) {
    failure = e as Error;
  } finally {
    const t0 = performance.now();
    await sh(ns.inside([join(TSTACK, 'unstack.ts'), '-a'], { CI: 'true' })).catch((e: Error) =>
      console.log(`  ./unstack.ts -a in the chroot failed: ${e.message.split('\n')[0]}`),
    );
    const ended = await ns.end();
    const created = [...(await linkNames())].filter((n) => !linksBefore.has(n) && STACK_LINK.test(n));
    for (const link of created) await sh(['ip', 'link', 'delete', link]).catch(() => undefined);
    const still = [...(await linkNames())].filter((n) => !linksBefore.has(n));
    console.log(
      `\nclean-up: ./unstack.ts -a and ${ended} leftover process(es) ended in ${secs(performance.now() - t0)}; ` +
        `links deleted: ${created.join(' ') || 'none'}${still.length ? `; STILL THERE: ${still.join(' ')}` : ''}`,
    );
    // the stack's logs outlive the copy, for a look after the run
    await sh(['rm', '-rf', join(WORK, 'logs')]);
    await sh(['cp', '-a', join(dir, 'opt/stack/logs'), join(WORK, 'logs')]).catch(() => undefined);
    if (!process.argv.includes('--keep')) await sh(['rm', '-rf', '--one-file-system', dir]);
  }
  if (failure) throw failure;
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
