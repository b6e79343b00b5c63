// Cinder: panes `c-api` under uwsgi, `c-sch`, `c-vol`, and `tgtd` when an
// LVM backend is really used. The backends (CINDER_ENABLED_BACKENDS, the fake
// fallback), LVM's volume groups and the volume types live in cinder/, as
// devstack keeps lib/cinder_backends and lib/lvm apart from lib/cinder.

import { existsSync } from 'node:fs';
import type { Plan, ServiceModule, Step } from '../types/stack.ts';
import { binPath } from '../source/paths.ts';
import { rootwrap } from '../source/rootwrap.ts';
import type { ProcessSpec } from '../types/process.ts';
import { iniDoc, type IniDoc, type IniSpec } from '../util/ini.ts';
import { codeFrom } from '../source/index.ts';
import type { PhaseName } from '../types/step.ts';
import { settingGroup } from '../config/settings.ts';
import {
  databaseClientFile,
  databaseClientStep,
  databaseStep,
  databaseUrl,
  debug,
  dropDatabases,
  enabledPanes,
  ensureDirs,
  keystoneAuthtoken,
  manageStep,
  serviceAuth,
  hostIp,
  serviceHost,
  transportUrl,
  uwsgiIni,
  uwsgiPane,
  writeConf,
  declinePkgTools,
} from './common.ts';
import { serviceUrl } from '../config/urls.ts';
import { glanceUrl } from './glance.ts';
import {
  backendSection,
  cinderBackends,
  fallbackMessages,
  parseBackends,
  systemDeviceMapper,
  type BackendRequest,
  type CinderBackend,
  type DeviceMapperProbe,
} from './cinder/backends.ts';
import { ensureLvmVolumeGroup, lvmLayout, removeLvmVolumeGroup } from './cinder/lvm.ts';
import { ensureVolumeTypes } from './cinder/volume-types.ts';

export const CINDER_UWSGI = '/etc/cinder/tstack-api-uwsgi.ini';
const STATE = '/var/lib/cinder';
/** tgtd's iSCSI port. */
const ISCSI_PORT = 3260;
/** devstack's default backend, also what --clean looks for when the setting cannot be parsed. */
const DEFAULT_BACKENDS = 'lvm:lvmdriver-1';

export function cinderConfPath(plan: Plan): string {
  return plan.get('CINDER_CONF');
}

export const cinderPort = (plan: Plan): number => plan.int('CINDER_SERVICE_PORT');

// ---------------------------------------------------------------- config

export function cinderConf(plan: Plan, backends: readonly CinderBackend[]): IniDoc {
  const spec: IniSpec = {
    // no log_dir/log_file: oslo.log writes to stdout, which is the pane's log
    DEFAULT: {
      debug: debug(plan),
      // this node's address, also the iSCSI target's (target_ip_address defaults to it)
      my_ip: hostIp(plan),
      state_path: STATE,
      auth_strategy: 'keystone',
      transport_url: transportUrl(plan),
      glance_api_servers: plan.isEnabled('g-api') ? glanceUrl(plan) : undefined,
      enabled_backends: backends.map((b) => b.name).join(','),
      default_volume_type: backends[0]?.name,
      rootwrap_config: rootwrap(plan, 'cinder').conf,
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

// ---------------------------------------------------------------- module

/**
 * devstack's glibc tuning for cinder-volume (and cinder-backup): one malloc arena for all threads and fixed
 * mmap/trim thresholds, since its native threads (eventlet's tpool) otherwise each grow an arena of their own.
 */
export const CINDER_VOLUME_MALLOC: Readonly<Record<string, string>> = {
  MALLOC_ARENA_MAX: '1',
  MALLOC_MMAP_THRESHOLD_: '131072',
  MALLOC_TRIM_THRESHOLD_: '262144',
};

function daemonPane(
  plan: Plan,
  name: string,
  script: string,
  probePattern: string,
  after: string[],
  env?: Record<string, string>,
): ProcessSpec {
  return {
    name,
    project: 'cinder',
    argv: [binPath(plan, script), '--config-file', cinderConfPath(plan)],
    env,
    user: 'cinder',
    cwd: STATE,
    probe: { kind: 'log', pattern: probePattern },
    after,
    codeFrom: codeFrom(plan),
  };
}

function configureTitle(backends: readonly CinderBackend[]): string {
  const list = backends
    .map((b) => (b.fallbackReason ? `${b.name}=fake (LVM impossible: ${b.fallbackReason})` : `${b.name}=${b.type}`))
    .join(', ');
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
    extraPackages: (plan) =>
      plan.isEnabled('c-vol') && lvmBackends(plan).length > 0 ? ['lvm2', 'thin-provisioning-tools', 'tgt'] : [],
    settings: [
      ...settingGroup('services', [
        {
          name: 'CINDER_ENABLED_BACKENDS',
          type: 'list',
          default: DEFAULT_BACKENDS,
          description:
            'Cinder backends as `type:name`. tstack falls back to the fake backend when the kernel has no ' +
            'device-mapper (LVM cannot work).',
        },
        {
          name: 'VOLUME_BACKING_FILE_SIZE',
          type: 'string',
          default: '30G',
          description: 'Size of the sparse file behind the LVM volume group.',
        },
        {
          name: 'CINDER_SERVICE_PORT',
          type: 'int',
          default: '8776',
          description: 'Port of the block storage API (uwsgi).',
        },
      ]),
      ...settingGroup('config files', [
        { name: 'CINDER_CONF', type: 'path', default: '/etc/cinder/cinder.conf', description: 'cinder.conf.' },
      ]),
    ],
    repos: [{ name: 'cinder', distroPackage: 'python3-cinder' }],
    debconf: declinePkgTools('cinder', ['configure_db', 'configure_rabbit', 'configure_ksat'], 'cinder-api'),
    configFiles: (plan) => [cinderConfPath(plan), CINDER_UWSGI, databaseClientFile('cinder')],
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
              const ini = uwsgiIni(ctx.plan, {
                wsgiFile: binPath(ctx.plan, 'cinder-wsgi'),
                port: cinderPort(ctx.plan),
                chdir: STATE,
                name: 'cinder-api',
              });
              await writeConf(ctx, CINDER_UWSGI, ini, 'cinder', 0o644);
              await ensureDirs(ctx, 'cinder', [STATE, `${STATE}/tmp`, `${STATE}/volumes`]);
            },
          },
          databaseClientStep('cinder', 'cinder'),
        ],
        start: [
          databaseStep(plan, 'cinder', 'cinder', ['cinder']),
          manageStep({
            id: 'cinder:db-sync',
            expectSec: 7,
            title: 'cinder-manage db sync',
            after: ['cinder:db'],
            user: 'cinder',
            argv: (p) => [[binPath(p, 'cinder-manage'), 'db', 'sync']],
            stamp: (p) => ({ repos: cinderModule.repos, schemas: ['cinder'], files: cinderModule.configFiles!(p) }),
          }),
        ],
      };
      if (plan.isEnabled('c-api')) {
        steps.extra = [
          {
            id: 'cinder:volume-types',
            title: `volume types ${backends.map((b) => b.name).join(', ')}`,
            async run(ctx) {
              const r = await ensureVolumeTypes(await ctx.openstack(), backends);
              ctx.log.info(
                `volume types: created [${r.created.join(', ')}], corrected [${r.updated.join(', ')}], ` +
                  `kept [${r.kept.join(', ')}]`,
              );
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
        {
          ...uwsgiPane({
            name: 'c-api',
            user: 'cinder',
            project: 'cinder',
            ini: CINDER_UWSGI,
            port: cinderPort(plan),
            host,
            after: ['key', 'cinder:db-sync'],
          }),
          codeFrom: codeFrom(plan),
        },
        daemonPane(plan, 'c-sch', 'cinder-scheduler', 'Starting cinder-scheduler node', ['cinder:db-sync']),
        // one child per backend; the first that finished its driver set-up makes the pane ready
        daemonPane(
          plan,
          'c-vol',
          'cinder-volume',
          'Driver post RPC initialization completed successfully',
          ['cinder:db-sync', ...(lvm ? ['tgtd'] : [])],
          { ...CINDER_VOLUME_MALLOC },
        ),
      ];
      const enabled = enabledPanes(plan, panes);
      if (lvm) {
        // tgt's own daemon in the foreground: cinder-volume exports LVs through tgtadm
        enabled.unshift({
          name: 'tgtd',
          project: 'cinder',
          argv: ['/usr/sbin/tgtd', '-f'],
          probe: { kind: 'command', argv: ['/usr/sbin/tgtadm', '--lld', 'iscsi', '--mode', 'target', '--op', 'show'] },
          port: ISCSI_PORT,
          codeFrom: 'package',
        });
      }
      return enabled;
    },
    catalog: (plan) => {
      const url = serviceUrl(plan, cinderPort(plan), '/v3/%(project_id)s');
      // devstack's create_cinder_accounts: `admin` on the service project, for the calls cinder makes
      // to nova and glance
      return [
        {
          user: 'cinder',
          extraRoles: ['admin'],
          service: { name: 'cinderv3', type: 'volumev3', description: 'Cinder Volume Service V3' },
          url,
        },
        {
          user: 'cinder',
          extraRoles: ['admin'],
          service: { name: 'cinder', type: 'block-storage', description: 'Cinder Volume Service' },
          url,
        },
      ];
    },
    async clean(ctx) {
      await dropDatabases(ctx, 'cinder', ['cinder']);
      // every LVM backend asked for, fallback or not: a run on another kernel may have made one
      let requests: BackendRequest[] = [];
      try {
        requests = parseBackends(ctx.plan.get('CINDER_ENABLED_BACKENDS'));
      } catch {
        requests = parseBackends(DEFAULT_BACKENDS);
      }
      for (const r of requests.filter((q) => q.type === 'lvm')) {
        for (const what of await removeLvmVolumeGroup(ctx.sh, lvmLayout(ctx.plan, r.name)))
          ctx.log.info(`removed ${what}`);
      }
      // state (volumes dir, locks, conversion area) but not the directory itself: it is the cinder user's home
      if (existsSync(STATE)) await ctx.sh.run(['find', STATE, '-mindepth', '1', '-delete']);
    },
  };
}

export const cinderModule: ServiceModule = createCinderModule();
