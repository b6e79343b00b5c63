// ML2/OVS, selectable with Q_AGENT=openvswitch (devstack's default before
// 2021): the Open vSwitch agent programs br-int, the DHCP agent runs dnsmasq
// and the L3 agent routes and NATs in namespaces; the metadata agent answers
// their haproxies. The agents run as neutron and escalate through Debian's
// sudoers entry for neutron-rootwrap (and privsep through it).

import type { ProcessSpec } from '../../types/process.ts';
import type { Plan, ServiceModule } from '../../types/stack.ts';
import { codeFrom as paneCodeFrom } from '../../source/index.ts';
import { binPath } from '../../source/paths.ts';
import { getOption, iniDoc, mergeIni, type IniDoc } from '../../util/ini.ts';
import {
  debug,
  enabledPanes,
  hostIp,
  metaSectionsFor,
  removeDirs,
  serviceHost,
  unixSocketProbe,
  writeConf,
} from '../common.ts';
import { metadataPort, metadataSecret } from '../nova.ts';
import { type EffectiveOption, mappingBridges, ml2Layout, ml2Problems } from '../neutron-ml2.ts';
import {
  NEUTRON_STATE,
  PUBLIC_BRIDGE_STEP,
  bridgesStep,
  deleteNamespaces,
  effectiveMl2Conf,
  neutronFiles,
  ovsDatapath,
  ovsdbTcp,
  publicBridge,
  stopNamespaceProcesses,
  writeServerConfs,
} from '../neutron.ts';

const STATE = NEUTRON_STATE;
const OVSDB_TCP = ovsdbTcp;

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
  const ml2 = read(effectiveMl2Conf(plan));
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
    DEFAULT: { debug: debug(plan), interface_driver: 'openvswitch', agent_mode: plan.get('Q_DVR_MODE') },
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
      metadata_workers: plan.int('NEUTRON_METADATA_WORKERS'),
    },
  });
}

export const ml2OvsModule: ServiceModule = {
  name: 'ml2-ovs',
  project: 'neutron',
  shortNames: ['q-agt', 'q-dhcp', 'q-l3', 'q-meta'],
  debconf: ['neutron-metadata-agent neutron-metadata/configure boolean false'],
  configFiles: (plan) => {
    const f = neutronFiles(plan);
    return [f.neutron, f.ml2, f.ovsAgent, f.dhcp, f.l3, f.metadata];
  },
  steps: (plan) => ({
    configure: [
      {
        id: 'ml2-ovs:configure',
        title: 'the OVS, DHCP, L3 and metadata agents',
        async run(ctx) {
          const p = ctx.plan;
          const f = neutronFiles(p);
          // an agent-only node has no q-svc to write neutron.conf and ml2_conf.ini, which the agents read too
          if (!p.isEnabled('q-svc')) await writeServerConfs(ctx);
          await writeConf(ctx, f.ovsAgent, ovsAgentConf(p), 'neutron');
          await writeConf(ctx, f.dhcp, dhcpAgentConf(p), 'neutron');
          await writeConf(ctx, f.l3, l3AgentConf(p), 'neutron');
          await writeConf(ctx, f.metadata, metadataAgentConf(p), 'neutron');
          // dnsmasq drops to `nobody` and reads its host and opts files under dhcp/: without a way through,
          // it logs "cannot read .../host: Permission denied" and answers every DISCOVER "no address available"
          await ctx.sh.run(['chmod', 'o+x', STATE]);
        },
      },
    ],
    start: plan.isEnabled('q-agt') ? [bridgesStep(plan, agentBridges)] : [],
  }),
  stop: stopNamespaceProcesses,
  async clean(ctx) {
    await deleteNamespaces(ctx);
    await removeDirs(ctx, [`${STATE}/dhcp`, `${STATE}/external`, `${STATE}/ha_confs`]);
  },
  processes(plan) {
    const f = neutronFiles(plan);
    const codeFrom = paneCodeFrom(plan);
    // a type or mapping that cannot work fails the plan (dry-run included), not the agent's start
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
      agent(
        'q-agt',
        'neutron-openvswitch-agent',
        ovsAgentConfigFiles(plan).slice(1),
        'Agent initialized successfully',
        ['ovs-vswitchd', PUBLIC_BRIDGE_STEP],
      ),
      agent('q-dhcp', 'neutron-dhcp-agent', [f.dhcp], 'DHCP agent started', ['q-agt']),
      agent('q-l3', 'neutron-l3-agent', [f.l3], 'L3 agent started', ['q-agt']),
      {
        ...agent('q-meta', 'neutron-metadata-agent', [f.metadata], '', []),
        // it serves the metadata proxies on a unix socket; a connect proves it listens (a stale file refuses)
        probe: unixSocketProbe(`${STATE}/metadata_proxy`),
      },
    ]);
  },
};
