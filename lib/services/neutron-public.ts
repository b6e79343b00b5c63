// The host's side of the public network, as devstack sets it up (lib/neutron, services/l3): PUBLIC_INTERFACE
// joins OVS_PHYSICAL_BRIDGE and hands it its IPv4 addresses and default route (unstack hands them back); the
// public subnets' gateway addresses go on PUBLIC_BRIDGE; with IPv6 the host routes the private IPv6 range through
// the router's public address. Pure: `ip -j` output in, argv lists out; neutron.ts and the seed step run them.

import type { Plan } from '../types/stack.ts';

export type Argv = string[];

/** What PUBLIC_INTERFACE gave the bridge, kept so unstack can give it back. */
export interface MovedInterface {
  interface: string;
  bridge: string;
  /** `addr/len` moved from the interface to the bridge. */
  addresses: string[];
  /** The IPv4 default route's gateway, when it went through the interface. */
  gateway?: string;
}

/** Where the state of a moved PUBLIC_INTERFACE is kept between ./stack.ts and ./unstack.ts. */
export const MOVED_INTERFACE_FILE = '/var/lib/neutron/tstack-public-interface.json';

interface IpAddrJson {
  ifname?: string;
  addr_info?: { family?: string; local?: string; prefixlen?: number; scope?: string }[];
}
interface IpRouteJson {
  dst?: string;
  gateway?: string;
  dev?: string;
}

/** Global IPv4 `addr/len` of `ip -j -4 addr show dev X` output (devstack moves the `global` ones). */
export function globalIpv4(ipAddrJson: string): string[] {
  const links = JSON.parse(ipAddrJson || '[]') as IpAddrJson[];
  return links.flatMap((l) =>
    (l.addr_info ?? [])
      .filter((a) => a.family === 'inet' && a.scope === 'global' && a.local)
      .map((a) => `${a.local}/${a.prefixlen}`),
  );
}

/** The gateway of the default route through `dev`, from `ip -j -4 route show default` output. */
export function defaultGateway(ipRouteJson: string, dev: string): string | undefined {
  const routes = JSON.parse(ipRouteJson || '[]') as IpRouteJson[];
  return routes.find((r) => r.dst === 'default' && r.dev === dev && r.gateway)?.gateway;
}

/** The interface becomes a port of the bridge, its addresses and default route the bridge's (devstack's order). */
export function movePublicInterface(m: MovedInterface): Argv[] {
  return [
    ...m.addresses.flatMap((a) => [
      ['ip', 'addr', 'del', a, 'dev', m.interface],
      ['ip', 'addr', 'replace', a, 'dev', m.bridge],
    ]),
    ['ip', 'link', 'set', m.bridge, 'up'],
    ['ip', 'link', 'set', m.interface, 'up'],
    ...(m.gateway ? [['ip', 'route', 'replace', 'default', 'via', m.gateway, 'dev', m.bridge]] : []),
  ];
}

/**
 * unstack's way back: the addresses and default route return to the interface. Its port stays in the OVS
 * database (ovsdb-server is down by then; `--may-exist` adds it again on the next run, --clean drops the database).
 */
export function restorePublicInterface(m: MovedInterface): Argv[] {
  return [
    ...m.addresses.flatMap((a) => [
      ['ip', 'addr', 'del', a, 'dev', m.bridge],
      ['ip', 'addr', 'replace', a, 'dev', m.interface],
    ]),
    ['ip', 'link', 'set', m.interface, 'up'],
    ...(m.gateway ? [['ip', 'route', 'replace', 'default', 'via', m.gateway, 'dev', m.interface]] : []),
  ];
}

const ipVersion = (plan: Plan) => plan.get('IP_VERSION');

/**
 * PUBLIC_NETWORK_GATEWAY with FLOATING_RANGE's prefix length (`172.24.4.1/24`) when an IPv4 public subnet is
 * seeded and the bridge gets its gateway (Q_ASSIGN_GATEWAY_TO_PUBLIC_BRIDGE, or a public network that is no
 * provider network), else undefined.
 */
export function publicGatewayCidr(plan: Plan): string | undefined {
  const gw = plan.get('PUBLIC_NETWORK_GATEWAY');
  const prefix = plan.get('FLOATING_RANGE').split('/')[1];
  const assign = plan.bool('Q_ASSIGN_GATEWAY_TO_PUBLIC_BRIDGE') || !plan.bool('Q_USE_PROVIDERNET_FOR_PUBLIC');
  return gw && prefix && assign && ipVersion(plan).startsWith('4') ? `${gw}/${prefix}` : undefined;
}

/** Interfaces of the IPv6 default routes, from `ip -j -6 route list match default table all` output. */
export function defaultV6RouteDevices(ipRouteJson: string): string[] {
  const routes = JSON.parse(ipRouteJson || '[]') as IpRouteJson[];
  return [...new Set(routes.filter((r) => r.gateway && r.dev).map((r) => r.dev as string))];
}

/**
 * devstack's IPv6 public access (_neutron_configure_router_v6): RAs still accepted on the host's default-route
 * interfaces once forwarding is on, forwarding on, the public IPv6 gateway on PUBLIC_BRIDGE, and the private
 * IPv6 range (the pool's prefix, or FIXED_RANGE_V6 without pools) routed through the router's public address.
 */
export function publicV6Commands(plan: Plan, routerGatewayV6: string, v6RouteDevices: string[]): Argv[] {
  const bridge = plan.get('PUBLIC_BRIDGE');
  const prefixLen = plan.get('IPV6_PUBLIC_RANGE').split('/')[1];
  const privateRange = plan.bool('USE_SUBNETPOOL') ? plan.get('SUBNETPOOL_PREFIX_V6') : plan.get('FIXED_RANGE_V6');
  return [
    // slashes: a device name may hold dots, which sysctl would read as separators
    ...v6RouteDevices.map((d) => ['sysctl', '-w', `net/ipv6/conf/${d}/accept_ra=2`]),
    ['sysctl', '-w', 'net.ipv6.conf.all.forwarding=1'],
    ['ip', 'link', 'set', bridge, 'up'],
    ['ip', '-6', 'addr', 'replace', `${plan.get('IPV6_PUBLIC_NETWORK_GATEWAY')}/${prefixLen}`, 'dev', bridge],
    ['ip', '-6', 'route', 'replace', privateRange, 'via', routerGatewayV6, 'dev', bridge],
  ];
}
