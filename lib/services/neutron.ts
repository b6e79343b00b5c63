// Neutron's server: q-svc with ML2 and the backend Q_AGENT names, its
// database and catalog entry, and what both backends share (the files,
// br-ex, the namespaces' clean-up). The backends are modules of their own:
// neutron/ml2-ovn.ts (OVN's daemons, devstack's default) and
// neutron/ml2-ovs.ts (the OVS, DHCP, L3 and metadata agents). Both use the
// userspace OVS datapath (datapath_type=netdev): this kernel has no OVS
// module, but netdev bridges with tap ports forward, route and NAT fine.

import { join } from 'node:path';
import { stepStamp } from '../source/stamp.ts';
import type { Plan, ServiceModule, StackContext, Step } from '../types/stack.ts';
import type { Shell } from '../types/shell.ts';
import type { Logger } from '../types/logger.ts';
import { binPath } from '../source/paths.ts';
import { rootHelper, rootHelperDaemon, rootwrap } from '../source/rootwrap.ts';
import { getOption, iniDoc, mergeIni, type IniDoc, type IniSpec } from '../util/ini.ts';
import { codeFrom as paneCodeFrom } from '../source/index.ts';
import {
  databaseClientFile,
  databaseClientStep,
  afterPanes,
  apiWorkers,
  databaseStep,
  databaseUrl,
  debug,
  enabledPanes,
  ensureDirs,
  metaSectionsFor,
  keystoneAuthtoken,
  serviceAuth,
  listenAddress,
  localHost,
  transportUrl,
  writeConf,
  dropDatabases,
  removeDirs,
  declinePkgTools,
} from './common.ts';
import { serviceUrl } from '../config/urls.ts';
import { OVS_DB_SOCK } from './ovs.ts';
import { NEUTRON_SETTINGS } from './neutron-settings.ts';
import { ml2Backend } from './neutron/backend.ts';
import { OVN_NB_REPAIR_STEP, ovnMl2Sections } from './neutron/ovn-conf.ts';
import { ConfigError } from '../util/errors.ts';
import { type EffectiveOption, ml2Layout, ml2Problems } from './neutron-ml2.ts';
import {
  MOVED_INTERFACE_FILE,
  type MovedInterface,
  defaultGateway,
  globalIpv4,
  movePublicInterface,
  publicGatewayCidr,
  restorePublicInterface,
} from './neutron-public.ts';
import { existsSync, readFileSync, rmSync } from 'node:fs';

export const NEUTRON_STATE = '/var/lib/neutron';
const STATE = NEUTRON_STATE;
/**
 * Open vSwitch's database as the agents, os-vif and the metadata agents reach it: the manager listener on 6640,
 * loopback, as devstack's OVSDB_SERVER_LOCAL_HOST.
 */
export const ovsdbTcp = (plan: Plan): string => `tcp:${localHost(plan)}:6640`;

export interface NeutronFiles {
  neutron: string;
  ml2: string;
  ovsAgent: string;
  dhcp: string;
  l3: string;
  metadata: string;
}

export function neutronFiles(plan: Plan): NeutronFiles {
  return {
    neutron: plan.get('NEUTRON_CONF'),
    ml2: '/' + plan.get('Q_PLUGIN_CONF_FILE').replace(/^\/+/, ''),
    ovsAgent: plan.get('Q_OVS_AGENT_CONF_FILE'),
    dhcp: plan.get('Q_DHCP_CONF_FILE'),
    l3: plan.get('Q_L3_CONF_FILE'),
    metadata: plan.get('Q_META_CONF_FILE'),
  };
}

/**
 * Namespaces neutron's agents make, the OVN metadata agent's ovnmeta- included (`ip netns list` output; ids may be
 * followed by `(id: N)`).
 */
export function neutronNamespaces(ipNetnsList: string): string[] {
  return ipNetnsList
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0])
    .filter((n) => /^(qrouter|qdhcp|snat|fip|ovnmeta)-[0-9a-f-]+$/.test(n));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export const publicBridge = (plan: Plan): string => plan.get('PUBLIC_BRIDGE');
export const publicPhysnet = (plan: Plan): string => plan.get('PUBLIC_PHYSICAL_NETWORK');
/** Userspace datapath unless local.conf says otherwise (a kernel with the OVS module may use `system`). */
export const ovsDatapath = (plan: Plan): string => plan.get('OVS_DATAPATH_TYPE');
export const neutronPort = (plan: Plan): number => plan.int('NEUTRON_SERVICE_PORT');
export const neutronUrl = (plan: Plan): string => serviceUrl(plan, neutronPort(plan));

export { publicGatewayCidr } from './neutron-public.ts';

/** The step that creates PUBLIC_BRIDGE and the bridges of the backend's mappings; their agents wait for it. */
export const PUBLIC_BRIDGE_STEP = 'neutron:br-ex';

/**
 * The bridges a backend maps physical networks to, on the configured datapath, PUBLIC_BRIDGE with the public
 * network's gateway among them (devstack's _neutron_configure_router_v4 puts it there): the host reaches floating
 * IPs through it, and routers reach the host, without anything leaving the machine.
 */
export function bridgesStep(plan: Plan, bridges: (plan: Plan) => string[]): Step {
  return {
    id: PUBLIC_BRIDGE_STEP,
    title:
      `${bridges(plan).join(', ')} on the ${ovsDatapath(plan)} datapath` +
      (takesPublicInterface(plan)
        ? `; PUBLIC_INTERFACE ${plan.get('PUBLIC_INTERFACE')} joins ${plan.get('OVS_PHYSICAL_BRIDGE')}` +
          (routesPublicNetwork(plan) ? ' with its IPv4 addresses and default route' : '')
        : ''),
    // only ovsdb is needed (ovs-vsctl --may-exist): the agents want the bridges of their mappings to exist
    after: afterPanes(plan, 'ovsdb-server', 'ovs-vswitchd'),
    async run(ctx: StackContext) {
      for (const br of bridges(ctx.plan)) {
        await ctx.sh.run([
          'ovs-vsctl',
          `--db=unix:${OVS_DB_SOCK}`,
          '--may-exist',
          'add-br',
          br,
          '--',
          'set',
          'bridge',
          br,
          `datapath_type=${ovsDatapath(ctx.plan)}`,
        ]);
      }
      const gw = publicGatewayCidr(ctx.plan);
      if (gw) {
        const br = publicBridge(ctx.plan);
        await ctx.sh.run(['ip', 'addr', 'replace', gw, 'dev', br]);
        await ctx.sh.run(['ip', 'link', 'set', br, 'up']);
      }
      if (takesPublicInterface(ctx.plan)) await takePublicInterface(ctx);
    },
  };
}

/**
 * Whether this host routes the public network, so PUBLIC_INTERFACE's addresses and default route move to the
 * bridge (devstack's _configure_public_network_connectivity): the l3 agent's set-up, or OVN's create_public_bridge,
 * which devstack runs when OVN_L3_CREATE_PUBLIC_NETWORK and NEUTRON_CREATE_INITIAL_NETWORKS are both on.
 */
function routesPublicNetwork(plan: Plan): boolean {
  if (plan.isEnabled('q-l3')) return true;
  return (
    plan.isEnabled('ovn-controller') &&
    plan.bool('OVN_L3_CREATE_PUBLIC_NETWORK') &&
    plan.bool('NEUTRON_CREATE_INITIAL_NETWORKS')
  );
}

/** devstack makes PUBLIC_INTERFACE a port of the bridge for the public network it routes or a provider network. */
function takesPublicInterface(plan: Plan): boolean {
  return Boolean(plan.get('PUBLIC_INTERFACE')) && (routesPublicNetwork(plan) || plan.bool('Q_USE_PROVIDER_NETWORKING'));
}

/**
 * PUBLIC_INTERFACE joins OVS_PHYSICAL_BRIDGE; where this host routes the public network, its IPv4 addresses and
 * default route move to the bridge (devstack's _move_neutron_addresses_route). What moved is kept in
 * MOVED_INTERFACE_FILE for unstack; a re-run finds the addresses already on the bridge and keeps the file it wrote
 * the first time.
 */
async function takePublicInterface(ctx: StackContext): Promise<void> {
  const iface = ctx.plan.get('PUBLIC_INTERFACE');
  const bridge = ctx.plan.get('OVS_PHYSICAL_BRIDGE');
  const link = await ctx.sh.run(['ip', '-j', '-4', 'addr', 'show', 'dev', iface], { allowFailure: true });
  if (link.code !== 0) {
    throw new Error(`PUBLIC_INTERFACE=${iface}: no such interface on this host (${link.stderr.trim()})`);
  }
  await ctx.sh.run(['ovs-vsctl', `--db=unix:${OVS_DB_SOCK}`, '--may-exist', 'add-port', bridge, iface]);
  const routes = await ctx.sh.run(['ip', '-j', '-4', 'route', 'show', 'default']);
  const gateway = defaultGateway(routes.stdout, iface);
  // its addresses move only where this host routes the public network (devstack's
  // _configure_public_network_connectivity); a provider network node keeps them on the interface
  const moves = routesPublicNetwork(ctx.plan);
  const moved: MovedInterface = {
    interface: iface,
    bridge,
    addresses: moves ? globalIpv4(link.stdout) : [],
    ...(gateway && moves ? { gateway } : {}),
  };
  for (const argv of movePublicInterface(moved)) await ctx.sh.run(argv);
  if (moved.addresses.length > 0 || !existsSync(MOVED_INTERFACE_FILE)) {
    await ctx.writeFile(MOVED_INTERFACE_FILE, `${JSON.stringify(moved)}\n`, { mode: 0o644 });
  }
  ctx.log.info(
    `PUBLIC_INTERFACE ${iface} is a port of ${bridge}` +
      (moved.addresses.length ? `; moved ${moved.addresses.join(', ')}${gateway ? ' and the default route' : ''}` : ''),
  );
}

/** unstack: PUBLIC_INTERFACE gets back what the bridge took from it (devstack's cleanup_neutron). */
async function givePublicInterfaceBack(ctx: { sh: Shell; log: Logger }): Promise<void> {
  if (!existsSync(MOVED_INTERFACE_FILE)) return;
  const moved = JSON.parse(readFileSync(MOVED_INTERFACE_FILE, 'utf8')) as MovedInterface;
  for (const argv of restorePublicInterface(moved)) await ctx.sh.run(argv, { allowFailure: true });
  rmSync(MOVED_INTERFACE_FILE, { force: true });
  ctx.log.info(`PUBLIC_INTERFACE ${moved.interface}: addresses and default route moved back from ${moved.bridge}`);
}

/**
 * What the agents started through rootwrap leave outside their panes: dnsmasq (as nobody) and haproxy daemonise
 * and lose the pane marker; they are exactly the processes inside neutron's namespaces (qdhcp-, qrouter-: ML2/OVS;
 * ovnmeta-: ML2/OVN). Idempotent, so each neutron module may call it.
 */
export async function stopNamespaceProcesses(ctx: { sh: Shell; log: Logger }): Promise<void> {
  await givePublicInterfaceBack(ctx);
  const list = await ctx.sh.run(['ip', 'netns', 'list']);
  const pids: number[] = [];
  for (const ns of neutronNamespaces(list.stdout)) {
    const r = await ctx.sh.run(['ip', 'netns', 'pids', ns], { allowFailure: true });
    pids.push(
      ...r.stdout
        .split(/\s+/)
        .filter((p) => /^\d+$/.test(p))
        .map(Number),
    );
  }
  if (pids.length === 0) return;
  await ctx.sh.run(['kill', '-TERM', ...pids.map(String)], { allowFailure: true });
  for (let i = 0; i < 50 && pids.some(alive); i++) await new Promise((r) => setTimeout(r, 100));
  const left = pids.filter(alive);
  if (left.length) await ctx.sh.run(['kill', '-KILL', ...left.map(String)], { allowFailure: true });
  ctx.log.info(`neutron: stopped ${pids.length} process(es) in its namespaces (dnsmasq, haproxy)`);
}

/** The namespaces themselves (their taps vanish with ovs-vswitchd, the namespaces do not), for --clean. */
export async function deleteNamespaces(ctx: StackContext): Promise<void> {
  const list = await ctx.sh.run(['ip', 'netns', 'list']);
  for (const ns of neutronNamespaces(list.stdout))
    await ctx.sh.run(['ip', 'netns', 'delete', ns], { allowFailure: true });
}

/** neutron.conf and ml2_conf.ini, which the server and every agent read; the state directory. */
export async function writeServerConfs(ctx: StackContext): Promise<void> {
  const p = ctx.plan;
  const f = neutronFiles(p);
  await writeConf(ctx, f.neutron, neutronConf(p), 'neutron');
  await writeConf(ctx, f.ml2, ml2Conf(p), 'neutron');
  await ensureDirs(ctx, 'neutron', [STATE, `${STATE}/lock`]);
}

/** ml2_conf.ini as neutron will read it: the generated file with local.conf's post-config merged in. */
export function effectiveMl2Conf(plan: Plan): IniDoc {
  return mergeIni(ml2Conf(plan), metaSectionsFor(plan, neutronFiles(plan).ml2));
}

export function neutronConf(plan: Plan): IniDoc {
  const ovn = ml2Backend(plan) === 'ovn';
  return iniDoc({
    DEFAULT: {
      debug: debug(plan),
      bind_host: listenAddress(plan),
      bind_port: neutronPort(plan),
      core_plugin: 'ml2',
      // OVN routes and NATs in its own pipeline: its L3 plugin replaces the one that schedules L3 agents
      service_plugins: ovn ? 'ovn-router' : 'router',
      auth_strategy: 'keystone',
      transport_url: transportUrl(plan),
      notify_nova_on_port_status_changes: true,
      notify_nova_on_port_data_changes: true,
      // not 0 (in the server's process): ML2/OVN connects to its databases only in forked workers, and an API
      // served by the parent process waits for them forever
      api_workers: apiWorkers(plan),
      rpc_workers: plan.int('NEUTRON_RPC_WORKERS'),
      // devstack runs no dedicated state-report worker either ("more than adequate" for a dev cloud)
      rpc_state_report_workers: plan.int('NEUTRON_RPC_STATE_REPORT_WORKERS'),
      state_path: STATE,
      interface_driver: 'openvswitch',
      // a checkout's pipeline is its own (upstream keeps it in etc/); Debian's is found beside neutron.conf
      api_paste_config:
        plan.method.method === 'source' ? join(plan.dirs.dest, 'neutron', 'etc', 'api-paste.ini') : undefined,
    },
    agent: {
      // Debian's, or from a checkout the venv's with tstack's conf and the checkout's filters (source/rootwrap.ts)
      root_helper: rootHelper(rootwrap(plan, 'neutron')),
      root_helper_daemon: rootHelperDaemon(rootwrap(plan, 'neutron')),
    },
    database: { connection: databaseUrl(plan, 'neutron', 'neutron') },
    keystone_authtoken: keystoneAuthtoken(plan, 'neutron'),
    nova: serviceAuth(plan, 'nova'),
    placement: serviceAuth(plan, 'placement'),
    oslo_concurrency: { lock_path: `${STATE}/lock` },
    oslo_policy: { policy_dirs: '/etc/neutron/policy.d' },
  });
}

/** Q_ML2_PLUGIN_MECHANISM_DRIVERS, which must name the backend (devstack dies without `ovn` for OVN too). */
export function mechanismDrivers(plan: Plan): string[] {
  const backend = ml2Backend(plan);
  const drivers = plan
    .get('Q_ML2_PLUGIN_MECHANISM_DRIVERS')
    .split(',')
    .map((d) => d.trim())
    .filter(Boolean);
  if (!drivers.includes(backend)) {
    throw new ConfigError(
      `Q_ML2_PLUGIN_MECHANISM_DRIVERS=${drivers.join(',')} lacks ${backend}, the driver of Q_AGENT=${backend}`,
    );
  }
  return drivers;
}

export function ml2Conf(plan: Plan): IniDoc {
  const l = ml2Layout(plan);
  const ovn = ml2Backend(plan) === 'ovn';
  const typeSections: IniSpec = Object.fromEntries(
    Object.entries(l.typeOptions).map(([type, opts]) => [`ml2_type_${type}`, opts]),
  );
  const { ml2_type_geneve: geneve, ...ovnSections } = ovn ? ovnMl2Sections(plan) : {};
  if (geneve) typeSections.ml2_type_geneve = { ...typeSections.ml2_type_geneve, ...geneve };
  return iniDoc({
    ml2: {
      ...(l.typeDrivers ? { type_drivers: l.typeDrivers.join(',') } : {}),
      tenant_network_types: l.tenantTypes.join(','),
      mechanism_drivers: mechanismDrivers(plan).join(','),
      extension_drivers: 'port_security',
    },
    ...typeSections,
    ...ovnSections,
    securitygroup: { enable_security_group: true, enable_ipset: true },
  });
}

export const neutronModule: ServiceModule = {
  name: 'neutron',
  project: 'neutron',
  shortNames: ['q-svc'],
  settings: NEUTRON_SETTINGS,
  repos: [{ name: 'neutron', distroPackage: 'python3-neutron' }],
  debconf: declinePkgTools('neutron', ['configure_db', 'configure_rabbit', 'configure_ksat', 'configure_nova']),
  configFiles: (plan) => [neutronFiles(plan).neutron, neutronFiles(plan).ml2, databaseClientFile('neutron')],
  steps: (plan) => ({
    configure: [
      { id: 'neutron:configure', title: 'neutron.conf and ML2', run: writeServerConfs },
      databaseClientStep('neutron', 'neutron'),
    ],
    start: [
      databaseStep(plan, 'neutron', 'neutron', ['neutron']),
      {
        id: 'neutron:db-sync',
        // some 300 alembic migrations
        expectSec: 20,
        title: 'neutron-db-manage upgrade heads',
        after: ['neutron:db'],
        stamp: stepStamp((p) => ({
          repos: neutronModule.repos,
          schemas: ['neutron'],
          files: neutronModule.configFiles!(p),
        })),
        async run(ctx: StackContext) {
          const f = neutronFiles(ctx.plan);
          const t0 = Date.now();
          await ctx.sh.run(
            [
              binPath(ctx.plan, 'neutron-db-manage'),
              '--config-file',
              f.neutron,
              '--config-file',
              f.ml2,
              'upgrade',
              'heads',
            ],
            { user: 'neutron', cwd: '/' },
          );
          ctx.log.info(`neutron-db-manage upgrade heads: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
        },
      },
    ],
  }),
  stop: stopNamespaceProcesses,
  async clean(ctx) {
    await dropDatabases(ctx, 'neutron', ['neutron']);
    await deleteNamespaces(ctx);
    await removeDirs(ctx, [`${STATE}/lock`]);
  },
  processes(plan) {
    const f = neutronFiles(plan);
    const rabbit = plan.isEnabled('rabbit') ? ['rabbit', 'rabbit:user'] : [];
    // a type that cannot work fails the plan (dry-run included), not neutron's start; with q-agt here too, the
    // ML2/OVS module checks the agent's side as well
    if (!plan.isEnabled('q-agt')) {
      const ml2 = effectiveMl2Conf(plan);
      const read: EffectiveOption = (section, key) => getOption(ml2, section, key)?.at(-1);
      const problem = ml2Problems(plan, read, read);
      if (problem) throw problem;
    }
    return enabledPanes(plan, [
      {
        name: 'q-svc',
        project: 'neutron',
        argv: [binPath(plan, 'neutron-server'), '--config-file', f.neutron, '--config-file', f.ml2],
        user: 'neutron',
        cwd: STATE,
        probe: { kind: 'http', url: `${neutronUrl(plan)}/` },
        port: neutronPort(plan),
        // with OVN, the server syncs to the northbound database and watches the southbound one at start; that
        // database holds what neutron's does once ml2-ovn's repair has run (it runs where ovn-northd does)
        after: [
          'key',
          ...rabbit,
          'neutron:db-sync',
          'ovn-ovsdb-nb',
          'ovn-ovsdb-sb',
          ...(ml2Backend(plan) === 'ovn' && plan.isEnabled('ovn-northd') ? [OVN_NB_REPAIR_STEP] : []),
        ],
        codeFrom: paneCodeFrom(plan),
      },
    ]);
  },
  catalog: (plan) => [
    {
      user: 'neutron',
      extraRoles: ['admin'],
      service: { name: 'neutron', type: 'network', description: 'Neutron Service' },
      url: neutronUrl(plan),
    },
  ],
};
