// Neutron ML2/OVS: q-svc, and the OVS, DHCP, L3 and metadata agents, on the
// userspace OVS datapath (datapath_type=netdev): this kernel has no OVS
// module, but netdev bridges with tap ports forward, route and NAT fine.
// The agents run as neutron and escalate through Debian's sudoers entry for
// neutron-rootwrap (and privsep through it).

import { stepStamp } from '../source/stamp.ts';
import type { Plan, ServiceModule, StackContext, Step } from '../types/stack.ts';
import { binPath } from '../source/paths.ts';
import type { ProcessSpec } from '../types/process.ts';
import { getOption, iniDoc, mergeIni, type IniDoc } from '../util/ini.ts';
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
  hostIp,
  listenAddress,
  localHost,
  serviceHost,
  transportUrl,
  writeConf,
  dropDatabases,
  removeDirs,
} from './common.ts';
import { serviceUrl } from '../config/urls.ts';
import { metadataPort, metadataSecret } from './nova.ts';
import { OVS_DB_SOCK } from './ovs.ts';
import { NEUTRON_SETTINGS } from './neutron-settings.ts';
import { type EffectiveOption, mappingBridges, ml2Layout, ml2Problems } from './neutron-ml2.ts';

const STATE = '/var/lib/neutron';
// the agents make OVSDB listen where they connect (ptcp manager): loopback, as devstack's OVSDB_SERVER_LOCAL_HOST
const OVSDB_TCP = (plan: Plan) => `tcp:${localHost(plan)}:6640`;

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

/** Namespaces neutron's agents make (`ip netns list` output; ids may be followed by `(id: N)`). */
export function neutronNamespaces(ipNetnsList: string): string[] {
  return ipNetnsList
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0])
    .filter((n) => /^(qrouter|qdhcp|snat|fip)-[0-9a-f-]+$/.test(n));
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

/** PUBLIC_NETWORK_GATEWAY with FLOATING_RANGE's prefix length (`172.24.4.1/24`), or undefined when either is unset. */
export function publicGatewayCidr(plan: Plan): string | undefined {
  const gw = plan.get('PUBLIC_NETWORK_GATEWAY');
  const prefix = plan.get('FLOATING_RANGE').split('/')[1];
  return gw && prefix ? `${gw}/${prefix}` : undefined;
}

export function neutronConf(plan: Plan): IniDoc {
  const w = apiWorkers(plan);
  return iniDoc({
    DEFAULT: {
      debug: debug(plan),
      bind_host: listenAddress(plan),
      bind_port: neutronPort(plan),
      core_plugin: 'ml2',
      service_plugins: 'router',
      auth_strategy: 'keystone',
      transport_url: transportUrl(plan),
      notify_nova_on_port_status_changes: true,
      notify_nova_on_port_data_changes: true,
      api_workers: w,
      rpc_workers: w,
      rpc_state_report_workers: w,
      state_path: STATE,
      interface_driver: 'openvswitch',
    },
    agent: {
      root_helper: 'sudo /usr/bin/neutron-rootwrap /etc/neutron/rootwrap.conf',
      root_helper_daemon: 'sudo /usr/bin/neutron-rootwrap-daemon /etc/neutron/rootwrap.conf',
    },
    database: { connection: databaseUrl(plan, 'neutron', 'neutron') },
    keystone_authtoken: keystoneAuthtoken(plan, 'neutron'),
    nova: serviceAuth(plan, 'nova'),
    placement: serviceAuth(plan, 'placement'),
    oslo_concurrency: { lock_path: `${STATE}/lock` },
    oslo_policy: { policy_dirs: '/etc/neutron/policy.d' },
  });
}

export function ml2Conf(plan: Plan): IniDoc {
  const l = ml2Layout(plan);
  const typeSections = Object.fromEntries(
    Object.entries(l.typeOptions).map(([type, opts]) => [`ml2_type_${type}`, opts]),
  );
  return iniDoc({
    ml2: {
      ...(l.typeDrivers ? { type_drivers: l.typeDrivers.join(',') } : {}),
      tenant_network_types: l.tenantTypes.join(','),
      mechanism_drivers: 'openvswitch',
      extension_drivers: 'port_security',
    },
    ...typeSections,
    securitygroup: { enable_security_group: true, enable_ipset: true },
  });
}

/**
 * The OVS agent's own settings. devstack writes them into ml2_conf.ini, which its agent reads; Debian keeps
 * them in openvswitch_agent.ini. The agent reads both, ml2_conf.ini last, so `[ovs]`, `[agent]` and
 * `[securitygroup]` in `[[post-config|/$Q_PLUGIN_CONF_FILE]]` take effect as they do in devstack.
 */
export function ovsAgentConf(plan: Plan): IniDoc {
  const l = ml2Layout(plan);
  return iniDoc({
    ovs: {
      datapath_type: ovsDatapath(plan),
      integration_bridge: 'br-int',
      tunnel_bridge: 'br-tun',
      // the VXLAN endpoint: this node's address (devstack's TUNNEL_ENDPOINT_IP)
      local_ip: hostIp(plan),
      bridge_mappings: l.bridgeMappings.map((m) => `${m.physnet}:${m.bridge}`).join(','),
      ovsdb_connection: OVSDB_TCP(plan),
    },
    agent: { tunnel_types: l.tunnelTypes.join(','), l2_population: false },
    securitygroup: { firewall_driver: 'openvswitch', enable_security_group: true },
  });
}

/**
 * ML2's and the OVS agent's options as neutron reads them: the generated files with local.conf's post-config
 * merged in; the agent reads ml2_conf.ini after its own file, so an option there wins.
 */
export function effectiveMl2(plan: Plan): { ml2: EffectiveOption; agent: EffectiveOption } {
  const f = neutronFiles(plan);
  const read =
    (doc: IniDoc): EffectiveOption =>
    (section, key) =>
      getOption(doc, section, key)?.at(-1);
  const ml2 = read(mergeIni(ml2Conf(plan), metaSectionsFor(plan, f.ml2)));
  const own = read(mergeIni(ovsAgentConf(plan), metaSectionsFor(plan, f.ovsAgent)));
  return { ml2, agent: (section, key) => ml2(section, key) ?? own(section, key) };
}

/** Every OVS bridge the agent needs before it starts: PUBLIC_BRIDGE and each bridge of its bridge_mappings. */
export function agentBridges(plan: Plan): string[] {
  const { agent } = effectiveMl2(plan);
  return [...new Set([publicBridge(plan), ...mappingBridges(agent('ovs', 'bridge_mappings'))])];
}

/** The OVS agent's --config-file list, in reading order (a later file wins). */
export function ovsAgentConfigFiles(plan: Plan): string[] {
  const f = neutronFiles(plan);
  return [f.neutron, f.ovsAgent, f.ml2];
}

export function dhcpAgentConf(plan: Plan): IniDoc {
  return iniDoc({
    DEFAULT: {
      debug: debug(plan),
      interface_driver: 'openvswitch',
      dhcp_driver: 'neutron.agent.linux.dhcp.Dnsmasq',
      enable_isolated_metadata: true,
    },
    ovs: { ovsdb_connection: OVSDB_TCP(plan) },
  });
}

export function l3AgentConf(plan: Plan): IniDoc {
  return iniDoc({
    DEFAULT: { debug: debug(plan), interface_driver: 'openvswitch', agent_mode: 'legacy' },
    ovs: { ovsdb_connection: OVSDB_TCP(plan) },
  });
}

export function metadataAgentConf(plan: Plan): IniDoc {
  return iniDoc({
    DEFAULT: {
      debug: debug(plan),
      nova_metadata_host: serviceHost(plan),
      nova_metadata_port: metadataPort(plan),
      metadata_proxy_shared_secret: metadataSecret(plan),
      metadata_workers: apiWorkers(plan),
    },
  });
}

export const neutronModule: ServiceModule = {
  name: 'neutron',
  project: 'neutron',
  shortNames: ['q-svc', 'q-agt', 'q-dhcp', 'q-l3', 'q-meta'],
  settings: NEUTRON_SETTINGS,
  repos: [{ name: 'neutron', distroPackage: 'python3-neutron' }],
  debconf: [
    'neutron-common neutron/configure_db boolean false',
    'neutron-common neutron/configure_rabbit boolean false',
    'neutron-common neutron/configure_ksat boolean false',
    'neutron-common neutron/configure_nova boolean false',
    'neutron-metadata-agent neutron-metadata/configure boolean false',
  ],
  configFiles: (plan) => [...Object.values(neutronFiles(plan)), databaseClientFile('neutron')],
  steps: (plan) => ({
    configure: [
      {
        id: 'neutron:configure',
        title: 'neutron.conf, ML2 and the agents',
        async run(ctx) {
          const p = ctx.plan;
          const f = neutronFiles(p);
          await writeConf(ctx, f.neutron, neutronConf(p), 'neutron');
          await writeConf(ctx, f.ml2, ml2Conf(p), 'neutron');
          await writeConf(ctx, f.ovsAgent, ovsAgentConf(p), 'neutron');
          await writeConf(ctx, f.dhcp, dhcpAgentConf(p), 'neutron');
          await writeConf(ctx, f.l3, l3AgentConf(p), 'neutron');
          await writeConf(ctx, f.metadata, metadataAgentConf(p), 'neutron');
          await ensureDirs(ctx, 'neutron', [STATE, `${STATE}/lock`]);
          // dnsmasq drops to `nobody` and reads its host and opts files under dhcp/: without a way through,
          // it logs "cannot read .../host: Permission denied" and answers every DISCOVER "no address available"
          await ctx.sh.run(['chmod', 'o+x', STATE]);
        },
      },
      ...(plan.isEnabled('q-svc') ? [databaseClientStep('neutron', 'neutron')] : []),
    ],
    start: [
      ...(plan.isEnabled('q-svc')
        ? ([
            databaseStep(plan, 'neutron', 'neutron', ['neutron']),
            {
              id: 'neutron:db-sync',
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
                  {
                    user: 'neutron',
                    cwd: '/',
                  },
                );
                ctx.log.info(`neutron-db-manage upgrade heads: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
              },
            },
          ] satisfies Step[])
        : []),
      ...(plan.isEnabled('q-agt')
        ? ([
            {
              id: 'neutron:br-ex',
              title: `${agentBridges(plan).join(', ')} on the ${ovsDatapath(plan)} datapath`,
              // --no-wait: only ovsdb is needed; the OVS agent wants the bridges of bridge_mappings to exist
              after: afterPanes(plan, 'ovsdb-server', 'ovs-vswitchd'),
              async run(ctx: StackContext) {
                for (const br of agentBridges(ctx.plan)) {
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
                const br = publicBridge(ctx.plan);
                // devstack puts the public network's gateway on the bridge: the host reaches floating IPs
                // through it (and routers reach the host), without anything leaving the machine
                const gw = publicGatewayCidr(ctx.plan);
                if (gw) {
                  await ctx.sh.run(['ip', 'addr', 'replace', gw, 'dev', br]);
                  await ctx.sh.run(['ip', 'link', 'set', br, 'up']);
                }
              },
            },
          ] satisfies Step[])
        : []),
    ],
  }),
  async stop(ctx) {
    // dnsmasq (as nobody) and haproxy are started through rootwrap, daemonise and lose the pane
    // marker; they are exactly the processes inside neutron's namespaces
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
  },
  async clean(ctx) {
    await dropDatabases(ctx, 'neutron', ['neutron']);
    // the routers' and networks' namespaces (their taps vanish with ovs-vswitchd, the namespaces do not)
    const list = await ctx.sh.run(['ip', 'netns', 'list']);
    for (const ns of neutronNamespaces(list.stdout))
      await ctx.sh.run(['ip', 'netns', 'delete', ns], { allowFailure: true });
    await removeDirs(ctx, [`${STATE}/dhcp`, `${STATE}/external`, `${STATE}/ha_confs`, `${STATE}/lock`]);
  },
  processes(plan) {
    const f = neutronFiles(plan);
    const codeFrom = paneCodeFrom(plan);
    const rabbit = plan.isEnabled('rabbit') ? ['rabbit', 'rabbit:user'] : [];
    // a type or mapping that cannot work fails the plan (dry-run included), not neutron's start
    const { ml2, agent: agentOption } = effectiveMl2(plan);
    const problem = ml2Problems(plan, ml2, agentOption);
    if (problem) throw problem;
    const agent = (name: string, script: string, inis: string[], pattern: string, after: string[]): ProcessSpec => ({
      name,
      project: 'neutron',
      argv: [binPath(plan, script), ...[f.neutron, ...inis].flatMap((ini) => ['--config-file', ini])],
      user: 'neutron',
      cwd: STATE,
      probe: { kind: 'log', pattern },
      after: ['q-svc', ...after],
      codeFrom,
    });
    return enabledPanes(plan, [
      {
        name: 'q-svc',
        project: 'neutron',
        argv: [binPath(plan, 'neutron-server'), '--config-file', f.neutron, '--config-file', f.ml2],
        user: 'neutron',
        cwd: STATE,
        probe: { kind: 'http', url: `${neutronUrl(plan)}/` },
        port: neutronPort(plan),
        after: ['key', ...rabbit, 'neutron:db-sync'],
        codeFrom,
      },
      agent(
        'q-agt',
        'neutron-openvswitch-agent',
        ovsAgentConfigFiles(plan).slice(1),
        'Agent initialized successfully',
        ['ovs-vswitchd', 'neutron:br-ex'],
      ),
      agent('q-dhcp', 'neutron-dhcp-agent', [f.dhcp], 'DHCP agent started', ['q-agt']),
      agent('q-l3', 'neutron-l3-agent', [f.l3], 'L3 agent started', ['q-agt']),
      {
        ...agent('q-meta', 'neutron-metadata-agent', [f.metadata], '', []),
        // it serves the metadata proxies on a unix socket; a connect proves it listens (a stale file refuses)
        probe: {
          kind: 'command',
          argv: [
            '/usr/bin/python3',
            '-c',
            'import socket,sys; socket.socket(socket.AF_UNIX).connect(sys.argv[1])',
            `${STATE}/metadata_proxy`,
          ],
        },
      },
    ]);
  },
  catalog: (plan) =>
    plan.isEnabled('q-svc')
      ? [
          {
            user: 'neutron',
            extraRoles: ['admin'],
            service: { name: 'neutron', type: 'network', description: 'Neutron Service' },
            url: neutronUrl(plan),
          },
        ]
      : [],
};
