// Every setting the code reads is a row of the settings catalog: reading any
// other name throws (so a forgotten row fails the first test that reaches the
// read), and a scan of lib/ finds every literal read and checks it has a row.

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stackCatalog } from '../../../lib/cli/catalog.ts';
import { readSetting } from '../../../lib/config/read.ts';
import { formatPlan } from '../../../lib/plan/format.ts';
import { buildPhases, formatPhases } from '../../../lib/phases/stack-phases.ts';
import { catalogStep, seedSteps } from '../../../lib/seed/index.ts';
import { catalogSpec } from '../../../lib/seed/catalog.ts';
import { networkSpec } from '../../../lib/seed/network.ts';
import { sourceSteps } from '../../../lib/source/index.ts';
import { aptInstallStep } from '../../../lib/system/apt.ts';
import { mergeStep } from '../../../lib/phases/merge.ts';
import { formatSummary } from '../../../lib/phases/summary.ts';
import { generatedFiles } from '../../../lib/phases/clean.ts';
import { keystoneConf, bootstrapArgv } from '../../../lib/services/keystone.ts';
import { glanceApiConf } from '../../../lib/services/glance.ts';
import { placementConf } from '../../../lib/services/placement.ts';
import { novaConf, novaCpuConf, cellMappingsSql } from '../../../lib/services/nova.ts';
import { neutronConf, ml2Conf } from '../../../lib/services/neutron.ts';
import { ovsAgentConf, dhcpAgentConf, l3AgentConf, metadataAgentConf } from '../../../lib/services/neutron/ml2-ovs.ts';
import { cinderConf } from '../../../lib/services/cinder.ts';
import { cinderBackends } from '../../../lib/services/cinder/backends.ts';
import { horizonSnippet } from '../../../lib/services/horizon.ts';
import { mariadbCnf } from '../../../lib/services/mysql.ts';
import { rabbitmqEnvConf } from '../../../lib/services/rabbit.ts';
import { REPO } from './helpers.ts';
import { BACKEND_SERVICES } from '../../../lib/services/neutron/backend.ts';
import { ovnMetadataAgentConf } from '../../../lib/services/neutron/ovn-conf.ts';
import { testConfig, testPlan } from '../plan-fixture.ts';

const CATALOG = stackCatalog();

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/**
 * `plan.get('X')`, `ctx.plan.bool('X')`, `readSetting(config, 'X')`, `secret(plan, 'X')`,
 * `v('X')` (method.ts), `settingOf(source, 'X')` (urls.ts).
 */
const READERS = [
  String.raw`\.(?:get|bool|int)\(`,
  String.raw`\b(?:readSetting|readBool|readInt)\([^,()]+,`,
  String.raw`\bsecret\([\w.]+,`,
  String.raw`\bv\(`,
  String.raw`settingOf\(source,`,
];
const READ = new RegExp(`(?:${READERS.join('|')})\\s*'([A-Z][A-Z0-9_]*)'\\s*\\)`, 'g');

describe('every setting the code reads has a row', () => {
  const files = tsFiles(join(REPO, 'lib'));

  it('finds the reads in lib/ and each names a row of the catalog', () => {
    const reads = new Map<string, string>();
    for (const f of files) {
      for (const m of readFileSync(f, 'utf8').matchAll(READ)) reads.set(m[1], relative(REPO, f));
    }
    // the scan sees the reads it must (one per kind of reader)
    for (const name of [
      'SERVICE_HOST',
      'RECREATE_DATABASES',
      'API_WORKERS',
      'INSTALL_METHOD',
      'RABBIT_PORT',
      'OVS_DATAPATH_TYPE',
      'LIBVIRT_CPU_MODEL',
      'METADATA_PROXY_SHARED_SECRET',
    ]) {
      expect(reads.has(name), name).toBe(true);
    }
    const missing = [...reads].filter(([name]) => !CATALOG.setting(name)).map(([name, file]) => `${name} (${file})`);
    expect(missing).toEqual([]);
    // names read through loadSettings() (locate.ts)
    for (const m of readFileSync(join(REPO, 'lib/config/locate.ts'), 'utf8').matchAll(/loadSettings\(\[([^\]]*)\]/g)) {
      for (const n of m[1].match(/'([A-Z0-9_]+)'/g) ?? []) expect(CATALOG.setting(n.slice(1, -1)), n).toBeDefined();
    }
  });

  it('no code reads config values around the catalog, and valueOr/flagOr are gone', () => {
    const allowed = new Set([
      'lib/config/read.ts',
      'lib/config/resolve.ts',
      'lib/config/passwords.ts',
      'lib/cli/commands/config.ts',
    ]);
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      expect(/\b(valueOr|flagOr)\(/.test(text), relative(REPO, f)).toBe(false);
      if (!allowed.has(relative(REPO, f))) expect(/\.values\s*(\[|\.[A-Z])/.test(text), relative(REPO, f)).toBe(false);
    }
  });

  it('reading a name that is not a row throws, also when local.conf sets it', () => {
    const config = testConfig({ SOME_PLUGIN_KNOB: 'x' });
    expect(config.values.SOME_PLUGIN_KNOB).toBe('x'); // kept for plugins, listed by `config`
    expect(() => readSetting(config, 'SOME_PLUGIN_KNOB')).toThrow(/SOME_PLUGIN_KNOB is not in the settings table/);
    const plan = testPlan();
    expect(() => plan.get('NOVA_CONFF')).toThrow(/not in the settings table/);
    expect(() => plan.bool('RECLONEE')).toThrow(/not in the settings table/);
    expect(() => plan.int('API_WORKER')).toThrow(/not in the settings table/);
  });

  it('whole plans (every service, both methods and ML2 backends, libvirt, all LIBS_FROM_GIT) read only rows', () => {
    const implemented = CATALOG.serviceNames.filter((n) => n.implemented).map((n) => n.name);
    for (const [method, agent] of [
      ['distro', 'ovn'],
      ['source', 'ovn'],
      ['distro', 'openvswitch'],
    ] as const) {
      const other = BACKEND_SERVICES[agent === 'ovn' ? 'openvswitch' : 'ovn'];
      const all = implemented.filter((n) => !other.includes(n));
      const plan = testPlan(
        {
          Q_AGENT: agent,
          ADMIN_PASSWORD: 'a',
          DATABASE_PASSWORD: 'b',
          RABBIT_PASSWORD: 'c',
          SERVICE_PASSWORD: 'd',
          VIRT_DRIVER: 'libvirt',
          LIBS_FROM_GIT: 'ALL',
          CINDER_ENABLED_BACKENDS: 'lvm:lvmdriver-1,fake:f',
        },
        { services: all, method },
      );
      const phases = buildPhases(plan, {
        install: [
          aptInstallStep(plan),
          ...(method === 'source' ? sourceSteps(plan, { gitInstalled: true, sudoUser: null }) : []),
        ],
        catalog: catalogStep(plan),
        seed: seedSteps(plan),
        merge: (phase) => mergeStep(plan, phase),
        panes: { start: async () => undefined, waitReady: async () => undefined },
      });
      expect(formatPlan(plan) + formatPhases(phases)).toContain('start n-cpu');
      expect(formatSummary(plan, [], [])).toContain('Keystone:');
      expect(generatedFiles(plan).length).toBeGreaterThan(10);
      catalogSpec(plan);
      networkSpec(plan);
      for (const gen of [
        keystoneConf,
        glanceApiConf,
        placementConf,
        novaConf,
        novaCpuConf,
        neutronConf,
        ml2Conf,
        ovsAgentConf,
        dhcpAgentConf,
        l3AgentConf,
        metadataAgentConf,
        mariadbCnf,
        (p: typeof plan) => ovnMetadataAgentConf(p, 'tcp:127.0.0.1:6640', '/var/lib/neutron'),
      ]) {
        expect(gen(plan).length, gen.name).toBeGreaterThan(0);
      }
      expect(
        cinderConf(plan, cinderBackends(plan, { check: () => ({ available: true, reason: 'test' }) })).length,
      ).toBeGreaterThan(0);
      expect(bootstrapArgv(plan)).toContain('--bootstrap-region-id');
      expect(cellMappingsSql(plan)).toContain('cell1');
      expect(horizonSnippet(plan)).toContain('OPENSTACK_KEYSTONE_URL');
      expect(rabbitmqEnvConf(plan)).toContain('NODE_PORT=5672');
    }
  });
});
