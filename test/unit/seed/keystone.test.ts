// Catalog and accounts against the in-process fake keystone: the requests
// they send, and that a second run only reads. A seam test, not an E2E one.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RestClient } from '../../../lib/openstack/rest.ts';
import { ensureCatalog, catalogSpec, catalogStep } from '../../../lib/seed/catalog.ts';
import { keystonePasswordCheck } from '../../../lib/seed/keystone.ts';
import { DEVSTACK_ACCOUNTS, ensureAccounts } from '../../../lib/seed/accounts.ts';
import type { ServiceModule } from '../../../lib/types/stack.ts';
import { clearSecrets } from '../../../lib/util/secrets.ts';
import { FakeOpenStack } from './fake-openstack.ts';
import { fakePlan, recordingContext } from './fixtures.ts';

const SHORT_NAMES: Record<string, string> = {
  keystone: 'key',
  glance: 'g-api',
  nova: 'n-api',
  neutron: 'q-svc',
  cinder: 'c-api',
};
const module = (name: string, catalog: ServiceModule['catalog']): ServiceModule => ({
  name,
  project: name,
  shortNames: [SHORT_NAMES[name]],
  processes: () => [],
  catalog,
});
const ENABLED = Object.values(SHORT_NAMES);

const MODULES: ServiceModule[] = [
  module('keystone', () => []),
  module('glance', () => [
    {
      user: 'glance',
      extraRoles: ['admin'],
      service: { name: 'glance', type: 'image', description: 'Glance Image Service' },
      url: 'http://127.0.0.1:9292',
    },
  ]),
  module('nova', () => [
    {
      user: 'nova',
      extraRoles: ['admin'],
      service: { name: 'nova', type: 'compute' },
      url: 'http://127.0.0.1:8774/v2.1',
    },
  ]),
  module('neutron', () => [
    { user: 'neutron', service: { name: 'neutron', type: 'network' }, url: 'http://127.0.0.1:9696' },
  ]),
  // One user behind two catalog services, as cinder declares it.
  module('cinder', () => [
    {
      user: 'cinder',
      extraRoles: ['admin'],
      service: { name: 'cinderv3', type: 'volumev3' },
      url: 'http://127.0.0.1:8776/v3/%(project_id)s',
    },
    {
      user: 'cinder',
      extraRoles: ['admin'],
      service: { name: 'cinder', type: 'block-storage' },
      url: 'http://127.0.0.1:8776/v3/%(project_id)s',
    },
  ]),
];

describe('seeding keystone', () => {
  let os: FakeOpenStack;
  let client: RestClient;
  beforeEach(async () => {
    os = new FakeOpenStack();
    await os.start();
    client = await os.adminClient();
  });
  afterEach(async () => {
    await os.stop();
    clearSecrets();
  });

  const plan = () =>
    fakePlan(
      { SERVICE_PASSWORD: 'svc-pw', REGION_NAME: 'RegionOne', ADMIN_PASSWORD: os.adminPassword },
      { services: MODULES, enabled: ENABLED },
    );

  it(
    'creates the service project, service role, service users, services and endpoints; a re-run only ' + 'reads',
    async () => {
      const spec = catalogSpec(plan());
      expect(spec.entries.map((e) => e.user)).toEqual(['glance', 'nova', 'neutron', 'cinder', 'cinder']);
      const r1 = await ensureCatalog(client, spec);
      expect(r1).toEqual({
        usersCreated: 4,
        servicesCreated: 5,
        endpointsCreated: 15,
        endpointsUpdated: 0,
        grantsAdded: 7,
      });
      expect(os.users.filter((u) => u.name === 'cinder').length).toBe(1);

      const service = os.projects.find((p) => p.name === 'service')!;
      expect(service.description).toBe('Service Project');
      const role = (n: string) => os.roles.find((r) => r.name === n)!.id;
      const nova = os.users.find((u) => u.name === 'nova')!;
      expect(nova.password).toBe('svc-pw');
      expect(nova.domain_id).toBe('default');
      const held = (uid: string) =>
        os.assignments.filter((a) => a.actor.user === uid).map((a) => [a.scope.project?.id, a.role]);
      expect(held(nova.id)).toEqual([
        [service.id, role('service')],
        [service.id, role('admin')],
      ]);
      expect(held(os.users.find((u) => u.name === 'neutron')!.id)).toEqual([[service.id, role('service')]]);

      const cinder = os.services.find((s) => s.type === 'volumev3')!;
      expect(cinder.name).toBe('cinderv3');
      const eps = os.endpoints.filter((e) => e.service_id === cinder.id);
      expect(eps.map((e) => e.interface).sort()).toEqual(['admin', 'internal', 'public']);
      expect(eps.every((e) => e.url === 'http://127.0.0.1:8776/v3/%(project_id)s' && e.region_id === 'RegionOne')).toBe(
        true,
      );

      const mark = os.requests.length;
      const r2 = await ensureCatalog(client, catalogSpec(plan()));
      expect(r2).toEqual({
        usersCreated: 0,
        servicesCreated: 0,
        endpointsCreated: 0,
        endpointsUpdated: 0,
        grantsAdded: 0,
      });
      expect(os.writes(mark)).toEqual([]);
      expect(os.tokensIssued).toBe(1);
    },
  );

  it('moves an endpoint whose URL changed instead of adding a second one', async () => {
    await ensureCatalog(client, catalogSpec(plan()));
    const spec = catalogSpec(plan());
    spec.entries = spec.entries.map((e) => (e.user === 'glance' ? { ...e, url: 'http://10.1.2.3:9292' } : e));
    const mark = os.requests.length;
    const r = await ensureCatalog(client, spec);
    expect(r.endpointsUpdated).toBe(3);
    expect(os.writes(mark).map((w) => [w.method, w.body])).toEqual(
      Array(3).fill(['PATCH', { endpoint: { url: 'http://10.1.2.3:9292' } }]),
    );
    const glance = os.services.find((s) => s.type === 'image')!;
    expect(os.endpoints.filter((e) => e.service_id === glance.id).map((e) => e.url)).toEqual(
      Array(3).fill('http://10.1.2.3:9292'),
    );
  });

  it('resets service passwords only when forced', async () => {
    await ensureCatalog(client, catalogSpec(plan()));
    const spec = { ...catalogSpec(fakePlan({ SERVICE_PASSWORD: 'new-pw' }, { services: MODULES, enabled: ENABLED })) };
    await ensureCatalog(client, spec);
    expect(os.users.find((u) => u.name === 'nova')!.password).toBe('svc-pw');
    await ensureCatalog(client, { ...spec, resetPasswords: true });
    expect(os.users.find((u) => u.name === 'nova')!.password).toBe('new-pw');
  });

  it('sets a stale service password again without --force: a login with the configured one fails', async () => {
    await ensureCatalog(client, catalogSpec(plan()));
    const check = keystonePasswordCheck(client.endpoint('identity'));
    // Same password: the check logs in, nothing is written.
    let mark = os.requests.length;
    await ensureCatalog(client, { ...catalogSpec(plan()), passwordWorks: check });
    expect(os.writes(mark).filter((w) => w.method !== 'POST' || !w.path.endsWith('/auth/tokens'))).toEqual([]);
    // SERVICE_PASSWORD changed in local.conf over kept databases.
    const changed = catalogSpec(fakePlan({ SERVICE_PASSWORD: 'new-pw' }, { services: MODULES, enabled: ENABLED }));
    mark = os.requests.length;
    await ensureCatalog(client, { ...changed, passwordWorks: check });
    expect(
      os.users.filter((u) => ['glance', 'nova', 'neutron', 'cinder'].includes(u.name)).map((u) => u.password),
    ).toEqual(Array(4).fill('new-pw'));
    expect(os.writes(mark).filter((w) => w.method === 'PATCH').length).toBe(4);
    expect(await check('nova', 'new-pw')).toBe(true);
    expect(await check('nova', 'svc-pw')).toBe(false);
  });

  it('runs as a Step through ctx.openstack()', async () => {
    const ctx = recordingContext(plan(), async () => client, {
      run: async () => ({ code: 0, stdout: '', stderr: '' }),
    });
    const step = catalogStep(plan());
    expect(step.id).toBe('keystone:catalog');
    await step.run(ctx);
    expect(ctx.lines.join('\n')).toContain('created 4 users, 5 services, 15 endpoints (0 updated), 7 role grants');
  });

  it("creates devstack's accounts with its role assignments; a re-run only reads", async () => {
    const r1 = await ensureAccounts(client, 'demo-pw');
    expect(r1.created.filter((c) => c.startsWith('role:'))).toEqual([
      'role:service',
      'role:ResellerAdmin',
      'role:anotherrole',
    ]);
    expect(r1.created.filter((c) => c.startsWith('project:'))).toEqual([
      'project:service',
      'project:invisible_to_admin',
      'project:demo',
      'project:alt_demo',
    ]);
    expect(r1.created.filter((c) => c.startsWith('user:'))).toEqual(
      ['demo', 'demo_reader', 'alt_demo', 'alt_demo_member', 'alt_demo_reader', 'system_member', 'system_reader'].map(
        (u) => `user:${u}`,
      ),
    );
    expect(r1.created.filter((c) => c.startsWith('group:'))).toEqual(['group:admins', 'group:nonadmins']);

    const id = (list: { id: string; name: string }[] | Record<string, any>[], n: string) =>
      list.find((x) => x.name === n)!.id;
    const roleName = (rid: string) => os.roles.find((r) => r.id === rid)!.name;
    const projName = (pid: string) => os.projects.find((p) => p.id === pid)!.name;
    const grantsOf = (actor: { user?: string; group?: string }) =>
      os.assignments
        .filter((a) => (actor.user ? a.actor.user === actor.user : a.actor.group === actor.group))
        .map((a) => {
          const { project, domain } = a.scope;
          const scope = project ? projName(project.id) : domain ? `domain:${domain.id}` : 'system';
          return `${roleName(a.role)}@${scope}`;
        })
        .sort();
    expect(grantsOf({ user: id(os.users, 'demo') })).toEqual([
      'anotherrole@demo',
      'member@demo',
      'member@invisible_to_admin',
    ]);
    expect(grantsOf({ user: id(os.users, 'alt_demo') })).toEqual(['admin@alt_demo', 'anotherrole@alt_demo']);
    expect(grantsOf({ user: id(os.users, 'demo_reader') })).toEqual(['reader@demo']);
    expect(grantsOf({ user: id(os.users, 'alt_demo_member') })).toEqual(['member@alt_demo']);
    expect(grantsOf({ user: id(os.users, 'alt_demo_reader') })).toEqual(['reader@alt_demo']);
    expect(grantsOf({ user: id(os.users, 'system_member') })).toEqual(['member@system']);
    expect(grantsOf({ user: id(os.users, 'system_reader') })).toEqual(['reader@system']);
    expect(grantsOf({ user: id(os.users, 'admin') })).toEqual(['admin@admin', 'admin@demo', 'admin@domain:default']);
    expect(grantsOf({ group: id(os.groups, 'admins') })).toEqual(['admin@admin']);
    expect(grantsOf({ group: id(os.groups, 'nonadmins') })).toEqual([
      'anotherrole@alt_demo',
      'anotherrole@demo',
      'member@alt_demo',
      'member@demo',
    ]);

    const demo = os.users.find((u) => u.name === 'demo')!;
    expect(demo).toMatchObject({ password: 'demo-pw', email: 'demo@example.com', domain_id: 'default', enabled: true });
    // admin came from bootstrap and keeps its password.
    expect(os.users.find((u) => u.name === 'admin')!.password).toBe(os.adminPassword);
    expect(r1.projectIds.demo).toBe(id(os.projects, 'demo'));

    const mark = os.requests.length;
    const r2 = await ensureAccounts(client, 'demo-pw');
    expect(r2.created).toEqual([]);
    expect(r2.grantsAdded).toBe(0);
    expect(os.writes(mark)).toEqual([]);
    expect(os.tokensIssued).toBe(1);
    expect(os.users.filter((u) => u.name === 'demo').length).toBe(1);
  });

  it('lists each keystone collection once per run rather than once per lookup', async () => {
    await ensureAccounts(client, 'pw');
    const gets = os.requests.filter((r) => r.method === 'GET').map((r) => r.path.replace(/\?.*/, ''));
    expect(gets.filter((p) => p === '/v3/users').length).toBe(1);
    expect(gets.filter((p) => p === '/v3/projects').length).toBe(1);
    expect(gets.filter((p) => p === '/v3/roles').length).toBe(1);
    expect(DEVSTACK_ACCOUNTS.roles).toEqual(['admin', 'member', 'reader', 'service', 'ResellerAdmin', 'anotherrole']);
  });
});
