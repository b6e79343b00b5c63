// Nova: n-api and n-api-meta under uwsgi, n-cond, n-sch and n-cpu as
// daemons, cell0/cell1 as devstack sets them up, and discover_hosts once the
// compute service is up.
//
// n-cpu without the nova-compute package: Debian's nova-compute depends on
// nova-compute-kvm -> libvirt, qemu-system and (through libguestfs) a kernel
// image. The compute service's code is in python3-nova; the package only adds
// /usr/bin/nova-compute, a three-line wrapper around nova.cmd.compute:main.
// So n-cpu runs that entry point with the system python, whatever the driver;
// the driver's own part (config, packages, panes) is in nova/hypervisor-*.ts,
// and libvirt itself is the libvirt module's.

import { join } from 'node:path';
import { isIP } from 'node:net';
import { stepStamp } from '../source/stamp.ts';
import type { Plan, ServiceModule, StackContext, Step } from '../types/stack.ts';
import { binPath, pythonPath } from '../source/paths.ts';
import { rootwrap } from '../source/rootwrap.ts';
import type { ProcessSpec } from '../types/process.ts';
import { execSql, queryColumn, sqlString } from '../system/mysql.ts';
import * as urls from '../config/urls.ts';
import { iniDoc, osloString, type IniDoc, type IniSpec } from '../util/ini.ts';
import { codeFrom as paneCodeFrom } from '../source/index.ts';
import { settingGroup } from '../config/settings.ts';
import {
  afterPanes,
  apiWorkers,
  databaseStep,
  databaseUrl,
  debug,
  enabledPanes,
  ensureDirs,
  keystoneAuthtoken,
  databaseClientFile,
  databaseClientStep,
  secret,
  serviceAuth,
  hostIp,
  listenAddress,
  serviceHost,
  transportUrl,
  uwsgiIni,
  uwsgiPane,
  writeConf,
  dropDatabases,
  removeDirs,
  declinePkgTools,
} from './common.ts';
import type { Hypervisor } from './nova/hypervisor.ts';
import { fakeHypervisor } from './nova/hypervisor-fake.ts';
import { libvirtHypervisor } from './nova/hypervisor-libvirt.ts';

export const NOVA_API_UWSGI = '/etc/nova/tstack-api-uwsgi.ini';
export const NOVA_METADATA_UWSGI = '/etc/nova/tstack-metadata-uwsgi.ini';

// nova's WSGI apps monkey-patch eventlet, and oslo.messaging's RPC reply poller is a greenthread in the hub of
// the uwsgi thread whose request first made an RPC call. A call waiting in another uwsgi thread never sees its
// reply: MessagingTimeout after rpc_response_timeout, then "No calling threads waiting for msg_id" when the
// poller's thread serves its next request (tempest's get_console_output, test_network_basic_ops, hit it at
// random). devstack runs these apps with uwsgi's default of one thread per process; so does tstack.
const NOVA_UWSGI_THREADS = 1;

export function novaApiUwsgi(plan: Plan): IniDoc {
  const o = { wsgiFile: binPath(plan, 'nova-api-wsgi'), port: novaApiPort(plan), chdir: STATE, name: 'nova-api' };
  return uwsgiIni(plan, { ...o, threads: NOVA_UWSGI_THREADS });
}

/** The metadata API answers guests from instance objects it loads through nova-conductor: RPC calls too. */
export function novaMetadataUwsgi(plan: Plan): IniDoc {
  const o = { wsgiFile: binPath(plan, 'nova-metadata-wsgi'), port: metadataPort(plan), chdir: STATE };
  return uwsgiIni(plan, { ...o, name: 'nova-metadata', threads: NOVA_UWSGI_THREADS });
}
const STATE = '/var/lib/nova';

export const novaConfPath = (plan: Plan): string => plan.get('NOVA_CONF');
/**
 * n-cpu's only config file: like nova.conf but without database credentials
 * (compute reaches the DB through conductor).
 */
export const novaCpuConfPath = (plan: Plan): string => plan.get('NOVA_CPU_CONF');

export const novaApiPort = (plan: Plan): number => plan.int('NOVA_SERVICE_PORT');
/** The metadata API (n-api-meta), which neutron's metadata agent proxies to. */
export const metadataPort = (plan: Plan): number => plan.int('METADATA_SERVICE_PORT');

export type VirtDriver = 'fake' | 'libvirt';

export function virtDriver(plan: Plan): VirtDriver {
  return plan.get('VIRT_DRIVER') === 'libvirt' ? 'libvirt' : 'fake';
}

export function metadataSecret(plan: Plan): string {
  // its row defaults to SERVICE_PASSWORD
  return osloString(secret(plan, 'METADATA_PROXY_SHARED_SECRET'));
}

/** Sections common to nova.conf and the compute config. */
function commonSections(plan: Plan): IniSpec {
  const listen = listenAddress(plan);
  return {
    DEFAULT: {
      debug: debug(plan),
      // this node's address (Debian's postinst writes eth0's, which need not be HOST_IP)
      my_ip: hostIp(plan),
      state_path: STATE,
      transport_url: transportUrl(plan),
      osapi_compute_workers: apiWorkers(plan),
      metadata_workers: apiWorkers(plan),
      osapi_compute_listen: listen,
      metadata_listen: listen,
      // one compute host: a resize may only land where the server is (devstack sets it on a single node)
      allow_resize_to_same_host: true,
      // nova-compute escalates through `sudo nova-rootwrap <this>` (privsep included); from a checkout, tstack's
      rootwrap_config: rootwrap(plan, 'nova').conf,
      // nova's default would be the fqdn; `instance_name_template` etc. stay nova's
    },
    api: { auth_strategy: 'keystone' },
    keystone_authtoken: keystoneAuthtoken(plan, 'nova'),
    service_user: { send_service_user_token: true, ...serviceAuth(plan, 'nova') },
    placement: serviceAuth(plan, 'placement'),
    // volume attach/detach (n-cpu) and the service-token calls to cinder, as the nova user
    cinder: plan.isEnabled('c-api') ? novaCinderSection(plan) : {},
    // Without a [neutron] section (and a network endpoint) nova-api answers 500 on every server show/list.
    neutron: {
      ...serviceAuth(plan, 'neutron'),
      service_metadata_proxy: true,
      metadata_proxy_shared_secret: metadataSecret(plan),
    },
    oslo_concurrency: { lock_path: `${STATE}/tmp` },
    oslo_policy: { policy_dirs: '/etc/nova/policy.d' },
    vnc: { enabled: false },
    // a checkout's pipeline is its own (upstream keeps it in etc/nova)
    wsgi: {
      api_paste_config:
        plan.method.method === 'source'
          ? join(plan.dirs.dest, 'nova', 'etc', 'nova', 'api-paste.ini')
          : '/etc/nova/api-paste.ini',
    },
  };
}

/**
 * What nova.conf needs so nova uses cinder (attach, boot from volume): the
 * region to pick the volumev3 endpoint in, and credentials for the calls nova
 * makes without a user token: devstack uses the nova user there because it
 * holds `admin`.
 */
export function novaCinderSection(plan: Plan): Record<string, string> {
  return {
    os_region_name: urls.regionName(plan),
    ...serviceAuth(plan, 'nova'),
  };
}

/** nova.conf: n-api, n-api-meta, n-cond, n-sch and nova-manage. */
export function novaConf(plan: Plan): IniDoc {
  const c = commonSections(plan);
  return iniDoc({
    ...c,
    api_database: { connection: databaseUrl(plan, 'nova_api', 'nova') },
    database: { connection: databaseUrl(plan, 'nova', 'nova') },
    conductor: { workers: apiWorkers(plan) },
    scheduler: { workers: apiWorkers(plan) },
  });
}

export function hypervisor(plan: Plan): Hypervisor {
  return virtDriver(plan) === 'libvirt' ? libvirtHypervisor : fakeHypervisor;
}

/** The virt driver part of the compute config (devstack's hypervisor-fake / hypervisor-libvirt). */
export function virtSections(plan: Plan): IniSpec {
  return hypervisor(plan).sections(plan);
}

/** The compute config: nova.conf's common part without DB credentials, plus the virt driver. */
export function novaCpuConf(plan: Plan): IniDoc {
  const c = commonSections(plan);
  const v = virtSections(plan);
  const merged: IniSpec = { ...c };
  for (const [name, opts] of Object.entries(v)) merged[name] = { ...(merged[name] ?? {}), ...opts };
  merged.DEFAULT = { ...merged.DEFAULT, instances_path: `${STATE}/instances` };
  return iniDoc(merged);
}

/**
 * What cell1's mapping stores as its transport URL: nova's template, filled
 * in from [DEFAULT] transport_url by every process that reads the mapping
 * (nova/objects/cell_mapping.py format_mq_url). So no RABBIT_PASSWORD sits in
 * nova_api, and a changed one needs nothing but the config file.
 */
export function cellTransportUrlTemplate(plan: Plan): string {
  // nova substitutes urlparse's hostname, which has lost an IPv6 literal's brackets
  const host = isIP(plan.get('RABBIT_HOST')) === 6 ? '[{hostname}]' : '{hostname}';
  return `{scheme}://{username}:{password}@${host}:{port}/{path}`;
}

/**
 * SQL that points cell0 and cell1 at this run's URLs (map_cell0 and
 * create_cell store them from nova.conf, unquoted; nova reads them from the
 * DB, not through oslo.config). The database URLs carry no password either:
 * they name nova's PyMySQL option file, as nova.conf does.
 */
export function cellMappingsSql(plan: Plan): string {
  const q = (v: string) => sqlString(v);
  const db = (name: string) => urls.databaseUrl(plan, name, 'nova', databaseClientFile('nova'));
  return [
    `UPDATE nova_api.cell_mappings SET database_connection = ${q(db('nova_cell0'))} WHERE name = 'cell0';`,
    `UPDATE nova_api.cell_mappings SET database_connection = ${q(db('nova'))}, ` +
      `transport_url = ${q(cellTransportUrlTemplate(plan))} WHERE name = 'cell1';`,
    '',
  ].join('\n');
}

function computeArgv(plan: Plan): string[] {
  const conf = ['--config-file', novaCpuConfPath(plan)];
  if (plan.method.method === 'source') return [binPath(plan, 'nova-compute'), ...conf];
  // argv[0] set so oslo.config and the logs call it nova-compute
  const code = "import sys; sys.argv[0] = 'nova-compute'; from nova.cmd.compute import main; sys.exit(main())";
  return [pythonPath(plan), '-c', code, ...conf];
}

const SYNC_AFTER = ['nova:db-sync'];

export const novaModule: ServiceModule = {
  name: 'nova',
  project: 'nova',
  shortNames: ['n-api', 'n-api-meta', 'n-cond', 'n-sch', 'n-cpu'],
  settings: [
    ...settingGroup('services', [
      {
        name: 'VIRT_DRIVER',
        type: 'enum',
        choices: ['fake', 'libvirt'],
        default: 'libvirt',
        description:
          'Nova compute driver: real guests with libvirt (libvirtd and virtlogd run as panes), as in devstack; ' +
          "`fake` is the fast choice: nova's fake driver boots nothing, servers go ACTIVE at once.",
      },
      {
        name: 'LIBVIRT_TYPE',
        type: 'enum',
        choices: ['kvm', 'qemu'],
        default: 'kvm',
        defaultDoc:
          'kvm when a test guest boots under KVM here (probed once, cached in files/kvm-probe.json), else qemu',
        description:
          'libvirt domain type: kvm, or qemu (TCG, no hardware virtualisation). ' +
          'Set to kvm where the probe fails: an error.',
      },
      {
        name: 'LIBVIRT_CPU_MODE',
        type: 'enum',
        choices: ['custom', 'host-model', 'host-passthrough', 'none'],
        default: 'custom',
        defaultDoc: 'none with LIBVIRT_TYPE=qemu (TCG emulates its own model), custom with kvm (devstack)',
        description: 'libvirt CPU mode of the guests ([libvirt] cpu_mode).',
      },
      {
        name: 'LIBVIRT_CPU_MODEL',
        type: 'string',
        default: 'Nehalem',
        description:
          'CPU model with LIBVIRT_CPU_MODE=custom: devstack pins one old enough for any host (and nested qemu).',
      },
      { name: 'NOVA_SERVICE_PORT', type: 'int', default: '8774', description: 'Port of the compute API (uwsgi).' },
      {
        name: 'METADATA_SERVICE_PORT',
        type: 'int',
        default: '8775',
        description: "Port of the metadata API (uwsgi), where neutron's metadata agent sends guests.",
      },
    ]),
    ...settingGroup('passwords', [
      {
        name: 'METADATA_PROXY_SHARED_SECRET',
        type: 'password',
        secret: true,
        default: '${SERVICE_PASSWORD}',
        description: "Secret neutron's metadata agent signs instance ids with for nova's metadata API (never asked).",
      },
    ]),
    ...settingGroup('config files', [
      {
        name: 'NOVA_CONF',
        type: 'path',
        default: '/etc/nova/nova.conf',
        description: 'nova.conf of the control services.',
      },
      {
        name: 'NOVA_CPU_CONF',
        type: 'path',
        default: '/etc/nova/nova-compute.conf',
        description: 'Extra config of nova-compute (devstack: nova-cpu.conf; Debian: nova-compute.conf).',
      },
    ]),
  ],
  repos: [{ name: 'nova', distroPackage: 'python3-nova' }],
  debconf: [
    ...declinePkgTools(
      'nova',
      ['configure_db', 'configure_rabbit', 'configure_ksat', 'configure_neutron', 'configure_placement'],
      'nova-api',
    ),
    // nova-api asks for its own (nova_api) database too
    'nova-api novaapi/configure_db boolean false',
  ],
  extraPackages: (plan) => (plan.isEnabled('n-cpu') ? hypervisor(plan).packages(plan) : []),
  configFiles: (plan) => [
    novaConfPath(plan),
    novaCpuConfPath(plan),
    NOVA_API_UWSGI,
    NOVA_METADATA_UWSGI,
    databaseClientFile('nova'),
  ],
  // the databases and their sync (half a minute: api_db, cell0, cell1, db sync) need only nova-common and
  // python3-nova: on a distro install they run while the main apt wave installs the rest (Step.earlyWave)
  earlyPackages: (plan) => (plan.method.method === 'distro' ? ['nova-common', 'python3-nova'] : []),
  steps: (plan) => ({
    configure: [
      {
        id: 'nova:configure',
        title: 'nova.conf, the compute config and uwsgi',
        earlyWave: true,
        async run(ctx) {
          const p = ctx.plan;
          await writeConf(ctx, novaConfPath(p), novaConf(p), 'nova');
          await writeConf(ctx, novaCpuConfPath(p), novaCpuConf(p), 'nova');
          await writeConf(ctx, NOVA_API_UWSGI, novaApiUwsgi(p), 'nova', 0o644);
          await writeConf(ctx, NOVA_METADATA_UWSGI, novaMetadataUwsgi(p), 'nova', 0o644);
          await ensureDirs(ctx, 'nova', [STATE, `${STATE}/tmp`, `${STATE}/instances`]);
          // qemu runs as libvirt-qemu and opens the disks under instances/: it must get through
          if (virtDriver(p) === 'libvirt') await ctx.sh.run(['chmod', 'o+x', STATE, `${STATE}/instances`]);
        },
      },
      { ...databaseClientStep('nova', 'nova'), earlyWave: true },
    ],
    start: [
      { ...databaseStep(plan, 'nova', 'nova', ['nova_api', 'nova', 'nova_cell0']), earlyWave: true },
      {
        id: 'nova:db-sync',
        // four nova-manage runs
        expectSec: 25,
        title: 'nova-manage api_db sync, cell0/cell1, db sync',
        after: ['nova:db'],
        earlyWave: true,
        stamp: stepStamp((p) => ({
          repos: novaModule.repos,
          schemas: ['nova_api', 'nova', 'nova_cell0'],
          tables: ['nova_api.cell_mappings'],
          files: novaModule.configFiles!(p),
        })),
        async run(ctx) {
          const m = binPath(ctx.plan, 'nova-manage');
          const conf = ['--config-file', novaConfPath(ctx.plan)];
          const run = async (args: string[]) => {
            const t0 = Date.now();
            const r = await ctx.sh.run([m, ...conf, ...args], { user: 'nova', cwd: '/' });
            ctx.log.info(`nova-manage ${args.join(' ')}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
            return r;
          };
          await run(['api_db', 'sync']);
          // each nova-manage call costs seconds of python start-up; the mappings are one query away
          const cells = await queryColumn(ctx.sh, 'SELECT name FROM nova_api.cell_mappings');
          if (!cells.includes('cell0')) await run(['cell_v2', 'map_cell0']);
          if (!cells.includes('cell1')) await run(['cell_v2', 'create_cell', '--name', 'cell1']);
          // create_cell stored nova.conf's URLs, transport password included: replace them with ones
          // that hold no password (and move them along when DATABASE_HOST changes).
          await execSql(ctx.sh, cellMappingsSql(ctx.plan));
          await run(['db', 'sync']);
        },
      },
      ...(plan.isEnabled('n-cpu')
        ? ([
            {
              id: 'nova:discover-hosts',
              title: 'nova-manage cell_v2 discover_hosts (map the compute host)',
              after: afterPanes(plan, 'n-cpu'),
              // the compute node record takes seconds to appear; seeding flavors, images and networks needs no
              // mapped host, so it runs meanwhile, and the extra phase does not end before the host is mapped
              overlapsUntil: 'extra',
              async run(ctx: StackContext) {
                // The compute node record appears a few seconds after n-cpu starts; map it once it is
                // there. Queries rather than nova-manage calls while waiting: each call is seconds of start-up.
                const m = binPath(ctx.plan, 'nova-manage');
                const conf = ['--config-file', novaConfPath(ctx.plan)];
                const deadline = Date.now() + ctx.plan.int('SERVICE_TIMEOUT') * 2000;
                for (;;) {
                  const computes = await queryColumn(
                    ctx.sh,
                    'SELECT DISTINCT host FROM nova.compute_nodes WHERE deleted = 0',
                  );
                  const mapped = await queryColumn(ctx.sh, 'SELECT host FROM nova_api.host_mappings');
                  const unmapped = computes.filter((h) => !mapped.includes(h));
                  if (computes.length > 0 && unmapped.length === 0) {
                    ctx.log.info(`compute hosts mapped to cells: ${computes.join(', ')}`);
                    return;
                  }
                  if (Date.now() > deadline) {
                    throw new Error(
                      computes.length === 0
                        ? 'no compute host registered: see the n-cpu pane log'
                        : `discover_hosts did not map ${unmapped.join(', ')}`,
                    );
                  }
                  if (unmapped.length > 0)
                    await ctx.sh.run([m, ...conf, 'cell_v2', 'discover_hosts', '--verbose'], {
                      user: 'nova',
                      cwd: '/',
                    });
                  else await new Promise((r) => setTimeout(r, 1000));
                }
              },
            },
          ] satisfies Step[])
        : []),
    ],
  }),
  async clean(ctx) {
    await dropDatabases(ctx, 'nova', ['nova_api', 'nova', 'nova_cell0']);
    await removeDirs(ctx, [`${STATE}/instances`, `${STATE}/tmp`]);
  },
  processes(plan) {
    const host = serviceHost(plan);
    const conf = ['--config-file', novaConfPath(plan)];
    const codeFrom = paneCodeFrom(plan);
    const daemon = (name: string, script: string, topic: string, after: string[]): ProcessSpec => ({
      name,
      project: 'nova',
      argv: [binPath(plan, script), ...conf],
      user: 'nova',
      cwd: STATE,
      // oslo.service logs this once the service is set up
      probe: { kind: 'log', pattern: `Starting ${topic} node` },
      after,
      codeFrom,
    });
    const rabbit = plan.isEnabled('rabbit') ? ['rabbit', 'rabbit:user'] : [];
    return enabledPanes(plan, [
      {
        ...uwsgiPane({
          name: 'n-api',
          project: 'nova',
          user: 'nova',
          ini: NOVA_API_UWSGI,
          port: novaApiPort(plan),
          host,
          after: ['key', ...SYNC_AFTER],
        }),
        codeFrom,
      },
      {
        ...uwsgiPane({
          name: 'n-api-meta',
          project: 'nova',
          user: 'nova',
          ini: NOVA_METADATA_UWSGI,
          port: metadataPort(plan),
          host,
          after: ['key', ...SYNC_AFTER],
        }),
        codeFrom,
      },
      // Zed's conductor asks placement for its API versions as it starts, and exits when there is none yet
      daemon('n-cond', 'nova-conductor', 'conductor', [...rabbit, ...SYNC_AFTER, 'placement-api']),
      daemon('n-sch', 'nova-scheduler', 'scheduler', [...rabbit, ...SYNC_AFTER, 'placement-api']),
      {
        name: 'n-cpu',
        project: 'nova',
        argv: computeArgv(plan),
        user: 'nova',
        cwd: STATE,
        probe: { kind: 'log', pattern: 'Starting compute node' },
        // compute registers through conductor and reports to placement; ports bind through neutron's agent
        after: ['n-cond', 'placement-api', 'q-agt', 'ovn-controller', ...hypervisor(plan).after(plan)],
        codeFrom,
      },
    ]);
  },
  catalog: (plan) =>
    plan.isEnabled('n-api')
      ? [
          {
            user: 'nova',
            extraRoles: ['admin'],
            service: { name: 'nova', type: 'compute', description: 'Nova Compute Service' },
            url: urls.serviceUrl(plan, novaApiPort(plan), '/v2.1'),
          },
        ]
      : [],
};
