// ML2's type drivers, ranges and the OVS agent's files the devstack way (issue 14). Each case is a local.conf
// resolved and planned for real; the files neutron would get (post-config merged) are read back by neutron's own
// option definitions through oslo.config, in the order neutron-server and the agent read them.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLocalConf } from '../../../lib/config/localconf.ts';
import { resolveConfig } from '../../../lib/config/resolve.ts';
import { stackCatalog } from '../../../lib/cli/catalog.ts';
import { buildPlan } from '../../../lib/plan/plan.ts';
import { SERVICE_MODULES } from '../../../lib/services/registry.ts';
import { ml2Conf, neutronFiles, neutronModule } from '../../../lib/services/neutron.ts';
import {
  agentBridges,
  ml2OvsModule,
  ovsAgentConf,
  ovsAgentConfigFiles,
} from '../../../lib/services/neutron/ml2-ovs.ts';
import type { Plan, StackContext } from '../../../lib/types/stack.ts';
import { ConfigError } from '../../../lib/util/errors.ts';
import { fakeHost } from '../config/helpers.ts';

const PASSWORDS = 'ADMIN_PASSWORD=a1\nDATABASE_PASSWORD=d1\nRABBIT_PASSWORD=r1\nSERVICE_PASSWORD=s1\n';

/** ML2/OVS, as devstack's guide selects it (after the case's lines, so their line numbers stay). */
const ML2_OVS =
  'Q_AGENT=openvswitch\ndisable_service ovn-northd ovn-controller q-ovn-metadata-agent\n' +
  'enable_service q-agt q-dhcp q-l3 q-meta\n';

/** A local.conf on ML2/OVS: `localrc` lines after the passwords, then any other meta-sections. */
function planOf(localrc: string, rest = ''): Plan {
  const text = `[[local|localrc]]\n${PASSWORDS}${localrc}\n${ML2_OVS}${rest}`;
  const config = resolveConfig({
    localConf: parseLocalConf(text, 'ml2-local.conf'),
    env: {},
    host: fakeHost(),
    savedPasswords: {},
    catalog: stackCatalog(),
  });
  return buildPlan(config, { method: 'distro', reason: 'test' }, SERVICE_MODULES);
}

/** The configure step's files, post-config merged, as they would be written. */
async function neutronFilesOf(plan: Plan): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const ctx = {
    plan,
    force: false,
    log: { info() {}, warn() {}, debug() {} },
    sh: { run: async () => ({ code: 0, stdout: '', stderr: '' }) },
    writeFile: async (path: string, content: string) => {
      files.set(path, content);
      return true;
    },
  } as unknown as StackContext;
  await neutronModule.steps!(plan).configure![0].run(ctx);
  await ml2OvsModule.steps!(plan).configure![0].run(ctx);
  return files;
}

const dir = mkdtempSync(join(tmpdir(), 'tstack-ml2-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// neutron's own option definitions: what neutron-server and neutron-openvswitch-agent parse the files with
const READ_WITH_NEUTRON = `
import json, sys
from oslo_config import cfg
from neutron.conf.plugins.ml2 import config as ml2
from neutron.conf.plugins.ml2.drivers import driver_type, ovs_conf
from neutron.conf.agent import securitygroups_rpc
out = []
for job in json.load(sys.stdin):
    conf = cfg.ConfigOpts()
    ml2.register_ml2_plugin_opts(conf)
    for r in (driver_type.register_ml2_drivers_flat_opts, driver_type.register_ml2_drivers_vlan_opts,
              driver_type.register_ml2_drivers_vxlan_opts, driver_type.register_ml2_drivers_geneve_opts,
              driver_type.register_ml2_drivers_gre_opts, ovs_conf.register_ovs_agent_opts,
              securitygroups_rpc.register_securitygroups_opts):
        r(conf)
    conf(['--config-file=' + f for f in job['files']], project='neutron', default_config_files=[])
    out.append({g + '.' + k: getattr(getattr(conf, g), k) for g, k in job['read']})
print(json.dumps(out))
`;

let run = 0;
/** Writes each job's files and reads its options through oslo.config with neutron's definitions, in its order. */
function readByNeutron(jobs: { files: Map<string, string>; order: string[]; read: [string, string][] }[]) {
  const input = jobs.map((j) => ({
    read: j.read,
    files: j.order.map((f) => {
      const p = join(dir, `${run++}-${f.split('/').pop()}`);
      writeFileSync(p, j.files.get(f) ?? '');
      return p;
    }),
  }));
  const out = execFileSync('/usr/bin/python3', ['-c', READ_WITH_NEUTRON], {
    input: JSON.stringify(input),
    env: { ...process.env, LC_ALL: 'C.UTF-8' },
  });
  return JSON.parse(out.toString()) as Record<string, unknown>[];
}

const ML2_READ: [string, string][] = [
  ['ml2', 'type_drivers'],
  ['ml2', 'tenant_network_types'],
  ['ml2_type_vxlan', 'vni_ranges'],
  ['ml2_type_geneve', 'vni_ranges'],
  ['ml2_type_gre', 'tunnel_id_ranges'],
  ['ml2_type_vlan', 'network_vlan_ranges'],
  ['ml2_type_flat', 'flat_networks'],
];
const AGENT_READ: [string, string][] = [
  ['OVS', 'bridge_mappings'],
  ['OVS', 'datapath_type'],
  ['AGENT', 'tunnel_types'],
  ['AGENT', 'l2_population'],
  ['SECURITYGROUP', 'firewall_driver'],
];

// Importing neutron takes python a second or two: the reads are declared while the tests are collected and
// answered by one python run before they start.
const queue: { plan: Plan; kind: 'server' | 'agent'; result?: Record<string, unknown> }[] = [];
const read = (kind: 'server' | 'agent') => (plan: Plan) => {
  const q: (typeof queue)[number] = { plan, kind };
  queue.push(q);
  return () => q.result!;
};
/** The options neutron-server reads from ml2_conf.ini. */
const server = read('server');
/** The options the OVS agent reads from its files, in its order. */
const agent = read('agent');
beforeAll(async () => {
  const jobs = [];
  for (const q of queue) {
    jobs.push({
      files: await neutronFilesOf(q.plan),
      order: q.kind === 'server' ? [neutronFiles(q.plan).ml2] : ovsAgentConfigFiles(q.plan).slice(1),
      read: q.kind === 'server' ? ML2_READ : AGENT_READ,
    });
  }
  readByNeutron(jobs).forEach((r, i) => {
    queue[i].result = r;
  });
});

function configError(f: () => unknown): ConfigError {
  try {
    f();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('no ConfigError');
}

describe('ML2 type drivers and ranges, read by neutron-server', () => {
  const defaults = server(planOf(''));
  it('defaults (vxlan): every type driver loaded, VNIs 1:1000, flat and VLAN on physnet public', () => {
    expect(defaults()).toEqual({
      'ml2.type_drivers': ['local', 'flat', 'vlan', 'gre', 'vxlan', 'geneve'],
      'ml2.tenant_network_types': ['vxlan'],
      'ml2_type_vxlan.vni_ranges': ['1:1000'],
      'ml2_type_geneve.vni_ranges': ['1:1000'],
      'ml2_type_gre.tunnel_id_ranges': ['1:1000'],
      'ml2_type_vlan.network_vlan_ranges': ['public'],
      'ml2_type_flat.flat_networks': ['public'],
    });
  });

  const vlan = server(
    planOf(
      'Q_ML2_TENANT_NETWORK_TYPE=vlan\nPHYSICAL_NETWORK=physnet1\nTENANT_VLAN_RANGE=1000:1999\n' +
        'OVS_PHYSICAL_BRIDGE=br-eth1\nOVS_BRIDGE_MAPPINGS=public:br-ex,physnet1:br-eth1\n',
    ),
  );
  it('Q_ML2_TENANT_NETWORK_TYPE=vlan with TENANT_VLAN_RANGE: the range on PHYSICAL_NETWORK', () => {
    const r = vlan();
    expect(r['ml2.tenant_network_types']).toEqual(['vlan']);
    expect(r['ml2_type_vlan.network_vlan_ranges']).toEqual(['physnet1:1000:1999']);
    // PUBLIC_PHYSICAL_NETWORK stays flat-capable next to PHYSICAL_NETWORK, as in devstack
    expect(r['ml2_type_flat.flat_networks']).toEqual(['physnet1', 'public']);
  });

  const geneve = server(
    planOf('Q_ML2_TENANT_NETWORK_TYPE=geneve\nQ_ML2_PLUGIN_TYPE_DRIVERS=flat,geneve\nTENANT_TUNNEL_RANGES=5:500\n'),
  );
  it('geneve with its own ranges and an explicit type driver list', () => {
    const r = geneve();
    expect(r['ml2.type_drivers']).toEqual(['flat', 'geneve']);
    expect(r['ml2.tenant_network_types']).toEqual(['geneve']);
    expect(r['ml2_type_geneve.vni_ranges']).toEqual(['5:500']);
    // the drivers that are not loaded get no options
    expect(r['ml2_type_vxlan.vni_ranges']).toEqual([]);
  });

  const options = server(
    planOf(
      'Q_ML2_TENANT_NETWORK_TYPE=vxlan,vlan\nML2_VLAN_RANGES=physnet1:10:20,physnet2\n' +
        'OVS_BRIDGE_MAPPINGS=public:br-ex,physnet1:br-eth1\nQ_ML2_PLUGIN_VXLAN_TYPE_OPTIONS=vni_ranges=100:200\n' +
        'Q_ML2_PLUGIN_FLAT_TYPE_OPTIONS=flat_networks=*\n',
    ),
  );
  it('Q_ML2_PLUGIN_<TYPE>_TYPE_OPTIONS set their sections; ML2_VLAN_RANGES replaces the derived ranges', () => {
    const r = options();
    expect(r['ml2.tenant_network_types']).toEqual(['vxlan', 'vlan']);
    expect(r['ml2_type_vlan.network_vlan_ranges']).toEqual(['physnet1:10:20', 'physnet2']);
    expect(r['ml2_type_vxlan.vni_ranges']).toEqual(['100:200']);
    expect(r['ml2_type_flat.flat_networks']).toEqual(['*']);
  });

  it('a project network type whose driver is not loaded is refused with its line', () => {
    const e = configError(() => planOf('Q_ML2_TENANT_NETWORK_TYPE=geneve\nQ_ML2_PLUGIN_TYPE_DRIVERS=flat,vxlan\n'));
    expect(e.message).toMatch(/^ml2-local\.conf:7: ML2 loads the type drivers flat,vxlan but not geneve/);
  });

  it('an unknown network type or a malformed option item is refused with its line', () => {
    expect(configError(() => planOf('Q_ML2_TENANT_NETWORK_TYPE=vxlam\n')).message).toMatch(
      /^ml2-local\.conf:6: Q_ML2_TENANT_NETWORK_TYPE: 'vxlam' is not a network type of ML2/,
    );
    expect(configError(() => planOf('Q_ML2_PLUGIN_VLAN_TYPE_OPTIONS=physnet1:1:2\n')).message).toMatch(
      /^ml2-local\.conf:6: Q_ML2_PLUGIN_VLAN_TYPE_OPTIONS: 'physnet1:1:2' is not option=value/,
    );
    expect(configError(() => planOf('OVS_BRIDGE_MAPPINGS=physnet1\n')).message).toMatch(
      /^ml2-local\.conf:6: OVS_BRIDGE_MAPPINGS: 'physnet1' is not physnet:bridge/,
    );
  });

  it('vlan project networks need a VLAN range, and on an agent node a bridge for its physnet', () => {
    expect(configError(() => planOf('Q_ML2_TENANT_NETWORK_TYPE=vlan\n')).message).toMatch(
      /^ml2-local\.conf:6: Q_ML2_TENANT_NETWORK_TYPE=vlan needs a range of VLAN ids/,
    );
    expect(
      configError(() => planOf('Q_ML2_TENANT_NETWORK_TYPE=vlan\nML2_VLAN_RANGES=physnet1:1000:1999\n')).message,
    ).toMatch(/^ml2-local\.conf:7: VLAN project networks on physnet physnet1 need a bridge/);
    // a compute node (no q-svc) does not allocate; a controller without q-agt binds no port
    expect(() =>
      planOf(
        'Q_ML2_TENANT_NETWORK_TYPE=vlan\nENABLED_SERVICES=n-cpu,q-agt,placement-client\n' +
          'OVS_BRIDGE_MAPPINGS=public:br-ex\n',
      ),
    ).not.toThrow();
  });

  const postConfigPlan = planOf(
    // devstack's provider-network guide: no l3 agent, the VLANs on physnet default
    'Q_ML2_TENANT_NETWORK_TYPE=vlan\nPHYSICAL_NETWORK=default\ndisable_service q-l3\n',
    '[[post-config|/$Q_PLUGIN_CONF_FILE]]\n[ml2_type_vlan]\nnetwork_vlan_ranges = default:100:200\n',
  );
  const postConfig = server(postConfigPlan);
  it('a range given in [[post-config|/$Q_PLUGIN_CONF_FILE]] counts, as in devstack', () => {
    const plan = postConfigPlan;
    expect(postConfig()['ml2_type_vlan.network_vlan_ranges']).toEqual(['default:100:200']);
    expect(agentBridges(plan)).toEqual(['br-ex']);
  });
});

describe('the OVS agent reads ml2_conf.ini too (devstack writes its options there)', () => {
  it('its argv: neutron.conf, openvswitch_agent.ini, then ml2_conf.ini (the last one wins)', () => {
    const plan = planOf('');
    const f = neutronFiles(plan);
    const argv = plan.processes.find((p) => p.name === 'q-agt')!.argv;
    expect(argv.slice(1)).toEqual(['--config-file', f.neutron, '--config-file', f.ovsAgent, '--config-file', f.ml2]);
  });

  const defaults = agent(planOf(''));
  it('defaults: vxlan tunnels, bridge_mappings public:br-ex on the netdev datapath', () => {
    expect(defaults()).toEqual({
      'OVS.bridge_mappings': ['public:br-ex'],
      'OVS.datapath_type': 'netdev',
      'AGENT.tunnel_types': ['vxlan'],
      'AGENT.l2_population': false,
      'SECURITYGROUP.firewall_driver': 'openvswitch',
    });
  });

  const vlan = planOf(
    'Q_ML2_TENANT_NETWORK_TYPE=vlan\nTENANT_VLAN_RANGE=100:199\nPHYSICAL_NETWORK=physnet1\n' +
      'OVS_BRIDGE_MAPPINGS=public:br-ex,physnet1:br-eth1\n',
  );
  const vlanAgent = agent(vlan);
  const geneveAgent = agent(planOf('Q_ML2_TENANT_NETWORK_TYPE=geneve\n'));
  it('vlan only: no tunnels; geneve: geneve tunnels; OVS_BRIDGE_MAPPINGS reaches the agent', () => {
    const a = vlanAgent();
    expect(a['AGENT.tunnel_types']).toEqual([]);
    expect(a['OVS.bridge_mappings']).toEqual(['public:br-ex', 'physnet1:br-eth1']);
    expect(agentBridges(vlan)).toEqual(['br-ex', 'br-eth1']);
    expect(geneveAgent()['AGENT.tunnel_types']).toEqual(['geneve']);
  });

  const plan = planOf(
    '',
    '[[post-config|/$Q_PLUGIN_CONF_FILE]]\n[ovs]\nbridge_mappings = public:br-ex,extnet:br-ext\n' +
      '[agent]\nl2_population = True\n[securitygroup]\nfirewall_driver = iptables_hybrid\n',
  );
  const postConfig = agent(plan);
  it('[ovs], [agent] and [securitygroup] in [[post-config|/$Q_PLUGIN_CONF_FILE]] take effect in the agent', () => {
    const a = postConfig();
    expect(a['OVS.bridge_mappings']).toEqual(['public:br-ex', 'extnet:br-ext']);
    expect(a['AGENT.l2_population']).toBe(true);
    expect(a['SECURITYGROUP.firewall_driver']).toBe('iptables_hybrid');
    // the bridge the post-config maps is created before the agent starts
    expect(agentBridges(plan)).toEqual(['br-ex', 'br-ext']);
  });

  it('the generated documents carry no empty type section for a driver that is not loaded', () => {
    const plan = planOf('Q_ML2_PLUGIN_TYPE_DRIVERS=flat,vxlan\n');
    expect(ml2Conf(plan).map((s) => s.name)).toEqual(['ml2', 'ml2_type_flat', 'ml2_type_vxlan', 'securitygroup']);
    expect(ovsAgentConf(plan).map((s) => s.name)).toEqual(['ovs', 'agent', 'securitygroup']);
  });
});

describe('the public provider network needs a bridge', () => {
  it('PUBLIC_PHYSICAL_NETWORK unmapped is refused where q-l3 routes; mapped, or no provider net, fine', () => {
    expect(configError(() => planOf('PUBLIC_PHYSICAL_NETWORK=ext\n')).message).toMatch(
      /^ml2-local\.conf:6: the public network is a provider network on physnet 'ext'.*maps to no bridge/,
    );
    expect(() => planOf('PUBLIC_PHYSICAL_NETWORK=ext\nOVS_BRIDGE_MAPPINGS=public:br-ex,ext:br-ext\n')).not.toThrow();
    expect(() => planOf('PUBLIC_PHYSICAL_NETWORK=ext\nQ_USE_PROVIDERNET_FOR_PUBLIC=False\n')).not.toThrow();
  });
});
