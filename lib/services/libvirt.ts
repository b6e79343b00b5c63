// libvirt for nova's libvirt driver: virtlogd and libvirtd as panes, in the
// foreground (no -d, no systemd), libvirtd with a config file of its own so
// Debian's stays untouched. devstack enables this service (`libvirt`)
// implicitly when n-cpu runs the libvirt driver; so does tstack.
//
// Guests are not the daemon's children: libvirt starts each qemu in a session
// of its own, reparented to init, with an environment built from scratch (no
// pane marker), so stopping or restarting the libvirtd pane leaves running
// guests alone, as a real libvirtd restart does. `./unstack.ts` ends them
// afterwards (stop), `--clean` removes nova's domains and their taps (clean).

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Plan, ServiceModule, StackContext } from '../types/stack.ts';
import type { Shell } from '../types/shell.ts';
import type { Logger } from '../types/logger.ts';
import { ensureTestImage, testImageDir } from '../image/test-image.ts';
import { APT_STEP, EARLY_APT_STEP } from '../system/apt.ts';
import { gidOf } from '../system/files.ts';
import { unixSocketProbe } from './common.ts';
import { chooseLibvirtType, kvmRefused, probeKvm, systemVirtTypeHost, type ProbeGuest } from './libvirt/virt-type.ts';

export const LIBVIRTD_CONF = '/etc/libvirt/tstack-libvirtd.conf';
export const LIBVIRT_SOCK = '/run/libvirt/libvirt-sock';
export const VIRTLOGD_SOCK = '/run/libvirt/virtlogd-sock';
const QEMU_RUN = '/run/libvirt/qemu';
const QEMU_ETC = '/etc/libvirt/qemu';
/** Debian's libvirt-daemon-system makes this group; nova-compute (user nova) joins it to use the socket. */
export const LIBVIRT_GROUP = 'libvirt';
/** Marks the domains nova defines (its metadata namespace): the only ones tstack removes. */
const NOVA_XMLNS = 'http://openstack.org/xmlns/libvirt/nova/';

/** n-cpu with the libvirt driver, as nova.ts decides it. */
export function libvirtCompute(plan: Pick<Plan, 'get' | 'isEnabled'>): boolean {
  return plan.isEnabled('n-cpu') && plan.get('VIRT_DRIVER') === 'libvirt';
}

/**
 * libvirtd's whole config. The socket is the libvirt group's, without polkit
 * (there is no D-Bus here; devstack relies on the group too); logs go to
 * stderr, the pane's log.
 */
export function libvirtdConf(): string {
  return [
    '# Written by tstack: libvirtd runs in a pane with --config pointing here.',
    `unix_sock_group = "${LIBVIRT_GROUP}"`,
    'unix_sock_ro_perms = "0777"',
    'unix_sock_rw_perms = "0770"',
    'auth_unix_ro = "none"',
    'auth_unix_rw = "none"',
    'log_outputs = "3:stderr"',
    '',
  ].join('\n');
}

export const KVM_DEVICE = '/dev/kvm';

/**
 * The commands that give /dev/kvm the group Debian's udev rules give it (kvm, read-write), or none when it has it.
 * Without udev (this kind of VM) the node may carry a foreign group, so libvirt-qemu (group kvm) cannot open it
 * while libvirtd (root) can. libvirt then finds "KVM was enabled when probing qemu, but it is not available now"
 * and probes qemu's capabilities again, about 4 s of CPU, on every lookup: every domain start and many of nova's
 * calls. Under load that held each guest's start for a minute or more. Guests still run under TCG when
 * LIBVIRT_TYPE=qemu; this only makes libvirt's view of the device stable.
 */
export function kvmDeviceFixes(dev: { gid: number; mode: number } | undefined, kvmGid: number | undefined): string[][] {
  if (!dev || kvmGid === undefined) return [];
  const fixes: string[][] = [];
  if (dev.gid !== kvmGid) fixes.push(['chgrp', 'kvm', KVM_DEVICE]);
  if ((dev.mode & 0o060) !== 0o060) fixes.push(['chmod', 'g+rw', KVM_DEVICE]);
  return fixes;
}

/** The kvm group's id, undefined on a host without that group (nothing to give /dev/kvm then). */
function kvmGroupId(): number | undefined {
  try {
    return gidOf('kvm');
  } catch {
    return undefined;
  }
}

/** The domain names nova defined, from libvirt's persistent configs (`instance-0000000a.xml`). */
export function novaDomains(files: { name: string; xml: string }[]): string[] {
  return files
    .filter((f) => f.name.endsWith('.xml') && f.xml.includes(NOVA_XMLNS))
    .map((f) => /<name>([^<]+)<\/name>/.exec(f.xml)?.[1])
    .filter((n): n is string => Boolean(n));
}

/** Taps named after a neutron port (`tap` + 11 characters of its id): guests' VIFs, and DHCP ports' OVS devices. */
export function isNovaTap(name: string): boolean {
  return /^tap[0-9a-f]{8}-[0-9a-f]{2}$/.test(name);
}

function readDomainConfigs(dir: string): { name: string; xml: string }[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.xml'))
    .map((f) => ({ name: f, xml: readFileSync(join(dir, f), 'utf8') }));
}

/** Running guests by libvirt's own record: the pid file it keeps per running domain. */
function guestPids(): { domain: string; pid: number }[] {
  if (!existsSync(QEMU_RUN)) return [];
  const out: { domain: string; pid: number }[] = [];
  for (const f of readdirSync(QEMU_RUN).filter((n) => n.endsWith('.pid'))) {
    const pid = Number(readFileSync(join(QEMU_RUN, f), 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0) continue;
    try {
      // only a live qemu: a stale pid file may name a reused pid
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('qemu-system')) continue;
    } catch {
      continue;
    }
    out.push({ domain: f.replace(/\.pid$/, ''), pid });
  }
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** End the guests libvirt started (the daemon is stopped by then): SIGTERM, as libvirt's destroy does, then SIGKILL. */
export async function stopGuests(ctx: { sh: Shell; log: Logger }): Promise<void> {
  const guests = guestPids();
  if (guests.length === 0) return;
  const pids = guests.map((g) => String(g.pid));
  await ctx.sh.run(['kill', '-TERM', ...pids], { allowFailure: true });
  for (let i = 0; i < 100 && guests.some((g) => alive(g.pid)); i++) await new Promise((r) => setTimeout(r, 100));
  const left = guests.filter((g) => alive(g.pid)).map((g) => String(g.pid));
  if (left.length) await ctx.sh.run(['kill', '-KILL', ...left], { allowFailure: true });
  ctx.log.info(`libvirt: stopped ${guests.length} guest(s): ${guests.map((g) => g.domain).join(', ')}`);
}

/** The probe's guest: the test image's kernel and initramfs, as the image build leaves them in files/images. */
export function probeGuestSource(filesDir: string): () => Promise<ProbeGuest | undefined> {
  return async () => {
    const dir = testImageDir(filesDir);
    const kernel = join(dir, 'vmlinuz');
    const initrd = join(dir, 'initrd.img');
    if (!existsSync(kernel) || !existsSync(initrd)) return undefined;
    let id = 'unknown';
    try {
      id = (JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { key?: string }).key ?? id;
    } catch {
      // no manifest: the files alone still boot
    }
    return { kernel, initrd, id };
  };
}

/** LIBVIRT_TYPE for a plan, from the probe; what stack.ts runs before building the plan. */
export function chooseLibvirtTypeFor(config: Parameters<typeof chooseLibvirtType>[0], filesDir: string) {
  return chooseLibvirtType(config, systemVirtTypeHost(filesDir, probeGuestSource(filesDir)));
}

/** What the KVM probe needs installed: qemu to boot its guest, qemu-img to build the test image it boots. */
const KVM_PROBE_PACKAGES = ['qemu-system-x86', 'qemu-utils'];

/** The plan's LIBVIRT_TYPE waits for the probe (a first run, before qemu was installed). */
const kvmProbePending = (plan: Plan) => plan.decisions?.some((d) => d.setting === 'LIBVIRT_TYPE' && d.pending) ?? false;

export const libvirtModule: ServiceModule = {
  name: 'libvirt',
  project: 'nova',
  shortNames: ['libvirt'],
  paneNames: ['libvirtd', 'virtlogd'],
  impliedBy: libvirtCompute,
  installRecommends: false,
  // the KVM probe boots its guest with qemu and builds the test image with qemu-img: both first, so the
  // probe (some 20 s) runs while apt installs everything else
  earlyPackages: (plan) => (kvmProbePending(plan) ? [...KVM_PROBE_PACKAGES] : []),
  configFiles: () => [LIBVIRTD_CONF],
  steps: (plan) => ({
    install: [
      {
        id: 'libvirt:kvm-probe',
        // a KVM guest that never boots waits out its 15 s deadline
        expectSec: 19,
        title: 'can KVM guests run here? (LIBVIRT_TYPE)',
        after: [kvmProbePending(plan) ? EARLY_APT_STEP : APT_STEP],
        async run(ctx: StackContext) {
          // The plan had its answer (a forced kvm was checked then); only a first run, before qemu was
          // installed, asks here.
          const decision = ctx.plan.decisions?.find((d) => d.setting === 'LIBVIRT_TYPE');
          if (!decision?.pending) return;
          const filesDir = ctx.plan.dirs.filesDir;
          // the probe boots the test image's kernel: build it now (seeding uploads the same build later)
          await ensureTestImage({ filesDir, sh: ctx.sh, log: (l) => ctx.log.info(l) }).catch((err: unknown) =>
            ctx.log.warn(
              `libvirt: no test image to probe KVM with: ${err instanceof Error ? err.message : String(err)}`,
            ),
          );
          const probe = await probeKvm(systemVirtTypeHost(filesDir, probeGuestSource(filesDir)));
          if (!probe) {
            ctx.log.warn('libvirt: the KVM probe could not run; guests run under TCG (LIBVIRT_TYPE=qemu)');
            Object.assign(decision, { value: 'qemu', pending: false, reason: 'the KVM probe could not run' });
            return;
          }
          if (!probe.works && decision.forced) throw kvmRefused(ctx.plan.config, probe.detail);
          // settle the plan's decision: nova's compute config (configure phase) is written from it
          const value = probe.works ? 'kvm' : 'qemu';
          Object.assign(decision, { value, pending: false, reason: probe.detail });
          ctx.log.info(`libvirt: ${probe.detail}: LIBVIRT_TYPE=${value}`);
        },
      },
    ],
    configure: [
      {
        id: 'libvirt:configure',
        title: 'libvirtd config, log directory, nova in the libvirt group',
        async run(ctx: StackContext) {
          await ctx.writeFile(LIBVIRTD_CONF, libvirtdConf(), { mode: 0o644 });
          // libvirtd and virtlogd cannot open their logs without it (the init script would make it)
          await ctx.sh.run(['install', '-d', '-m', '0755', '/var/log/libvirt', '/var/log/libvirt/qemu']);
          // libvirt-daemon-config-network autostarts a NATed 192.168.122.0/24 with its own dnsmasq: not ours
          await ctx.sh.run(['rm', '-f', `${QEMU_ETC}/networks/autostart/default.xml`]);
          if (ctx.plan.isEnabled('n-cpu')) await ctx.sh.run(['usermod', '-a', '-G', LIBVIRT_GROUP, 'nova']);
          const dev = existsSync(KVM_DEVICE) ? statSync(KVM_DEVICE) : undefined;
          for (const fix of kvmDeviceFixes(dev, kvmGroupId())) {
            ctx.log.info(`libvirt: ${fix.join(' ')} (the group udev gives it; libvirt re-probed qemu on every call)`);
            await ctx.sh.run(fix);
          }
        },
      },
    ],
  }),
  processes: () => [
    {
      name: 'virtlogd',
      project: 'nova',
      argv: ['/usr/sbin/virtlogd'],
      probe: unixSocketProbe(VIRTLOGD_SOCK),
      codeFrom: 'package',
    },
    {
      name: 'libvirtd',
      project: 'nova',
      argv: ['/usr/sbin/libvirtd', '--config', LIBVIRTD_CONF],
      probe: { kind: 'command', argv: ['/usr/bin/virsh', '-c', 'qemu:///system', 'uri'] },
      after: ['virtlogd'],
      codeFrom: 'package',
    },
  ],
  async stop(ctx) {
    await stopGuests(ctx);
  },
  async clean(ctx) {
    // libvirtd is stopped: nova's domains are undefined by removing what libvirt keeps of them
    const domains = novaDomains(readDomainConfigs(QEMU_ETC));
    for (const d of domains) {
      await ctx.sh.run([
        'rm',
        '-rf',
        `${QEMU_ETC}/${d}.xml`,
        `${QEMU_ETC}/autostart/${d}.xml`,
        `${QEMU_RUN}/${d}.xml`,
        `${QEMU_RUN}/${d}.pid`,
        `/var/log/libvirt/qemu/${d}.log`,
        `/var/lib/libvirt/qemu/nvram/${d}_VARS.fd`,
      ]);
      const state = '/var/lib/libvirt/qemu';
      if (existsSync(state)) {
        for (const e of readdirSync(state).filter((n) => n.startsWith('domain-') && n.endsWith(`-${d}`)))
          await ctx.sh.run(['rm', '-rf', join(state, e)]);
      }
    }
    if (domains.length) ctx.log.info(`libvirt: undefined ${domains.length} domain(s) of nova: ${domains.join(', ')}`);
    // taps left by guests killed without libvirt (their OVS ports go with the OVS database)
    const taps = existsSync('/sys/class/net')
      ? readdirSync('/sys/class/net').filter((n) => isNovaTap(n) && existsSync(`/sys/class/net/${n}/tun_flags`))
      : [];
    for (const t of taps) await ctx.sh.run(['ip', 'link', 'delete', t], { allowFailure: true });
    if (taps.length) ctx.log.info(`libvirt: removed tap(s) ${taps.join(', ')}`);
  },
};
