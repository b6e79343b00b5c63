// Issue 14: realistic local.conf files in the styles users bring (a compute node, a provider-network node, OVN,
// a plugin-heavy file, a multinode controller). A dry-run of each plans what devstack would run or names each
// thing it will not do: every enabled service has a pane or is listed as not implemented, and every devstack
// variable tstack does not read is a warning with its line.

import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../lib/config/resolve.ts';
import { buildPlan } from '../../../lib/plan/plan.ts';
import { formatPlan } from '../../../lib/plan/format.ts';
import { buildPhases, formatPhases } from '../../../lib/phases/stack-phases.ts';
import { seedSteps } from '../../../lib/seed/index.ts';
import { ignoredDevstackVariable } from '../../../lib/config/devstack-variables.ts';
import { stackCatalog } from '../../../lib/cli/catalog.ts';
import { SERVICE_MODULES } from '../../../lib/services/registry.ts';
import { fakeHost, fixture, tempDir, writeConf } from './helpers.ts';

/** What `./stack.ts --dry-run` prints: the plan, then every phase's steps (the seed steps among them). */
function dryRun(name: string) {
  const config = loadConfig({ configPath: fixture(name), env: {}, host: fakeHost(), catalog: stackCatalog() });
  const plan = buildPlan(config, { method: 'distro', reason: 'test' }, SERVICE_MODULES);
  const panes = { start: async () => undefined, waitReady: async () => undefined };
  const phases = formatPhases(buildPhases(plan, { install: [], seed: seedSteps(plan), panes }));
  return { config, plan, text: `${formatPlan(plan)}\n\n${phases}` };
}

const FILES = [
  'compute-node.conf',
  'provider-node.conf',
  'ovn.conf',
  'ovn-allinone.conf',
  'ovn-compute.conf',
  'plugin-heavy.conf',
  'multinode-controller.conf',
];

const panes = (plan: { processes: { name: string }[] }) => plan.processes.map((p) => p.name);

describe.each(FILES)('dry-run of %s', (name) => {
  it('every enabled service is planned or named as not run; every ignored devstack variable is a warning', () => {
    const { config, plan, text } = dryRun(name);
    const notRun = /not implemented by tstack, ignored: (.*)/.exec(text)?.[1].split(', ') ?? [];
    const plugins = config.plugins.map((p) => p.name);
    for (const s of config.enabledServices) {
      const planned = plan.services.some((m) => m.shortNames.includes(s));
      const pluginOwn = plugins.some((p) => s === p || s.startsWith(`${p}-`));
      expect(planned || notRun.includes(s) || pluginOwn, `${s} is neither planned nor named`).toBe(true);
    }
    for (const u of config.unknownVariables) {
      if (!ignoredDevstackVariable(u.name)) continue;
      expect(text).toContain(`${fixture(name)}:${u.pos.line}: ${u.name} is a devstack setting tstack does not read`);
    }
    for (const w of config.warnings) expect(text).toContain(w.message);
  });
});

describe('what each file plans', () => {
  it('compute node: nova-compute and the OVS agent, with the OVS daemons devstack starts for it', () => {
    const { plan, text } = dryRun('compute-node.conf');
    expect(plan.config.enabledServices).toEqual(['n-cpu', 'q-agt', 'placement-client', 'ovsdb-server', 'ovs-vswitchd']);
    expect(plan.processes.map((p) => p.name)).toEqual(expect.arrayContaining(['n-cpu', 'q-agt', 'ovs-vswitchd']));
    expect(text).toContain('added ovsdb-server: q-agt needs Open vSwitch');
    expect(text).toMatch(/compute-node.conf:8: GLANCE_HOSTPORT is a devstack setting tstack does not read/);
  });

  it('provider-network node: eth1 joins br-ex, public is a flat provider net with its pool, VLANs on physnet1', () => {
    const { plan, text } = dryRun('provider-node.conf');
    expect(plan.config.enabledServices.filter((s) => s.startsWith('c-'))).toEqual([]);
    for (const v of ['PUBLIC_INTERFACE', 'Q_USE_PROVIDERNET_FOR_PUBLIC', 'OVS_BRIDGE_MAPPINGS', 'IP_VERSION']) {
      expect(text).not.toContain(`${v} is a devstack setting tstack does not read`);
    }
    expect(text).toContain(
      '- br-ex, br-eth1 on the netdev datapath; PUBLIC_INTERFACE eth1 joins br-ex with its IPv4 addresses and ' +
        'default route',
    );
    expect(text).toContain(
      '(public: flat provider network on physnet public, 198.51.100.0/24 (floating 198.51.100.100-198.51.100.200); ' +
        'private: /26 from 10.0.0.0/22; router1 (if neutron routes))',
    );
    expect(plan.config.values.PUBLIC_NETWORK_GATEWAY).toBe('198.51.100.1');
  });

  it("OVN with devstack's newer q-ovn-agent: ML2/OVN, and Zed's metadata agent in its place", () => {
    const { plan, text } = dryRun('ovn.conf');
    expect(plan.config.values.Q_AGENT).toBe('ovn');
    expect(text).toMatch(/not implemented by tstack, ignored: q-ovn-agent/);
    expect(panes(plan)).toEqual(
      expect.arrayContaining(['ovn-ovsdb-nb', 'ovn-ovsdb-sb', 'ovn-northd', 'ovn-controller', 'q-ovn-metadata-agent']),
    );
    expect(panes(plan).filter((p) => ['q-agt', 'q-dhcp', 'q-l3', 'q-meta'].includes(p))).toEqual([]);
    expect(plan.processes.some((p) => p.name.startsWith('c-'))).toBe(false);
  });

  it("neutron's OVN all-in-one sample: the OVN panes, q-svc on ovn,logger, and the plan says why", () => {
    const { plan, text } = dryRun('ovn-allinone.conf');
    expect(plan.config.values.Q_ML2_PLUGIN_MECHANISM_DRIVERS).toBe('ovn,logger');
    expect(plan.config.values.Q_ML2_TENANT_NETWORK_TYPE).toBe('geneve');
    expect(panes(plan).filter((p) => p.startsWith('ovn') || p.startsWith('q-') || p.startsWith('ovs'))).toEqual([
      'ovsdb-server',
      'ovs-vswitchd',
      'ovs-tap-guard',
      'ovn-ovsdb-nb',
      'ovn-ovsdb-sb',
      'q-svc',
      'ovn-northd',
      'ovn-controller',
      'q-ovn-metadata-agent',
    ]);
    expect(text).toMatch(
      /Q_AGENT: ovn \(ML2\/OVN, mechanism drivers ovn,logger\)\n {2}why: set in .*ovn-allinone.conf:10/,
    );
    expect(plan.packages).toEqual(expect.arrayContaining(['ovn-central', 'ovn-host', 'neutron-ovn-metadata-agent']));
    expect(plan.packages).not.toContain('neutron-l3-agent');
  });

  it("neutron's OVN compute sample: ovn-controller and the metadata agent, no OVN databases", () => {
    const { plan, text } = dryRun('ovn-compute.conf');
    expect(panes(plan)).toEqual(expect.arrayContaining(['ovn-controller', 'q-ovn-metadata-agent', 'n-cpu']));
    expect(panes(plan).filter((p) => ['ovn-northd', 'ovn-ovsdb-nb', 'ovn-ovsdb-sb', 'q-svc'].includes(p))).toEqual([]);
    expect(text).toContain('added q-ovn-metadata-agent: neutron-ovn-metadata-agent is its new-style name');
    expect(plan.config.values.OVN_SB_REMOTE).toBe('tcp:192.168.56.10:6642');
  });

  it('ML2/OVS agents with the default Q_AGENT=ovn: refused, naming what to change', () => {
    const { dir, cleanup } = tempDir();
    try {
      const path = writeConf(dir, '[[local|localrc]]\nADMIN_PASSWORD=a\nenable_service q-agt q-dhcp\n');
      const config = loadConfig({ configPath: path, env: {}, host: fakeHost(), catalog: stackCatalog() });
      expect(() => buildPlan(config, { method: 'distro', reason: 'test' }, SERVICE_MODULES)).toThrow(
        'Q_AGENT=ovn (the default) runs ML2/OVN, but q-agt, q-dhcp of ML2/OVS are enabled. Either set ' +
          'Q_AGENT=openvswitch, or disable_service q-agt q-dhcp q-l3 q-meta and enable_service ovn-northd ' +
          'ovn-controller q-ovn-metadata-agent',
      );
      const ovs = writeConf(dir, '[[local|localrc]]\nADMIN_PASSWORD=a\nQ_AGENT=openvswitch\n', 'ovs.conf');
      const c2 = loadConfig({ configPath: ovs, env: {}, host: fakeHost(), catalog: stackCatalog() });
      expect(() => buildPlan(c2, { method: 'distro', reason: 'test' }, SERVICE_MODULES)).toThrow(
        /ovs.conf:3: Q_AGENT=openvswitch runs ML2\/OVS, but ovn-northd, ovn-controller, q-ovn-metadata-agent of ML2/,
      );
    } finally {
      cleanup();
    }
  });

  it('plugin-heavy: plugins recorded, their meta-sections not merged, cinder off, neutron as devstack has it', () => {
    const { plan, text } = dryRun('plugin-heavy.conf');
    expect(plan.config.metaSections.map((m) => m.file)).toEqual(['/etc/nova/nova.conf']);
    expect(text).toContain('[[post-config|$OCTAVIA_CONF]] is not merged: $OCTAVIA_CONF is not set');
    expect(text).toContain('[[post-config|$DESIGNATE_CONF]] is not merged');
    expect(text).toContain('disable_service neutron changes nothing in devstack while q-svc, q-agt, q-dhcp, q-l3');
    expect(text).toContain("option 'debug' before any [section]");
    expect(plan.processes.some((p) => p.name === 'q-svc')).toBe(true);
    expect(plan.processes.some((p) => p.name.startsWith('c-'))).toBe(false);
    expect(plan.config.values.ADMIN_PASSWORD).toMatch(/^[0-9a-f]{20}$/);
    expect(plan.config.values.SERVICE_PASSWORD).toBe(plan.config.values.ADMIN_PASSWORD);
  });

  it('multinode controller: horizon stays off, c-bak is named, swift is planned, the image list word-splits', () => {
    const { plan, text } = dryRun('multinode-controller.conf');
    expect(plan.config.enabledServices).not.toContain('horizon');
    expect(text).toContain('enable_service horizon: horizon stays disabled');
    expect(text).toMatch(/not implemented by tstack, ignored: c-bak\n/);
    // devstack's swift names plan devstack's panes
    for (const pane of ['s-proxy', 's-object', 's-container', 's-account'])
      expect(text).toMatch(new RegExp(`^  ${pane}\\s+swift\\s+\\d+`, 'm'));
    expect(plan.config.values.IMAGE_URLS.split(',').slice(0, 2)).toEqual([
      'file:///srv/images/ubuntu.qcow2',
      'file:///srv/images/fedora.qcow2',
    ]);
    expect(plan.processes.map((p) => p.name)).toEqual(expect.arrayContaining(['c-vol', 'n-api', 'q-svc']));
  });
});

describe('source settings with the distro method', () => {
  it('each *_BRANCH, *_REPO and LIBS_FROM_GIT local.conf sets is named as unused, with its line and why', () => {
    const { text } = dryRun('single-node.conf');
    const conf = fixture('single-node.conf');
    expect(text).toContain(
      `${conf}:15: NOVA_BRANCH=refs/changes/10/353710/1 is not used: the install method is distro (test); ` +
        'INSTALL_METHOD=source uses it',
    );
    expect(text).toContain(`${conf}:18: LIBS_FROM_GIT=oslo.messaging,python-novaclient is not used`);
    const source = buildPlan(dryRun('single-node.conf').config, { method: 'source', reason: 'test' }, SERVICE_MODULES);
    expect(formatPlan(source)).not.toContain('is not used');
  });
});
