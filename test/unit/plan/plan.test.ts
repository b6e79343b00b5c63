import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildPlan, orderProcesses, parsePackageList } from '../../../lib/plan/plan.ts';
import { formatPlan } from '../../../lib/plan/format.ts';
import { parseLocalConf } from '../../../lib/config/localconf.ts';
import { resolveConfig } from '../../../lib/config/resolve.ts';
import { SERVICE_MODULES } from '../../../lib/services/registry.ts';
import type { ServiceModule } from '../../../lib/types/stack.ts';
import type { MethodChoice } from '../../../lib/types/plan.ts';
import { clearSecrets } from '../../../lib/util/secrets.ts';
import { fakeHost, tempDir } from '../config/helpers.ts';
import { stackCatalog } from '../../../lib/cli/catalog.ts';

const DISTRO: MethodChoice = { method: 'distro', reason: 'INSTALL_METHOD=distro in local.conf' };
const SOURCE: MethodChoice = { method: 'source', reason: 'GIT_BASE answers' };

const config = (body = '') =>
  resolveConfig({
    localConf: parseLocalConf(`[[local|localrc]]\n${body}`, 'local.conf'),
    env: {},
    host: fakeHost(),
    savedPasswords: {},
    catalog: stackCatalog(),
  });

const cleanups: (() => void)[] = [];
afterEach(() => {
  cleanups.splice(0).forEach((c) => {
    c();
  });
  clearSecrets();
});

/** A repo dir with files/debs lists, like the real one. */
function topDirWith(lists: Record<string, string>): string {
  const t = tempDir();
  cleanups.push(t.cleanup);
  mkdirSync(join(t.dir, 'files', 'debs'), { recursive: true });
  for (const [name, text] of Object.entries(lists)) writeFileSync(join(t.dir, 'files', 'debs', name), text);
  return t.dir;
}

// Small real modules: the shapes the service modules have, minus the work.
const mysql: ServiceModule = {
  name: 'mysql',
  project: 'infra',
  shortNames: ['mysql'],
  processes: () => [{ name: 'mysql', project: 'infra', argv: ['/usr/sbin/mariadbd'], port: 3306, codeFrom: 'package' }],
};
const keystone: ServiceModule = {
  name: 'keystone',
  project: 'keystone',
  shortNames: ['key'],
  repos: [{ name: 'keystone' }],
  extraPackages: (plan) => (plan.method.method === 'distro' ? ['keystone'] : []),
  processes: () => [
    { name: 'key', project: 'keystone', argv: ['/usr/bin/uwsgi'], port: 5000, after: ['mysql', 'keystone:db-sync'] },
  ],
};
const nova: ServiceModule = {
  name: 'nova',
  project: 'nova',
  shortNames: ['n-api', 'n-cpu', 'n-sch'],
  repos: [{ name: 'nova' }],
  extraPackages: (plan) => (plan.get('VIRT_DRIVER') === 'libvirt' ? ['libvirt-daemon-system'] : []),
  processes: (plan) => [
    { name: 'n-cpu', project: 'nova', argv: ['/usr/bin/nova-compute'], after: ['n-api'] },
    {
      name: 'n-api',
      project: 'nova',
      argv: ['/usr/bin/uwsgi'],
      port: 8774,
      after: ['key'],
      env: { SECRET: plan.get('ADMIN_PASSWORD') },
    },
    { name: 'n-sch', project: 'nova', argv: ['/usr/bin/nova-scheduler'], after: ['n-api'] },
  ],
};
const MODULES = [mysql, keystone, nova];

describe('buildPlan with small modules', () => {
  it('enables modules by short name, orders panes by `after`, lists packages and dirs', () => {
    const top = topDirWith({
      mysql: '# database\nmariadb-server\n\nmariadb-client  # the client\n',
      keystone: 'python3-mysqldb\nmariadb-client\n',
      nova: 'conntrack\n',
    });
    const plan = buildPlan(
      config('ENABLED_SERVICES=mysql,key,n-api,n-cpu\nDEST=/srv/s\nADMIN_PASSWORD=pw1234'),
      DISTRO,
      MODULES,
      { topDir: top },
    );
    expect(plan.services.map((m) => m.name)).toEqual(['mysql', 'keystone', 'nova']);
    // n-sch is a nova short name that is not enabled: its pane is dropped; n-cpu waits for n-api
    expect(plan.processes.map((p) => p.name)).toEqual(['mysql', 'key', 'n-api', 'n-cpu']);
    // VIRT_DRIVER defaults to libvirt, as in devstack
    expect(plan.packages).toEqual([
      'mariadb-server',
      'mariadb-client',
      'python3-mysqldb',
      'keystone',
      'conntrack',
      'libvirt-daemon-system',
    ]);
    expect(plan.repos).toEqual([]);
    expect(plan.dirs).toEqual({
      dest: '/srv/s',
      dataDir: '/srv/s/data',
      logDir: '/srv/s/logs',
      stateDir: '/srv/s/status',
      filesDir: join(top, 'files'),
      topDir: top,
    });
    expect(plan.method).toBe(DISTRO);
  });

  it('typed accessors', () => {
    const plan = buildPlan(config('RECLONE=yes\nAPI_WORKERS=3'), DISTRO, MODULES, { topDir: topDirWith({}) });
    expect(plan.bool('RECLONE')).toBe(true);
    expect(plan.int('API_WORKERS')).toBe(3);
    expect(plan.isEnabled('n-cpu')).toBe(true);
    expect(plan.isEnabled('c-bak')).toBe(false);
    expect(() => plan.get('NO_SUCH_SETTING')).toThrow(/NO_SUCH_SETTING is not in the settings table/);
    expect(() => plan.bool('DEST')).toThrow(/not a boolean/);
  });

  it('source method: checkouts with requirements first, branches from the config', () => {
    const plan = buildPlan(config('NOVA_BRANCH=refs/changes/10/353710/1\nGIT_BASE=/srv/git'), SOURCE, MODULES, {
      topDir: topDirWith({}),
    });
    expect(plan.repos.map((r) => [r.name, r.url, r.ref, r.dir])).toEqual([
      ['requirements', '/srv/git/openstack/requirements.git', 'master', '/opt/stack/requirements'],
      ['keystone', '/srv/git/openstack/keystone.git', 'master', '/opt/stack/keystone'],
      ['nova', '/srv/git/openstack/nova.git', 'refs/changes/10/353710/1', '/opt/stack/nova'],
    ]);
    expect(plan.packages).not.toContain('keystone');
  });

  it('a custom service set: a compute-only node', () => {
    const plan = buildPlan(config('disable_all_services\nenable_service n-cpu'), DISTRO, MODULES, {
      topDir: topDirWith({}),
    });
    expect(plan.services.map((m) => m.name)).toEqual(['nova']);
    expect(plan.processes.map((p) => p.name)).toEqual(['n-cpu']); // its `after` (n-api) is not in this plan
  });

  it('rejects panes that wait for each other and duplicate pane names', () => {
    expect(() =>
      orderProcesses([
        { name: 'a', project: 'x', argv: ['/a'], after: ['b'] },
        { name: 'b', project: 'x', argv: ['/b'], after: ['a'] },
      ]),
    ).toThrow(/panes wait for each other: a \(after b\); b \(after a\)/);
    const twin: ServiceModule = { ...mysql, name: 'other', shortNames: ['rabbit'] };
    expect(() => buildPlan(config(), DISTRO, [mysql, twin], { topDir: topDirWith({}) })).toThrow(
      /two panes are named 'mysql'/,
    );
  });

  it('package lists: comments, annotations and blank lines ignored', () => {
    expect(parsePackageList('a\n# c\n  b # NOPRIME\n\nc # dist:bookworm\n')).toEqual(['a', 'b', 'c']);
  });
});

describe('formatPlan', () => {
  it('shows method and why, services, panes with project/port/code, dirs, packages, phases; never a secret', () => {
    const top = topDirWith({ mysql: 'mariadb-server\n' });
    const plan = buildPlan(
      config('ADMIN_PASSWORD=Sup3rS3cret\nenable_service c-bak\nenable_plugin heat https://x/heat'),
      SOURCE,
      MODULES,
      { topDir: top },
    );
    const text = formatPlan(plan);
    expect(text).toContain('Install method: source\n  why: GIT_BASE answers');
    expect(text).toContain('not implemented by tstack, ignored: c-bak');
    expect(text).toMatch(/no service module registered for: rabbit, memcached, g-api/);
    expect(text).toContain('plugins (recorded, not run): heat https://x/heat master');
    expect(text).toMatch(
      new RegExp(
        String.raw`NAME\s+PROJECT\s+PORT\s+CODE\s+AFTER\n\s+mysql\s+infra\s+3306\s+package\s+-\n` +
          String.raw`\s+key\s+keystone\s+5000\s+-\s+mysql,keystone:db-sync`,
      ),
    );
    expect(text).toContain('SERVICE_DIR  /opt/stack/status (pane records, finished steps)');
    // mariadb-server, plus what the source method needs with pip deps: git, ca-certificates, python3-venv, python3-dev,
    // gcc, libc6-dev.
    expect(text).toContain('Distro packages: 8');
    expect(text).toContain('Checkouts (3): requirements@master, keystone@master, nova@master');
    expect(text).toContain(
      'Phases: pre-install -> install -> configure -> post-config -> init -> start -> extra -> post-extra -> ' +
        'test-config',
    );
    expect(text).not.toContain('Sup3rS3cret');
  });
});

describe('buildPlan with the real registry', () => {
  it('the default service set: every devstack pane name, in a start order that respects `after`', () => {
    const plan = buildPlan(
      config('ADMIN_PASSWORD=a\nDATABASE_PASSWORD=b\nRABBIT_PASSWORD=c\nSERVICE_PASSWORD=d'),
      DISTRO,
      SERVICE_MODULES,
    );
    const names = plan.processes.map((p) => p.name);
    for (const pane of [
      'mysql',
      'rabbit',
      'memcached',
      'key',
      'g-api',
      'placement-api',
      'n-api',
      'n-api-meta',
      'n-cond',
      'n-sch',
      'n-cpu',
      'q-svc',
      'ovn-ovsdb-nb',
      'ovn-ovsdb-sb',
      'ovn-northd',
      'ovn-controller',
      'q-ovn-metadata-agent',
      'c-api',
      'c-sch',
      'c-vol',
      'horizon',
      'ovsdb-server',
      'ovs-vswitchd',
    ]) {
      expect(names, pane).toContain(pane);
    }
    for (const p of plan.processes) {
      for (const a of p.after ?? [])
        if (names.includes(a)) expect(names.indexOf(a), `${p.name} after ${a}`).toBeLessThan(names.indexOf(p.name));
      expect(p.argv[0].startsWith('/'), p.name).toBe(true);
    }
    // every module but ML2/OVS's agents (the default backend is ML2/OVN), and tempest, swift and heat (off, as in
    // devstack: enabled on request)
    const off = new Set(['ml2-ovs', 'tempest', 'swift', 'heat']);
    expect(plan.services.map((m) => m.name)).toEqual(SERVICE_MODULES.map((m) => m.name).filter((n) => !off.has(n)));
    expect(plan.packages.length).toBeGreaterThan(10);
    expect(new Set(plan.packages).size).toBe(plan.packages.length);
    expect(plan.repos).toEqual([]);
  });

  it('a custom set: keystone alone on mysql and memcached, from source', () => {
    const plan = buildPlan(
      config(
        'disable_all_services\nenable_service mysql memcached ' +
          'key\nADMIN_PASSWORD=a\nSERVICE_PASSWORD=b\nDATABASE_PASSWORD=c',
      ),
      SOURCE,
      SERVICE_MODULES,
    );
    expect(plan.services.map((m) => m.name)).toEqual(['mysql', 'memcached', 'keystone']);
    expect(plan.processes.map((p) => p.name)).toEqual(['mysql', 'memcached', 'key']);
    expect(plan.repos.map((r) => r.name)).toContain('keystone');
    expect(plan.repos[0].name).toBe('requirements');
  });
});
