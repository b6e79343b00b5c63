// E2E, as root on a Debian 12 machine: issue 14's network settings on a real, lean stack (keystone and
// neutron only: mysql, rabbit, key, q-svc, q-agt, q-dhcp, q-l3), checked with the openstack CLI and the host's
// own view (ip, ovs-vsctl, ping):
//   - PUBLIC_INTERFACE (a veth made here, never a real NIC) becomes a port of br-ex and hands it its address;
//     ./unstack.ts gives the address back;
//   - the public network is a flat provider network on physnet public (Q_USE_PROVIDERNET_FOR_PUBLIC), its
//     IPv4 subnet has Q_FLOATING_ALLOCATION_POOL, and the router's gateway takes an address from that pool;
//   - IP_VERSION=4+6: IPv6 pools and subnets (SLAAC private /64 from IPV6_ADDRS_SAFE_TO_USE, 2001:db8::/64
//     public), the router on both private subnets, the public IPv6 gateway on br-ex and the private IPv6 range
//     routed through the router; the host pings the router's addresses over both;
//   - Q_ML2_TENANT_NETWORK_TYPE=vlan with ML2_VLAN_RANGES: the private network is a VLAN from the range, on
//     physnet1, which only [[post-config|/$Q_PLUGIN_CONF_FILE]] [ovs] bridge_mappings maps: the OVS agent reports
//     that mapping (it reads ml2_conf.ini, as devstack's does) and binds the network's DHCP port.
// It ends with ./unstack.ts --clean and puts back the IPv6 sysctls the stack set (as devstack, it leaves them).

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOP_DIR } from '../../lib/util/paths.ts';
import { eventually } from './eventually.ts';
import { openstack } from './openstack-cli.ts';

const run = promisify(execFile);
const VETH = 'tsv-pub0';
const VETH_PEER = 'tsv-pub1';
const VETH_ADDR = '198.51.100.5/24';
const V6_SAFE = 'fd7e:5a11:c0f::/56';
const SYSCTLS = ['net.ipv6.conf.all.forwarding'];

async function tstack(script: 'stack.ts' | 'unstack.ts', args: string[]): Promise<{ out: string; seconds: number }> {
  const t0 = Date.now();
  const r = await run(join(TOP_DIR, script), args, {
    cwd: TOP_DIR,
    env: { ...process.env, CI: 'true' },
    timeout: 20 * 60_000,
    maxBuffer: 64 * 1024 * 1024,
  }).catch((err: { code?: number; stdout?: string; stderr?: string }) => {
    throw new Error(
      `./${script} ${args.join(' ')} failed (exit ${err.code}):\n` +
        `${(err.stdout ?? '').slice(-8000)}\n${err.stderr ?? ''}`,
    );
  });
  return { out: r.stdout, seconds: (Date.now() - t0) / 1000 };
}

function os<T = unknown>(args: string[]): Promise<T> {
  return openstack<T>('devstack-admin', args);
}

/** Global addresses (`addr/len`) of a link, both families. */
async function addresses(dev: string): Promise<string[]> {
  const r = await run('ip', ['-j', 'addr', 'show', 'dev', dev]);
  const links = JSON.parse(r.stdout) as { addr_info: { local: string; prefixlen: number; scope: string }[] }[];
  return links.flatMap((l) => l.addr_info.filter((a) => a.scope === 'global').map((a) => `${a.local}/${a.prefixlen}`));
}

interface FixedIp {
  subnet_id: string;
  ip_address: string;
}

let root = '';
const sysctlsBefore = new Map<string, string>();

describe('issue 14: provider public network, PUBLIC_INTERFACE, IP_VERSION=4+6 and VLAN project networks', () => {
  beforeAll(async () => {
    // the stack sets accept_ra=2 on the interfaces of IPv6 default routes and turns forwarding on, as devstack
    const v6Routes = JSON.parse(
      (await run('ip', ['-j', '-6', 'route', 'list', 'match', 'default', 'table', 'all'])).stdout || '[]',
    ) as { dev?: string }[];
    const devs = [...new Set(v6Routes.map((r) => r.dev).filter(Boolean))];
    for (const s of [...SYSCTLS, ...devs.map((d) => `net/ipv6/conf/${d}/accept_ra`)])
      sysctlsBefore.set(s, (await run('sysctl', ['-n', s])).stdout.trim());
    await tstack('unstack.ts', ['-a']).catch(() => undefined);
    await run('ip', ['link', 'del', VETH]).catch(() => undefined);
    await run('ip', ['link', 'add', VETH, 'type', 'veth', 'peer', 'name', VETH_PEER]);
    await run('ip', ['addr', 'add', VETH_ADDR, 'dev', VETH]);
    await run('ip', ['link', 'set', VETH, 'up']);
    await run('ip', ['link', 'set', VETH_PEER, 'up']);
    root = mkdtempSync('/tmp/tstack-e2e-net-');
    const conf = [
      '[[local|localrc]]',
      'ADMIN_PASSWORD=net14admin',
      'DATABASE_PASSWORD=net14db',
      'RABBIT_PASSWORD=net14rabbit',
      'SERVICE_PASSWORD=net14svc',
      'RECREATE_DATABASES=True',
      // ML2/OVS (devstack's default is OVN): the agents' settings are what this test proves
      'Q_AGENT=openvswitch',
      'ENABLED_SERVICES=mysql,rabbit,key,q-svc,q-agt,q-dhcp,q-l3',
      `PUBLIC_INTERFACE=${VETH}`,
      'Q_USE_PROVIDERNET_FOR_PUBLIC=True',
      'PUBLIC_PHYSICAL_NETWORK=public',
      'OVS_BRIDGE_MAPPINGS=public:br-ex',
      'Q_FLOATING_ALLOCATION_POOL=start=172.24.4.100,end=172.24.4.200',
      'Q_ML2_TENANT_NETWORK_TYPE=vlan',
      'ML2_VLAN_RANGES=physnet1:100:199',
      'IP_VERSION=4+6',
      `IPV6_ADDRS_SAFE_TO_USE=${V6_SAFE}`,
      '',
      '[[post-config|/$Q_PLUGIN_CONF_FILE]]',
      '[ovs]',
      'bridge_mappings = public:br-ex,physnet1:br-tsv1',
      '',
    ].join('\n');
    writeFileSync(join(root, 'local.conf'), conf);
  });

  afterAll(async () => {
    await tstack('unstack.ts', ['--clean']).catch((e) => console.log(String(e)));
    await run('ip', ['link', 'del', VETH]).catch(() => undefined);
    for (const [s, v] of sysctlsBefore) await run('sysctl', ['-w', `${s}=${v}`]).catch(() => undefined);
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('./stack.ts brings keystone and neutron up with these settings', async () => {
    const { out, seconds } = await tstack('stack.ts', ['--config', join(root, 'local.conf')]);
    console.log(`./stack.ts (keystone + neutron): ${seconds.toFixed(0)} s`);
    for (const pane of ['key', 'q-svc', 'q-agt', 'q-dhcp', 'q-l3'])
      expect(out).toMatch(new RegExp(`^${pane}\\s+\\S+\\s+ready`, 'm'));
  });

  it('PUBLIC_INTERFACE is a port of br-ex and its address is on br-ex', async () => {
    expect((await run('ovs-vsctl', ['port-to-br', VETH])).stdout.trim()).toBe('br-ex');
    expect(await addresses(VETH)).toEqual([]);
    expect(await addresses('br-ex')).toEqual(expect.arrayContaining([VETH_ADDR, '172.24.4.1/24', '2001:db8::2/64']));
    // the bridge only post-config maps exists too (the agent would stop without it)
    await run('ovs-vsctl', ['br-exists', 'br-tsv1']);
  });

  it('public: a flat provider network on physnet public with the allocation pool and an IPv6 subnet', async () => {
    const pub = await os<Record<string, unknown>>(['network', 'show', 'public']);
    expect(pub['provider:network_type']).toBe('flat');
    expect(pub['provider:physical_network']).toBe('public');
    expect(pub['router:external']).toBe(true);
    const subnets = await os<{ Name: string; Subnet: string }[]>(['subnet', 'list', '--network', 'public']);
    expect(subnets.map((s) => [s.Name, s.Subnet]).sort()).toEqual([
      ['ipv6-public-subnet', '2001:db8::/64'],
      ['public-subnet', '172.24.4.0/24'],
    ]);
    const v4 = await os<{ allocation_pools: { start: string; end: string }[] }>(['subnet', 'show', 'public-subnet']);
    expect(v4.allocation_pools).toEqual([{ start: '172.24.4.100', end: '172.24.4.200' }]);
  });

  it('private: a VLAN from ML2_VLAN_RANGES on physnet1, an IPv4 and a SLAAC IPv6 subnet from the pools', async () => {
    const priv = await os<Record<string, unknown>>(['network', 'show', 'private']);
    expect(priv['provider:network_type']).toBe('vlan');
    expect(priv['provider:physical_network']).toBe('physnet1');
    expect(Number(priv['provider:segmentation_id'])).toBeGreaterThanOrEqual(100);
    expect(Number(priv['provider:segmentation_id'])).toBeLessThanOrEqual(199);
    const v6 = await os<Record<string, unknown>>(['subnet', 'show', 'ipv6-private-subnet']);
    expect([v6.ip_version, v6.ipv6_ra_mode, v6.ipv6_address_mode]).toEqual([6, 'slaac', 'slaac']);
    expect(String(v6.cidr)).toMatch(/^fd7e:5a11:c0f:[0-9a-f:]*\/64$/);
    const pools = await os<{ Name: string; Prefixes: string | string[] }[]>(['subnet', 'pool', 'list']);
    expect(pools.map((p) => p.Name).sort()).toEqual(['shared-default-subnetpool-v4', 'shared-default-subnetpool-v6']);
  });

  it('the OVS agent reads ml2_conf.ini: it reports the post-config mapping and binds the VLAN network', async () => {
    const agents = await os<{ ID: string; 'Agent Type': string; Alive: boolean | string }[]>([
      'network',
      'agent',
      'list',
    ]);
    const ovs = agents.find((a) => a['Agent Type'] === 'Open vSwitch agent');
    expect(ovs).toBeDefined();
    const show = await os<{ configuration: { bridge_mappings: Record<string, string> } }>([
      'network',
      'agent',
      'show',
      ovs!.ID,
    ]);
    expect(show.configuration.bridge_mappings).toEqual({ public: 'br-ex', physnet1: 'br-tsv1' });
    const port = await eventually('the DHCP port of private is bound', async () => {
      const ports = await os<{ ID: string }[]>([
        'port',
        'list',
        '--network',
        'private',
        '--device-owner',
        'network:dhcp',
      ]);
      if (ports.length === 0) return undefined;
      const p = await os<Record<string, unknown>>(['port', 'show', ports[0].ID]);
      return p.binding_vif_type === 'ovs' && p.status === 'ACTIVE' ? p : undefined;
    });
    expect(port.binding_vif_type).toBe('ovs');
  });

  it('router1: a gateway from the pool and on IPv6, on both private subnets; the host reaches it', async () => {
    const router = await os<{ id: string; external_gateway_info: { external_fixed_ips: FixedIp[] } }>([
      'router',
      'show',
      'router1',
    ]);
    const gw = router.external_gateway_info.external_fixed_ips.map((f) => f.ip_address);
    const gw4 = gw.find((a) => a.includes('.'))!;
    const gw6 = gw.find((a) => a.startsWith('2001:db8:'))!;
    const last = Number(gw4.split('.')[3]);
    expect(gw4.startsWith('172.24.4.') && last >= 100 && last <= 200).toBe(true);
    expect(gw6).toBeDefined();
    const ifaces = await os<{ 'Fixed IP Addresses': FixedIp[] | string }[]>([
      'port',
      'list',
      '--router',
      router.id,
      '--device-owner',
      'network:router_interface',
    ]);
    const v6If = JSON.stringify(ifaces).match(/fd7e:5a11:c0f:[0-9a-f:]+/)?.[0];
    expect(ifaces).toHaveLength(2);
    expect(v6If).toBeDefined();
    // the host routes the private IPv6 range through the router's public address, as devstack sets it up
    const route = (await run('ip', ['-6', 'route', 'show', V6_SAFE])).stdout;
    expect(route).toContain(`via ${gw6} dev br-ex`);
    await eventually('the router answers on its IPv4 gateway', async () =>
      (await run('ping', ['-c', '1', '-W', '2', gw4])).stdout.includes('1 received') ? true : undefined,
    );
    await eventually('the router answers on its IPv6 gateway', async () =>
      (await run('ping', ['-6', '-c', '1', '-W', '2', gw6])).stdout.includes('1 received') ? true : undefined,
    );
    await eventually('the router answers on its private IPv6 interface, through the host route', async () =>
      (await run('ping', ['-6', '-c', '1', '-W', '2', v6If!])).stdout.includes('1 received') ? true : undefined,
    );
  });

  it('./unstack.ts -a gives PUBLIC_INTERFACE its address back', async () => {
    await tstack('unstack.ts', ['-a']);
    expect(await addresses(VETH)).toEqual([VETH_ADDR]);
    expect(await addresses('br-ex').catch(() => [])).not.toContain(VETH_ADDR);
  });
});
