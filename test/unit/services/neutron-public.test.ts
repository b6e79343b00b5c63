// The host's side of the public network (issue 14): PUBLIC_INTERFACE joining OVS_PHYSICAL_BRIDGE with its
// addresses and default route (and getting them back at unstack), the gateways on PUBLIC_BRIDGE, and IPv6
// public access. The commands are checked here against real `ip -j` output shapes; the real stack runs them
// (test/e2e/network.test.ts proves a veth as PUBLIC_INTERFACE and the IPv6 route).

import { describe, expect, it } from 'vitest';
import type { RunOptions, RunResult, Shell } from '../../../lib/types/shell.ts';
import type { StackContext } from '../../../lib/types/stack.ts';
import { ml2OvsModule } from '../../../lib/services/neutron/ml2-ovs.ts';
import { ml2OvnModule } from '../../../lib/services/neutron/ml2-ovn.ts';
import {
  defaultGateway,
  defaultV6RouteDevices,
  globalIpv4,
  movePublicInterface,
  publicGatewayCidr,
  publicV6Commands,
  restorePublicInterface,
} from '../../../lib/services/neutron-public.ts';
import { firstSubnet64, parseCidr6, ulaPrefix } from '../../../lib/util/ipv6.ts';
import { makePlan, OVN_SERVICES } from './fixture.ts';

// `ip -j -4 addr show dev eth1` and `ip -j -4 route show default` as iproute2 6.1 prints them
const ADDR = JSON.stringify([
  {
    ifindex: 5,
    ifname: 'eth1',
    addr_info: [
      { family: 'inet', local: '198.51.100.5', prefixlen: 24, scope: 'global', label: 'eth1' },
      { family: 'inet', local: '198.51.100.6', prefixlen: 32, scope: 'global', label: 'eth1' },
      { family: 'inet', local: '169.254.3.3', prefixlen: 16, scope: 'link', label: 'eth1' },
    ],
  },
]);
const ROUTES = JSON.stringify([
  { dst: 'default', gateway: '198.51.100.1', dev: 'eth1', flags: [] },
  { dst: 'default', gateway: '192.0.2.1', dev: 'eth0', metric: 200, flags: [] },
]);

class RecordingShell implements Shell {
  calls: string[][] = [];
  async run(argv: string[], _opts: RunOptions = {}): Promise<RunResult> {
    this.calls.push(argv);
    const out = argv.includes('addr') && argv.includes('show') ? ADDR : argv.includes('route') ? ROUTES : '';
    return { code: 0, stdout: out, stderr: '' };
  }
}

describe('PUBLIC_INTERFACE', () => {
  it("reads the interface's global IPv4 addresses and its default route", () => {
    expect(globalIpv4(ADDR)).toEqual(['198.51.100.5/24', '198.51.100.6/32']);
    expect(defaultGateway(ROUTES, 'eth1')).toBe('198.51.100.1');
    expect(defaultGateway(ROUTES, 'eth9')).toBeUndefined();
  });

  it('moves them to the bridge in devstack order, and back again', () => {
    const moved = { interface: 'eth1', bridge: 'br-ex', addresses: ['198.51.100.5/24'], gateway: '198.51.100.1' };
    expect(movePublicInterface(moved)).toEqual([
      ['ip', 'addr', 'del', '198.51.100.5/24', 'dev', 'eth1'],
      ['ip', 'addr', 'replace', '198.51.100.5/24', 'dev', 'br-ex'],
      ['ip', 'link', 'set', 'br-ex', 'up'],
      ['ip', 'link', 'set', 'eth1', 'up'],
      ['ip', 'route', 'replace', 'default', 'via', '198.51.100.1', 'dev', 'br-ex'],
    ]);
    expect(restorePublicInterface(moved)).toEqual([
      ['ip', 'addr', 'del', '198.51.100.5/24', 'dev', 'br-ex'],
      ['ip', 'addr', 'replace', '198.51.100.5/24', 'dev', 'eth1'],
      ['ip', 'link', 'set', 'eth1', 'up'],
      ['ip', 'route', 'replace', 'default', 'via', '198.51.100.1', 'dev', 'eth1'],
    ]);
  });

  it('the br-ex step adds it as a port of OVS_PHYSICAL_BRIDGE and records what moved for unstack', async () => {
    const plan = makePlan({ PUBLIC_INTERFACE: 'eth1', OVS_PHYSICAL_BRIDGE: 'br-eth1' });
    const sh = new RecordingShell();
    const written: [string, string][] = [];
    const ctx = {
      plan,
      sh,
      log: { info() {}, warn() {}, debug() {} },
      writeFile: async (path: string, content: string) => {
        written.push([path, content]);
        return true;
      },
    } as unknown as StackContext;
    await ml2OvsModule.steps!(plan)
      .start!.find((s) => s.id === 'neutron:br-ex')!
      .run(ctx);
    // both bridges exist first (PUBLIC_BRIDGE and the bridge of the default mapping)
    expect(sh.calls.filter((c) => c.includes('add-br')).map((c) => c[4])).toEqual(['br-ex', 'br-eth1']);
    expect(sh.calls).toContainEqual([
      'ovs-vsctl',
      '--db=unix:/var/run/openvswitch/db.sock',
      '--may-exist',
      'add-port',
      'br-eth1',
      'eth1',
    ]);
    expect(sh.calls).toContainEqual(['ip', 'addr', 'replace', '198.51.100.6/32', 'dev', 'br-eth1']);
    expect(sh.calls).toContainEqual(['ip', 'route', 'replace', 'default', 'via', '198.51.100.1', 'dev', 'br-eth1']);
    expect(written.map(([p, c]) => [p, JSON.parse(c)])).toEqual([
      [
        '/var/lib/neutron/tstack-public-interface.json',
        {
          interface: 'eth1',
          bridge: 'br-eth1',
          addresses: ['198.51.100.5/24', '198.51.100.6/32'],
          gateway: '198.51.100.1',
        },
      ],
    ]);
  });
});

describe('PUBLIC_INTERFACE as devstack uses it without q-l3', () => {
  async function brEx(values: Record<string, string>, services: string) {
    const plan = makePlan(values, { services });
    const sh = new RecordingShell();
    const ctx = { plan, sh, log: { info() {} }, writeFile: async () => true } as unknown as StackContext;
    await ml2OvsModule.steps!(plan)
      .start!.find((s) => s.id === 'neutron:br-ex')!
      .run(ctx);
    return sh.calls;
  }
  const agentOnly = 'mysql,rabbit,key,q-svc,q-agt,q-dhcp';

  it('a provider network node: the interface becomes a port of the bridge, its addresses stay', async () => {
    const calls = await brEx({ PUBLIC_INTERFACE: 'eth1', Q_USE_PROVIDER_NETWORKING: 'True' }, agentOnly);
    expect(calls.filter((c) => c.includes('add-port')).map((c) => c.slice(-2))).toEqual([['br-ex', 'eth1']]);
    expect(calls.some((c) => c[1] === 'addr' && c[2] === 'del')).toBe(false);
  });

  it('neither q-l3 nor provider networking: devstack does nothing with it, nor does tstack', async () => {
    const calls = await brEx({ PUBLIC_INTERFACE: 'eth1' }, agentOnly);
    expect(calls.some((c) => c.includes('eth1'))).toBe(false);
  });
});

describe('PUBLIC_INTERFACE with OVN, the default backend', () => {
  async function brEx(values: Record<string, string>) {
    const plan = makePlan({ Q_AGENT: 'ovn', ...values }, { services: OVN_SERVICES });
    const sh = new RecordingShell();
    const ctx = { plan, sh, log: { info() {} }, writeFile: async () => true } as unknown as StackContext;
    await ml2OvnModule.steps!(plan)
      .start!.find((s) => s.id === 'neutron:br-ex')!
      .run(ctx);
    return sh.calls;
  }

  it("OVN making the public network (devstack's create_public_bridge): it joins, addresses move", async () => {
    const calls = await brEx({ PUBLIC_INTERFACE: 'eth1' });
    expect(calls.filter((c) => c.includes('add-port')).map((c) => c.slice(-2))).toEqual([['br-ex', 'eth1']]);
    expect(calls).toContainEqual(['ip', 'addr', 'del', '198.51.100.5/24', 'dev', 'eth1']);
    expect(calls).toContainEqual(['ip', 'route', 'replace', 'default', 'via', '198.51.100.1', 'dev', 'br-ex']);
  });

  it('OVN_L3_CREATE_PUBLIC_NETWORK=False: devstack leaves the interface alone, and so does tstack', async () => {
    const calls = await brEx({ PUBLIC_INTERFACE: 'eth1', OVN_L3_CREATE_PUBLIC_NETWORK: 'False' });
    expect(calls.some((c) => c.includes('eth1'))).toBe(false);
  });
});

describe('gateways on PUBLIC_BRIDGE', () => {
  it('IPv4 gateway unless IPv6 only, or a provider net with Q_ASSIGN_GATEWAY_TO_PUBLIC_BRIDGE=False', () => {
    expect(publicGatewayCidr(makePlan())).toBe('172.24.4.1/24');
    expect(publicGatewayCidr(makePlan({ IP_VERSION: '6' }))).toBeUndefined();
    expect(publicGatewayCidr(makePlan({ Q_ASSIGN_GATEWAY_TO_PUBLIC_BRIDGE: 'False' }))).toBeUndefined();
    expect(
      publicGatewayCidr(
        makePlan({ Q_ASSIGN_GATEWAY_TO_PUBLIC_BRIDGE: 'False', Q_USE_PROVIDERNET_FOR_PUBLIC: 'False' }),
      ),
    ).toBe('172.24.4.1/24');
  });

  it('IPv6: RAs kept on default-route interfaces, forwarding, the gateway, a route to the private range', () => {
    const routes = JSON.stringify([{ dst: 'default', gateway: 'fd00::1', dev: 'eth0', metric: 1024, flags: [] }]);
    expect(defaultV6RouteDevices(routes)).toEqual(['eth0']);
    const plan = makePlan({ IPV6_ADDRS_SAFE_TO_USE: 'fd12:3456:789a::/56' });
    expect(publicV6Commands(plan, '2001:db8::1a', ['eth0'])).toEqual([
      ['sysctl', '-w', 'net/ipv6/conf/eth0/accept_ra=2'],
      ['sysctl', '-w', 'net.ipv6.conf.all.forwarding=1'],
      ['ip', 'link', 'set', 'br-ex', 'up'],
      ['ip', '-6', 'addr', 'replace', '2001:db8::2/64', 'dev', 'br-ex'],
      ['ip', '-6', 'route', 'replace', 'fd12:3456:789a::/56', 'via', '2001:db8::1a', 'dev', 'br-ex'],
    ]);
    // without pools the private subnet is FIXED_RANGE_V6, the first /64 of the safe range
    const noPool = makePlan({ IPV6_ADDRS_SAFE_TO_USE: 'fd12:3456:789a::/56', USE_SUBNETPOOL: 'False' });
    expect(publicV6Commands(noPool, '2001:db8::1a', []).at(-1)).toEqual([
      'ip',
      '-6',
      'route',
      'replace',
      'fd12:3456:789a::/64',
      'via',
      '2001:db8::1a',
      'dev',
      'br-ex',
    ]);
  });

  it('the unique local /56 is stable for a host and differs between hosts', () => {
    expect(ulaPrefix('192.0.2.2')).toBe(ulaPrefix('192.0.2.2'));
    expect(ulaPrefix('192.0.2.2')).not.toBe(ulaPrefix('192.0.2.3'));
    expect(parseCidr6(ulaPrefix('192.0.2.2'))?.prefixLen).toBe(56);
    expect(firstSubnet64('fd00:1:2::/48')).toBe('fd00:1:2::/64');
    expect(firstSubnet64('fd00:1:2::/80')).toBe('fd00:1:2::/80');
    expect(parseCidr6('10.0.0.0/8')).toBeUndefined();
  });
});
