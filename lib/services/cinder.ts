// Cinder (panes `c-api` under uwsgi, `c-sch`, `c-vol`; `tgtd` when an LVM
// backend is really used). Backends come from CINDER_ENABLED_BACKENDS in
// devstack's `type:name[,type:name]` syntax. An LVM backend needs the kernel's
// device-mapper (lvcreate opens /dev/mapper/control); without it every volume
// would end in `error` after a 12 s rootwrap round trip, so such a backend is
// run with cinder's fake driver instead, and the run says so.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OpenStackClient } from '../types/openstack.ts';
import type { Plan, ServiceModule, Step } from '../types/stack.ts';
import { binPath } from '../source/paths.ts';
import type { ProcessSpec } from '../types/process.ts';
import type { Shell } from '../types/shell.ts';
import { ConfigError } from '../util/errors.ts';
import { iniDoc, type IniDoc, type IniSpec } from '../util/ini.ts';
import { codeFrom, serviceRepo } from '../source/index.ts';
import type { PhaseName } from '../types/step.ts';
import {
  databaseStep,
  databaseUrl,
  debug,
  dropDatabases,
  enabledPanes,
  ensureDirs,
  keystoneAuthtoken,
  manageStep,
  regionName,
  serviceAuth,
  serviceHost,
  transportUrl,
  uwsgiIni,
  uwsgiPane,
  writeConf,
} from './common.ts';
import { valueOr } from '../plan/values.ts';

export const CINDER_API_PORT = 8776;
export const CINDER_UWSGI = '/etc/cinder/tstack-api-uwsgi.ini';
const STATE = '/var/lib/cinder';
const DEFAULT_BACKENDS = 'lvm:lvmdriver-1';

export const LVM_DRIVER = 'cinder.volume.drivers.lvm.LVMVolumeDriver';
/** Shipped by Debian's python3-cinder (cinder/tests/fake_driver.py); devstack's `fake` backend. */
export const FAKE_DRIVER = 'cinder.tests.fake_driver.FakeLoggingVolumeDriver';

export function cinderConfPath(plan: Plan): string {
  return valueOr(plan, 'CINDER_CONF', '/etc/cinder/cinder.conf');
}

// ---------------------------------------------------------------- backends

export type CinderBackendType = 'lvm' | 'fake';
const BACKEND_TYPES: readonly CinderBackendType[] = ['lvm', 'fake'];

/** One entry of CINDER_ENABLED_BACKENDS as written. */
export interface BackendRequest {
  type: CinderBackendType;
  /** Backend section name in cinder.conf, volume_backend_name and volume type name. */
  name: string;
}

/** A backend as it will run. */
export interface CinderBackend extends BackendRequest {
  /** What local.conf asked for; differs from `type` after a fallback. */
  requested: CinderBackendType;
  /** Why `type` differs from `requested`. */
  fallbackReason?: string;
}

/**
 * devstack's `type:name[,type:name]`; a bare `type` is named after its type
 * (devstack splits on the colon the same way). Only the types tstack can run
 * are accepted, so a typo is an error rather than a cinder-volume that never
 * reports up.
 */
export function parseBackends(value: string): BackendRequest[] {
  const out: BackendRequest[] = [];
  for (const raw of value.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [type, name = type, ...rest] = raw.split(':');
    if (rest.length > 0 || !name) throw new ConfigError(`CINDER_ENABLED_BACKENDS: '${raw}' is not type:name`);
    if (!BACKEND_TYPES.includes(type as CinderBackendType)) {
      throw new ConfigError(`CINDER_ENABLED_BACKENDS: backend type '${type}' in '${raw}' is not supported by tstack (supported: ${BACKEND_TYPES.join(', ')})`);
    }
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) throw new ConfigError(`CINDER_ENABLED_BACKENDS: backend name '${name}' must be letters, digits, '.', '_' or '-'`);
    if (out.some((b) => b.name === name)) throw new ConfigError(`CINDER_ENABLED_BACKENDS: backend name '${name}' is used twice`);
    out.push({ type: type as CinderBackendType, name });
  }
  if (out.length === 0) throw new ConfigError('CINDER_ENABLED_BACKENDS is empty; cinder needs at least one backend (e.g. lvm:lvmdriver-1 or fake)');
  return out;
}

/** Whether the running kernel offers device-mapper, and the evidence. */
export interface DeviceMapperState {
  available: boolean;
  reason: string;
}

/** The kernel question behind an interface, so both branches are testable on any machine. */
export interface DeviceMapperProbe {
  check(): DeviceMapperState;
}

/** What the kernel exposes about device-mapper; undefined when the file could not be read. */
export interface DeviceMapperEvidence {
  procMisc?: string;
  procDevices?: string;
  /** /dev/mapper/control exists. */
  controlNode: boolean;
}

/**
 * device-mapper registers the misc device `device-mapper` (and a block major
 * of that name); without it lvcreate fails with "/dev/mapper/control: open
 * failed: No such device". The node alone proves nothing (a stale node in a
 * container), and a missing node with the driver present is fixable
 * (`dmsetup mknodes`), so the /proc lists decide.
 */
export function deviceMapperFrom(e: DeviceMapperEvidence): DeviceMapperState {
  const listed = (text: string | undefined) => text !== undefined && /^\s*\d+\s+device-mapper\s*$/m.test(text);
  if (listed(e.procMisc) || listed(e.procDevices)) {
    return { available: true, reason: `device-mapper is registered in the kernel${e.controlNode ? '' : ' (/dev/mapper/control is missing; `dmsetup mknodes` creates it)'}` };
  }
  if (e.procMisc === undefined && e.procDevices === undefined) {
    return { available: e.controlNode, reason: e.controlNode ? '/dev/mapper/control exists (no /proc to confirm)' : 'no /proc/misc, /proc/devices or /dev/mapper/control' };
  }
  return { available: false, reason: 'the kernel has no device-mapper (not in /proc/misc or /proc/devices), so LVM volumes cannot be created' };
}

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The running kernel. */
export const systemDeviceMapper: DeviceMapperProbe = {
  check: () =>
    deviceMapperFrom({
      procMisc: readOrUndefined('/proc/misc'),
      procDevices: readOrUndefined('/proc/devices'),
      controlNode: existsSync('/dev/mapper/control'),
    }),
};

/** LVM backends become fake ones when the kernel cannot create logical volumes; names are kept so volume types stay stable. */
export function resolveBackends(requests: readonly BackendRequest[], dm: DeviceMapperState): CinderBackend[] {
  return requests.map((r) =>
    r.type === 'lvm' && !dm.available
      ? { name: r.name, type: 'fake', requested: 'lvm', fallbackReason: dm.reason }
      : { ...r, requested: r.type },
  );
}

export function cinderBackends(plan: Plan, dm: DeviceMapperProbe = systemDeviceMapper): CinderBackend[] {
  const requests = parseBackends(valueOr(plan, 'CINDER_ENABLED_BACKENDS', DEFAULT_BACKENDS));
  // /proc is only read when an LVM backend is asked for
  if (!requests.some((r) => r.type === 'lvm')) return resolveBackends(requests, { available: true, reason: 'no LVM backend' });
  return resolveBackends(requests, dm.check());
}

/** One line per fallback, for the run's warnings and the plan's step titles. */
export function fallbackMessages(backends: readonly CinderBackend[]): string[] {
  return backends
    .filter((b) => b.fallbackReason)
    .map((b) => `cinder backend ${b.name}: ${b.requested} requested, using the fake driver instead (${FAKE_DRIVER}): ${b.fallbackReason}`);
}

/**
 * The `volume_backend_name` the scheduler will see for a backend. The fake
 * driver ignores the configured one and always reports `fake`
 * (fake_driver.py sets self.backend_name = 'fake' in __init__), so a volume
 * type must ask for `fake` or no backend ever matches ("No valid backend").
 */
export function volumeBackendName(b: Pick<CinderBackend, 'name' | 'type'>): string {
  return b.type === 'fake' ? 'fake' : b.name;
}

// ---------------------------------------------------------------- LVM

/** devstack's names: VG `stack-volumes-<name>`, backing file `$DATA_DIR/<vg>-backing-file`. */
export interface LvmLayout {
  volumeGroup: string;
  backingFile: string;
  size: string;
}

export function lvmLayout(plan: Plan, name: string): LvmLayout {
  const volumeGroup = `stack-volumes-${name}`;
  return { volumeGroup, backingFile: join(plan.dirs.dataDir, `${volumeGroup}-backing-file`), size: valueOr(plan, 'VOLUME_BACKING_FILE_SIZE', '30G') };
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

// ---------------------------------------------------------------- config

function backendSection(plan: Plan, b: CinderBackend): IniSpec[string] {
  // written as the driver will report it, so the file does not promise a name the scheduler never sees
  if (b.type === 'fake') return { volume_driver: FAKE_DRIVER, volume_backend_name: volumeBackendName(b) };
  return {
    volume_driver: LVM_DRIVER,
    volume_group: lvmLayout(plan, b.name).volumeGroup,
    volume_backend_name: volumeBackendName(b),
    lvm_type: 'auto',
    // LIO needs CONFIG_TARGET_CORE; tgt is userspace and works on any kernel
    target_helper: 'tgtadm',
    target_protocol: 'iscsi',
    image_volume_cache_enabled: false,
  };
}

export function cinderConf(plan: Plan, backends: readonly CinderBackend[]): IniDoc {
  const host = serviceHost(plan);
  const spec: IniSpec = {
    // no log_dir/log_file: oslo.log writes to stdout, which is the pane's log
    DEFAULT: {
      debug: debug(plan),
      my_ip: host,
      state_path: STATE,
      auth_strategy: 'keystone',
      transport_url: transportUrl(plan),
      glance_api_servers: plan.isEnabled('g-api') ? `http://${host}:9292` : undefined,
      enabled_backends: backends.map((b) => b.name).join(','),
      default_volume_type: backends[0]?.name,
      rootwrap_config: '/etc/cinder/rootwrap.conf',
    },
    database: { connection: databaseUrl(plan, 'cinder', 'cinder') },
    keystone_authtoken: { ...keystoneAuthtoken(plan, 'cinder'), service_token_roles_required: true },
    // cinder calls nova back (assisted snapshots, extend events) as the nova service user
    nova: plan.isEnabled('n-api') ? { ...serviceAuth(plan, 'nova'), interface: 'public' } : {},
    oslo_concurrency: { lock_path: `${STATE}/tmp` },
  };
  for (const b of backends) spec[b.name] = backendSection(plan, b);
  return iniDoc(spec);
}

/**
 * What nova.conf needs so nova uses this cinder (attach, boot from volume):
 * the region to pick the volumev3 endpoint in, and credentials for the calls
 * nova makes without a user token: devstack uses the nova user there because it
 * holds `admin`. For the nova module's [cinder] section.
 */
export function novaCinderSection(plan: Plan): Record<string, string> {
  return {
    os_region_name: regionName(plan),
    ...serviceAuth(plan, 'nova'),
  };
}

// ---------------------------------------------------------------- volume types

interface VolumeType {
  id: string;
  name: string;
  extra_specs?: Record<string, string>;
}

export interface VolumeTypesResult {
  created: string[];
  updated: string[];
  kept: string[];
}

/**
 * One volume type per backend, named after it, with the `volume_backend_name`
 * its driver reports, so the scheduler places its volumes there (devstack's
 * create_volume_types).
 * Existing types are looked up first: a re-run creates nothing twice, and a
 * type whose property drifted is corrected in place.
 */
export async function ensureVolumeTypes(client: OpenStackClient, backends: readonly Pick<CinderBackend, 'name' | 'type'>[]): Promise<VolumeTypesResult> {
  const result: VolumeTypesResult = { created: [], updated: [], kept: [] };
  // is_public=None: an admin sees private types too, so a private one of the same name is not duplicated
  const existing = (await client.get<{ volume_types: VolumeType[] }>('volumev3', '/types?is_public=None')).volume_types;
  for (const b of backends) {
    const found = existing.find((t) => t.name === b.name);
    const backendName = volumeBackendName(b);
    if (!found) {
      const body = { volume_type: { name: b.name, 'os-volume-type-access:is_public': true, extra_specs: { volume_backend_name: backendName } } };
      await client.post('volumev3', '/types', body);
      result.created.push(b.name);
    } else if (found.extra_specs?.volume_backend_name !== backendName) {
      // e.g. a type made by an LVM run, now served by the fake fallback
      await client.post('volumev3', `/types/${found.id}/extra_specs`, { extra_specs: { volume_backend_name: backendName } });
      result.updated.push(b.name);
    } else {
      result.kept.push(b.name);
    }
  }
  return result;
}

// ---------------------------------------------------------------- module

function daemonPane(plan: Plan, name: string, script: string, probePattern: string, after: string[]): ProcessSpec {
  return {
    name,
    project: 'cinder',
    argv: [binPath(plan, script), '--config-file', cinderConfPath(plan)],
    user: 'cinder',
    cwd: STATE,
    probe: { kind: 'log', pattern: probePattern },
    after,
    codeFrom: codeFrom(plan),
  };
}

function configureTitle(backends: readonly CinderBackend[]): string {
  const list = backends.map((b) => (b.fallbackReason ? `${b.name}=fake (LVM impossible: ${b.fallbackReason})` : `${b.name}=${b.type}`)).join(', ');
  return `cinder.conf and uwsgi; backends ${list}`;
}

export function createCinderModule(dm: DeviceMapperProbe = systemDeviceMapper): ServiceModule {
  const lvmBackends = (plan: Plan) => cinderBackends(plan, dm).filter((b) => b.type === 'lvm');
  return {
    name: 'cinder',
    project: 'cinder',
    shortNames: ['c-api', 'c-sch', 'c-vol'],
    // cinder-volume already depends on lvm2 and thin-provisioning-tools; tgt only
    // when a volume group will really be exported
    extraPackages: (plan) => (plan.isEnabled('c-vol') && lvmBackends(plan).length > 0 ? ['lvm2', 'thin-provisioning-tools', 'tgt'] : []),
    repos: (plan) => [serviceRepo(plan, 'cinder', { distroPackage: 'python3-cinder' })],
    configFiles: (plan) => [cinderConfPath(plan), CINDER_UWSGI],
    steps: (plan) => {
      const backends = cinderBackends(plan, dm);
      const lvm = backends.filter((b) => b.type === 'lvm');
      const steps: Partial<Record<PhaseName, Step[]>> = {
        configure: [
          {
            id: 'cinder:configure',
            title: configureTitle(backends),
            async run(ctx) {
              for (const m of fallbackMessages(backends)) ctx.note('warning', m);
              await writeConf(ctx, cinderConfPath(ctx.plan), cinderConf(ctx.plan, backends), 'cinder');
              const ini = uwsgiIni(ctx.plan, { wsgiFile: binPath(ctx.plan, 'cinder-wsgi'), port: CINDER_API_PORT, chdir: STATE, name: 'cinder-api' });
              await writeConf(ctx, CINDER_UWSGI, ini, 'cinder', 0o644);
              await ensureDirs(ctx, 'cinder', [STATE, `${STATE}/tmp`, `${STATE}/volumes`]);
            },
          },
        ],
        start: [
          databaseStep(plan, 'cinder', 'cinder', ['cinder']),
          manageStep({ id: 'cinder:db-sync', title: 'cinder-manage db sync', after: ['cinder:db'], user: 'cinder', argv: (p) => [[binPath(p, 'cinder-manage'), 'db', 'sync']] }),
        ],
      };
      if (plan.isEnabled('c-api')) {
        steps.extra = [
          {
            id: 'cinder:volume-types',
            title: `volume types ${backends.map((b) => b.name).join(', ')}`,
            async run(ctx) {
              const r = await ensureVolumeTypes(await ctx.openstack(), backends);
              ctx.log.info(`volume types: created [${r.created.join(', ')}], corrected [${r.updated.join(', ')}], kept [${r.kept.join(', ')}]`);
            },
          },
        ];
      }
      if (lvm.length > 0 && plan.isEnabled('c-vol')) {
        steps.init = [
          {
            id: 'cinder:lvm',
            title: `LVM volume groups ${lvm.map((b) => lvmLayout(plan, b.name).volumeGroup).join(', ')} on loop files`,
            async run(ctx) {
              for (const b of lvm) {
                const l = lvmLayout(ctx.plan, b.name);
                const r = await ensureLvmVolumeGroup(ctx.sh, l);
                ctx.log.info(`${l.volumeGroup}: ${r.created ? 'created' : 'kept'} on ${r.loop} (${l.backingFile})`);
              }
            },
          },
        ];
      }
      return steps;
    },
    processes: (plan) => {
      const host = serviceHost(plan);
      const lvm = plan.isEnabled('c-vol') && lvmBackends(plan).length > 0;
      const panes: ProcessSpec[] = [
        { ...uwsgiPane({ name: 'c-api', user: 'cinder', project: 'cinder', ini: CINDER_UWSGI, port: CINDER_API_PORT, host, after: ['key', 'cinder:db-sync'] }), codeFrom: codeFrom(plan) },
        daemonPane(plan, 'c-sch', 'cinder-scheduler', 'Starting cinder-scheduler node', ['cinder:db-sync']),
        // one child per backend; the first that finished its driver set-up makes the pane ready
        daemonPane(plan, 'c-vol', 'cinder-volume', 'Driver post RPC initialization completed successfully', ['cinder:db-sync', ...(lvm ? ['tgtd'] : [])]),
      ];
      const enabled = enabledPanes(plan, panes);
      if (lvm) {
        // tgt's own daemon in the foreground: cinder-volume exports LVs through tgtadm
        enabled.unshift({
          name: 'tgtd',
          project: 'cinder',
          argv: ['/usr/sbin/tgtd', '-f'],
          probe: { kind: 'command', argv: ['/usr/sbin/tgtadm', '--lld', 'iscsi', '--mode', 'target', '--op', 'show'] },
          port: 3260,
          codeFrom: 'package',
        });
      }
      return enabled;
    },
    catalog: (plan) => {
      const url = `http://${serviceHost(plan)}:${CINDER_API_PORT}/v3/%(project_id)s`;
      // devstack's create_cinder_accounts: `admin` on the service project, for the calls cinder makes to nova and glance
      return [
        { user: 'cinder', extraRoles: ['admin'], service: { name: 'cinderv3', type: 'volumev3', description: 'Cinder Volume Service V3' }, url },
        { user: 'cinder', extraRoles: ['admin'], service: { name: 'cinder', type: 'block-storage', description: 'Cinder Volume Service' }, url },
      ];
    },
    async clean(ctx) {
      await dropDatabases(ctx, 'cinder', ['cinder']);
      // every LVM backend asked for, fallback or not: a run on another kernel may have made one
      let requests: BackendRequest[] = [];
      try {
        requests = parseBackends(valueOr(ctx.plan, 'CINDER_ENABLED_BACKENDS', DEFAULT_BACKENDS));
      } catch {
        requests = [{ type: 'lvm', name: 'lvmdriver-1' }];
      }
      for (const r of requests.filter((q) => q.type === 'lvm')) {
        for (const what of await removeLvmVolumeGroup(ctx.sh, lvmLayout(ctx.plan, r.name))) ctx.log.info(`removed ${what}`);
      }
      // state (volumes dir, locks, conversion area) but not the directory itself: it is the cinder user's home
      if (existsSync(STATE)) await ctx.sh.run(['find', STATE, '-mindepth', '1', '-delete']);
    },
  };
}

export const cinderModule: ServiceModule = createCinderModule();
