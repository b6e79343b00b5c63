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

// every test talks to a fresh fake cloud
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

describe('flavors and networks', () => {
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
      provider: { type: 'flat', physnet: 'public' },
    });
    expect(spec.private).toEqual({ network: 'private', subnet: 'private-subnet', prefixLen: 26, cidr: '10.1.0.0/20' });
    // devstack's IP_VERSION=4+6: a SLAAC /64 from the IPv6 pool (a unique local /56) and 2001:db8::/64 public
    expect([spec.v4, spec.v6]).toEqual([true, true]);
    expect(spec.subnetPoolV6).toEqual({
      name: 'shared-default-subnetpool-v6',
      prefix: expect.stringMatching(/^fd[0-9a-f]{2}:[0-9a-f]{4}:[0-9a-f]{4}::\/56$/),
      defaultPrefixLen: 64,
    });
    expect(spec.privateV6).toEqual({
      subnet: 'ipv6-private-subnet',
      prefixLen: 64,
      cidr: expect.stringMatching(/::\/64$/),
      raMode: 'slaac',
      addressMode: 'slaac',
    });
    expect(spec.publicV6).toEqual({ subnet: 'ipv6-public-subnet', cidr: '2001:db8::/64', gateway: '2001:db8::2' });
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
        IP_VERSION: '4',
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

describe('IP_VERSION and the public network the devstack way', () => {
  it('4+6: both pools, SLAAC private and public IPv6 subnets, a router interface on each private one', async () => {
    await ensureAccounts(client, 'pw');
    const spec = networkSpec(fakePlan({ IPV6_ADDRS_SAFE_TO_USE: 'fd12:3456:789a::/56' }));
    const mark = os.requests.length;
    const r = await ensureNetworks(client, spec);
    expect(r.created).toEqual([
      'subnetpool:shared-default-subnetpool-v4',
      'subnetpool:shared-default-subnetpool-v6',
      'network:private',
      'subnet:private-subnet',
      'subnet:ipv6-private-subnet',
      'network:public',
      'subnet:public-subnet',
      'subnet:ipv6-public-subnet',
      'router:router1',
      'router-interface:private-subnet',
      'router-interface:ipv6-private-subnet',
      'security-group-rule:icmp',
      'security-group-rule:tcp/22',
      'security-group-rule:ipv6-icmp',
      'security-group-rule:tcp/22',
    ]);
    const body = (path: string, name: string) =>
      os
        .writes(mark)
        .map((w) => w.body as Record<string, Record<string, unknown>>)
        .find((b) => b[path]?.name === name)?.[path];
    const pool6 = os.subnetpools.find((p) => p.name === 'shared-default-subnetpool-v6')!;
    expect(body('subnetpool', 'shared-default-subnetpool-v6')).toMatchObject({
      prefixes: ['fd12:3456:789a::/56'],
      default_prefixlen: 64,
    });
    expect(body('subnet', 'ipv6-private-subnet')).toMatchObject({
      ip_version: 6,
      ipv6_ra_mode: 'slaac',
      ipv6_address_mode: 'slaac',
      subnetpool_id: pool6.id,
      prefixlen: 64,
    });
    expect(body('subnet', 'ipv6-public-subnet')).toMatchObject({
      ip_version: 6,
      cidr: '2001:db8::/64',
      gateway_ip: '2001:db8::2',
      enable_dhcp: false,
    });
    // the router's public IPv6 address, as neutron reports it, is what the host routes the private range through
    const v6Public = os.subnets.find((s) => s.name === 'ipv6-public-subnet')!;
    os.routers[0].external_gateway_info = {
      network_id: r.publicNetworkId,
      external_fixed_ips: [{ subnet_id: v6Public.id, ip_address: '2001:db8::1a' }],
    };
    const again = await ensureNetworks(client, spec);
    expect(again.created).toEqual([]);
    expect(again.routerGatewayV6).toBe('2001:db8::1a');
  });

  it('6 only: no IPv4 pool or subnets; USE_SUBNETPOOL=False takes FIXED_RANGE_V6', async () => {
    await ensureAccounts(client, 'pw');
    const spec = networkSpec(
      fakePlan({ IP_VERSION: '6', USE_SUBNETPOOL: 'False', IPV6_ADDRS_SAFE_TO_USE: 'fd12:3456:789a::/56' }),
    );
    const r = await ensureNetworks(client, spec);
    expect(r.created.filter((c) => c.startsWith('sub'))).toEqual([
      'subnet:ipv6-private-subnet',
      'subnet:ipv6-public-subnet',
    ]);
    expect(os.subnets.find((s) => s.name === 'ipv6-private-subnet')).toMatchObject({ cidr: 'fd12:3456:789a::/64' });
  });

  it('Q_USE_PROVIDERNET_FOR_PUBLIC, PUBLIC_PROVIDERNET_TYPE/SEGMENTATION_ID and Q_FLOATING_ALLOCATION_POOL', () => {
    const vlan = networkSpec(
      fakePlan({
        PUBLIC_PHYSICAL_NETWORK: 'physnet1',
        PUBLIC_PROVIDERNET_TYPE: 'vlan',
        PUBLIC_PROVIDERNET_SEGMENTATION_ID: '42',
        Q_FLOATING_ALLOCATION_POOL: 'start=172.24.4.100,end=172.24.4.200',
      }),
    ).public!;
    expect(vlan.provider).toEqual({ type: 'vlan', physnet: 'physnet1', segment: 42 });
    expect(vlan.allocationPools).toEqual([{ start: '172.24.4.100', end: '172.24.4.200' }]);
    expect(networkSpec(fakePlan({ Q_USE_PROVIDERNET_FOR_PUBLIC: 'False' })).public?.provider).toBeUndefined();
  });

  it('a malformed pool, segment or IPv6 range is a ConfigError naming the line', () => {
    const err = (values: Record<string, string>) => {
      try {
        networkSpec(fakePlan(values));
      } catch (e) {
        return (e as Error).message;
      }
      return 'no error';
    };
    expect(err({ Q_FLOATING_ALLOCATION_POOL: '172.24.4.100-172.24.4.200' })).toMatch(
      /^test-local\.conf:\d+: Q_FLOATING_ALLOCATION_POOL=172\.24\.4\.100-172\.24\.4\.200: expected start=ADDR,end=ADDR/,
    );
    expect(err({ PUBLIC_PROVIDERNET_SEGMENTATION_ID: '5000' })).toMatch(/expected a VLAN id \(1-4094\)/);
    expect(err({ IPV6_PUBLIC_RANGE: '172.24.4.0/24' })).toMatch(
      /IPV6_PUBLIC_RANGE=172\.24\.4\.0\/24: expected an IPv6 CIDR/,
    );
    // IPv4 only: the IPv6 ranges are not used, so not checked
    expect(err({ IP_VERSION: '4', IPV6_PUBLIC_RANGE: 'unused' })).toBe('no error');
  });

  it('no router or external-net: no public network or router; no auto-allocated-topology: no pools', async () => {
    await ensureAccounts(client, 'pw');
    os.networkExtensions = ['subnet_allocation'];
    const spec = networkSpec(fakePlan({ IP_VERSION: '4', FIXED_RANGE: '10.4.0.0/24' }));
    const r = await ensureNetworks(client, spec);
    expect(r.created).toEqual([
      'network:private',
      'subnet:private-subnet',
      'security-group-rule:icmp',
      'security-group-rule:tcp/22',
    ]);
    expect([r.publicNetworkId, r.routerId]).toEqual([undefined, undefined]);
    expect(os.subnets[0]).toMatchObject({ cidr: '10.4.0.0/24' });
  });

  it('Q_USE_PROVIDER_NETWORKING: a shared provider network named after PHYSICAL_NETWORK, not private', async () => {
    await ensureAccounts(client, 'pw');
    const values = {
      Q_USE_PROVIDER_NETWORKING: 'True',
      PHYSICAL_NETWORK: 'default',
      PROVIDER_NETWORK_TYPE: 'vlan',
      SEGMENTATION_ID: '2010',
      NETWORK_GATEWAY: '203.0.113.1',
      ALLOCATION_POOL: 'start=203.0.113.10,end=203.0.113.50',
      USE_SUBNETPOOL: 'False',
      FIXED_RANGE: '203.0.113.0/24',
      IP_VERSION: '4',
      OVS_BRIDGE_MAPPINGS: 'default:br-ex,public:br-pub',
    };
    const r = await ensureNetworks(client, networkSpec(fakePlan(values)));
    expect(r.created.slice(0, 2)).toEqual(['network:default', 'subnet:provider_net']);
    expect(r.created).toContain('router-interface:provider_net');
    expect(os.networks.find((n) => n.name === 'default')).toMatchObject({
      shared: true,
      'provider:network_type': 'vlan',
      'provider:physical_network': 'default',
      'provider:segmentation_id': 2010,
    });
    expect(os.subnets.find((n) => n.name === 'provider_net')).toMatchObject({
      cidr: '203.0.113.0/24',
      gateway_ip: '203.0.113.1',
      allocation_pools: [{ start: '203.0.113.10', end: '203.0.113.50' }],
    });
    expect(os.networks.some((n) => n.name === 'private')).toBe(false);
  });

  it('Q_USE_PROVIDER_NETWORKING without what devstack requires is a ConfigError naming the line', () => {
    const err = (values: Record<string, string>) => {
      try {
        networkSpec(fakePlan({ Q_USE_PROVIDER_NETWORKING: 'True', ...values }));
      } catch (e) {
        return (e as Error).message;
      }
      return 'no error';
    };
    expect(err({ IP_VERSION: '4' })).toMatch(/Q_USE_PROVIDER_NETWORKING=True needs PROVIDER_NETWORK_TYPE/);
    expect(err({ PROVIDER_NETWORK_TYPE: 'flat' })).toMatch(/needs IPV6_PROVIDER_FIXED_RANGE \(IP_VERSION includes 6\)/);
  });
});
