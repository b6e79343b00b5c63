// Flavors and networks against the in-process fake nova/neutron: request
// bodies, and that a second run only reads. A seam test, not an E2E one.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RestClient } from '../../../lib/openstack/rest.ts';
import { DEVSTACK_FLAVORS, ensureFlavors } from '../../../lib/seed/flavors.ts';
import { ensureNetworks, networkSpec, ruleMatches } from '../../../lib/seed/network.ts';
import { ensureAccounts } from '../../../lib/seed/accounts.ts';
import { clearSecrets } from '../../../lib/util/secrets.ts';
import { FakeOpenStack } from './fake-openstack.ts';
import { fakePlan } from './fixtures.ts';

describe('flavors and networks', () => {
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

  it("creates devstack's flavors with its ids and sizes and hw_rng:allowed; a re-run only reads", async () => {
    const created = await ensureFlavors(client);
    expect(created).toEqual([
      'm1.tiny',
      'm1.small',
      'm1.medium',
      'm1.large',
      'm1.xlarge',
      'cirros256',
      'ds512M',
      'ds1G',
      'ds2G',
      'ds4G',
      'm1.nano',
      'm1.micro',
    ]);
    const byName = Object.fromEntries(os.flavors.map((f) => [f.name, f]));
    expect(byName['m1.nano']).toMatchObject({ id: '42', ram: 192, disk: 1, vcpus: 1 });
    expect(byName['m1.micro']).toMatchObject({ id: '84', ram: 256, disk: 1, vcpus: 1 });
    expect(byName['m1.xlarge']).toMatchObject({ id: '5', ram: 16384, disk: 160, vcpus: 8 });
    expect(byName.ds2G).toMatchObject({ id: 'd3', ram: 2048, disk: 10, vcpus: 2 });
    expect(byName.cirros256).toMatchObject({ id: 'c1', ram: 256, disk: 1, vcpus: 1 });
    expect(os.flavors.every((f) => f.extra_specs['hw_rng:allowed'] === 'True')).toBe(true);
    // The list asks for private flavors too, at a microversion that includes extra specs.
    const list = os.requests.find((r) => r.service === 'compute' && r.method === 'GET')!;
    expect(list.path).toBe('/v2.1/flavors/detail?is_public=None');
    expect(list.headers['x-openstack-nova-api-version']).toBe('2.61');

    const mark = os.requests.length;
    expect(await ensureFlavors(client)).toEqual([]);
    expect(os.writes(mark)).toEqual([]);
  });

  it('leaves a same-named flavor alone and only adds a missing extra spec', async () => {
    os.flavors.push({ id: 'custom', name: 'm1.tiny', ram: 64, disk: 1, vcpus: 1, extra_specs: {} });
    const mark = os.requests.length;
    const created = await ensureFlavors(client, DEVSTACK_FLAVORS.slice(0, 1));
    expect(created).toEqual([]);
    expect(os.writes(mark).map((w) => [w.method, w.path, w.body])).toEqual([
      ['POST', '/v2.1/flavors/custom/os-extra_specs', { extra_specs: { 'hw_rng:allowed': 'True' } }],
    ]);
  });

  it('builds the network spec from the settings, with devstack defaults', () => {
    const spec = networkSpec(
      fakePlan({
        FLOATING_RANGE: '172.24.5.0/24',
        IPV4_ADDRS_SAFE_TO_USE: '10.1.0.0/20',
        PUBLIC_NETWORK_GATEWAY: '172.24.5.1',
      }),
    );
    expect(spec.subnetPool).toEqual({
      name: 'shared-default-subnetpool-v4',
      prefix: '10.1.0.0/20',
      defaultPrefixLen: 26,
    });
    expect(spec.public).toEqual({
      network: 'public',
      subnet: 'public-subnet',
      cidr: '172.24.5.0/24',
      gateway: '172.24.5.1',
      physnet: 'public',
    });
    expect(spec.private).toEqual({ network: 'private', subnet: 'private-subnet', prefixLen: 26 });
    expect(spec.router).toBe('router1');
    expect(networkSpec(fakePlan({})).public?.cidr).toBe('172.24.4.0/24');
  });

  it('OVN_L3_CREATE_PUBLIC_NETWORK=False with OVN: router1 and private, no public network, no gateway', async () => {
    expect(
      networkSpec(fakePlan({ Q_AGENT: 'openvswitch', OVN_L3_CREATE_PUBLIC_NETWORK: 'False' })).public,
    ).toBeDefined();
    const spec = networkSpec(fakePlan({ Q_AGENT: 'ovn', OVN_L3_CREATE_PUBLIC_NETWORK: 'False' }));
    expect(spec.public).toBeUndefined();
    const { projectIds } = await ensureAccounts(client, 'pw');
    const r = await ensureNetworks(client, spec, projectIds.demo);
    expect(r.created.filter((c) => /public|gateway/.test(c))).toEqual([]);
    expect(r.publicNetworkId).toBeUndefined();
    expect(os.routers.find((x) => x.id === r.routerId)?.external_gateway_info ?? null).toBeNull();
  });

  it('creates the pool, private and public networks, router1 and the demo rules; a re-run only reads', async () => {
    const { projectIds } = await ensureAccounts(client, 'pw');
    const demo = projectIds.demo;
    const spec = networkSpec(
      fakePlan({
        FLOATING_RANGE: '172.24.4.0/24',
        IPV4_ADDRS_SAFE_TO_USE: '10.0.0.0/22',
        PUBLIC_NETWORK_GATEWAY: '172.24.4.1',
      }),
    );
    const mark0 = os.requests.length;
    const r = await ensureNetworks(client, spec);
    expect(r.created).toEqual([
      'subnetpool:shared-default-subnetpool-v4',
      'network:private',
      'subnet:private-subnet',
      'network:public',
      'subnet:public-subnet',
      'router:router1',
      'router-interface:private-subnet',
      'security-group-rule:icmp',
      'security-group-rule:tcp/22',
    ]);
    const posts = os.writes(mark0).map((w) => [w.method, w.path.replace(/\?.*/, ''), w.body]);
    const pool = os.subnetpools[0];
    const priv = os.networks.find((n) => n.name === 'private')!;
    const pub = os.networks.find((n) => n.name === 'public')!;
    const privSubnet = os.subnets.find((s) => s.name === 'private-subnet')!;
    const router = os.routers[0];
    const sg = os.securityGroups.find((g) => g.project_id === demo)!;
    expect(posts).toEqual([
      [
        'POST',
        '/v2.0/subnetpools',
        {
          subnetpool: {
            name: 'shared-default-subnetpool-v4',
            prefixes: ['10.0.0.0/22'],
            default_prefixlen: 26,
            shared: true,
            is_default: true,
          },
        },
      ],
      ['POST', '/v2.0/networks', { network: { name: 'private', project_id: demo } }],
      [
        'POST',
        '/v2.0/subnets',
        {
          subnet: {
            name: 'private-subnet',
            network_id: priv.id,
            project_id: demo,
            ip_version: 4,
            subnetpool_id: pool.id,
            prefixlen: 26,
          },
        },
      ],
      [
        'POST',
        '/v2.0/networks',
        {
          network: {
            name: 'public',
            'router:external': true,
            'provider:network_type': 'flat',
            'provider:physical_network': 'public',
          },
        },
      ],
      [
        'POST',
        '/v2.0/subnets',
        {
          subnet: {
            name: 'public-subnet',
            network_id: pub.id,
            ip_version: 4,
            cidr: '172.24.4.0/24',
            enable_dhcp: false,
            gateway_ip: '172.24.4.1',
          },
        },
      ],
      [
        'POST',
        '/v2.0/routers',
        { router: { name: 'router1', project_id: demo, external_gateway_info: { network_id: pub.id } } },
      ],
      ['PUT', `/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: privSubnet.id }],
      [
        'POST',
        '/v2.0/security-group-rules',
        {
          security_group_rule: {
            security_group_id: sg.id,
            project_id: demo,
            direction: 'ingress',
            ethertype: 'IPv4',
            protocol: 'icmp',
            remote_ip_prefix: '0.0.0.0/0',
          },
        },
      ],
      [
        'POST',
        '/v2.0/security-group-rules',
        {
          security_group_rule: {
            security_group_id: sg.id,
            project_id: demo,
            direction: 'ingress',
            ethertype: 'IPv4',
            protocol: 'tcp',
            remote_ip_prefix: '0.0.0.0/0',
            port_range_min: 22,
            port_range_max: 22,
          },
        },
      ],
    ]);
    expect(privSubnet.cidr).toBe('10.0.0.0/26');

    const mark = os.requests.length;
    const again = await ensureNetworks(client, spec);
    expect(again.created).toEqual([]);
    expect(os.writes(mark)).toEqual([]);
    expect(os.tokensIssued).toBe(1);
  });

  it('sets a missing router gateway on an existing router1', async () => {
    const { projectIds } = await ensureAccounts(client, 'pw');
    const spec = networkSpec(fakePlan({}));
    await ensureNetworks(client, spec);
    os.routers[0].external_gateway_info = null;
    const mark = os.requests.length;
    const r = await ensureNetworks(client, spec, projectIds.demo);
    expect(r.created).toEqual(['router-gateway:router1']);
    expect(os.writes(mark).map((w) => [w.method, w.body])).toEqual([
      ['PUT', { router: { external_gateway_info: { network_id: r.publicNetworkId } } }],
    ]);
  });

  it('recognises an equivalent existing rule (no remote prefix means anywhere)', () => {
    const rule = {
      direction: 'ingress',
      ethertype: 'IPv4',
      protocol: 'tcp',
      port_range_min: 22,
      port_range_max: 22,
      remote_ip_prefix: null,
      remote_group_id: null,
    };
    expect(ruleMatches(rule, { protocol: 'tcp', portMin: 22, portMax: 22, remote: '0.0.0.0/0' })).toBe(true);
    expect(
      ruleMatches(
        { ...rule, remote_group_id: 'sg' },
        { protocol: 'tcp', portMin: 22, portMax: 22, remote: '0.0.0.0/0' },
      ),
    ).toBe(false);
    expect(
      ruleMatches({ ...rule, ethertype: 'IPv6' }, { protocol: 'tcp', portMin: 22, portMax: 22, remote: '0.0.0.0/0' }),
    ).toBe(false);
  });
});
