// devstack's create_neutron_initial_network (ML2/OVS) for IP_VERSION 4, 6 or
// 4+6: shared default subnet pools, demo's `private` network with a subnet of
// each version (a /26 and a SLAAC /64 from the pools), the external `public`
// network (a flat provider network on PUBLIC_PHYSICAL_NETWORK) with a subnet
// of each version, `router1` joining them, and demo's default security group
// opened for ICMP and SSH. Everything is looked up by name (and owner) first,
// so a re-run creates nothing.

import type { OpenStackClient } from '../types/openstack.ts';
import { stepStamp } from '../source/stamp.ts';
import type { Plan, Step } from '../types/stack.ts';
import { DEFAULT_DOMAIN } from './keystone.ts';
import { isIP } from 'node:net';
import { ConfigError } from '../util/errors.ts';
import { parseCidr6 } from '../util/ipv6.ts';
import { defaultV6RouteDevices, publicV6Commands } from '../services/neutron-public.ts';

export interface NetworkSpec {
  /** The project that owns `private`, `router1` and the opened security group (demo). */
  projectName: string;
  /** Which subnets are seeded (IP_VERSION). */
  v4: boolean;
  v6: boolean;
  /**
   * Undefined with USE_SUBNETPOOL=False, or when neutron lacks auto-allocated-topology (devstack checks it): the
   * private subnets then take their `cidr` (FIXED_RANGE, FIXED_RANGE_V6).
   */
  subnetPool?: { name: string; prefix: string; defaultPrefixLen: number };
  subnetPoolV6?: { name: string; prefix: string; defaultPrefixLen: number };
  private: { network: string; subnet: string; prefixLen: number; cidr: string; gateway?: string };
  privateV6: {
    subnet: string;
    prefixLen: number;
    cidr: string;
    gateway?: string;
    raMode: string;
    addressMode: string;
  };
  /** Absent with Q_AGENT=ovn and OVN_L3_CREATE_PUBLIC_NETWORK=False: devstack then makes neither it nor a gateway. */
  public?: {
    network: string;
    subnet: string;
    cidr: string;
    gateway?: string;
    /** Undefined with Q_USE_PROVIDERNET_FOR_PUBLIC=False: neutron picks the network type. */
    provider?: { type: string; physnet: string; segment?: number };
    allocationPools?: { start: string; end: string }[];
  };
  publicV6: { subnet: string; cidr: string; gateway: string };
  /** Q_USE_PROVIDER_NETWORKING: demo's network is a shared provider network instead of `private`. */
  provider?: ProviderNetworkSpec;
  router: string;
  /** Ingress rules added to the project's `default` security group. */
  securityRules: SecurityRule[];
}

/** devstack's provider network (is_provider_network): named after its physnet, shared, on PHYSICAL_NETWORK. */
export interface ProviderNetworkSpec {
  network: string;
  type: string;
  physnet: string;
  segment?: number;
  subnet: string;
  gateway?: string;
  allocationPools?: { start: string; end: string }[];
  subnetV6: string;
  cidrV6: string;
  gatewayV6: string;
}

export interface SecurityRule {
  /** IPv4 when unset. */
  ethertype?: 'IPv4' | 'IPv6';
  protocol: 'icmp' | 'ipv6-icmp' | 'tcp' | 'udp';
  portMin?: number;
  portMax?: number;
  remote: string;
}

/** `start=ADDR,end=ADDR` of Q_FLOATING_ALLOCATION_POOL (devstack passes it to --allocation-pool). */
export function allocationPool(value: string): { start: string; end: string } | undefined {
  const fields = new Map(
    value.split(',').map((f) => {
      const eq = f.indexOf('=');
      return [f.slice(0, eq).trim(), f.slice(eq + 1).trim()] as const;
    }),
  );
  const start = fields.get('start') ?? '';
  const end = fields.get('end') ?? '';
  return fields.size === 2 && isIP(start) !== 0 && isIP(start) === isIP(end) ? { start, end } : undefined;
}

/** A setting's value parsed, or a ConfigError naming its local.conf line. */
function parsed<T>(plan: Plan, name: string, parse: (v: string) => T | undefined, expected: string): T {
  const out = parse(plan.get(name));
  if (out === undefined) throw new ConfigError(`${name}=${plan.get(name)}: ${expected}`, plan.config.positions[name]);
  return out;
}

/** What devstack requires of a provider network (it dies without them), as ConfigErrors with the line. */
function providerSpec(plan: Plan, v6: boolean): ProviderNetworkSpec {
  const required = (name: string, why: string) => {
    const v = plan.get(name);
    if (!v)
      throw new ConfigError(
        `Q_USE_PROVIDER_NETWORKING=True needs ${name} (${why})`,
        plan.config.positions.Q_USE_PROVIDER_NETWORKING,
      );
    return v;
  };
  const physnet = required('PHYSICAL_NETWORK', 'the physical network of the provider network');
  const type = required('PROVIDER_NETWORK_TYPE', 'flat or vlan');
  const segment = plan.get('SEGMENTATION_ID');
  const gw = plan.get('NETWORK_GATEWAY');
  const pool = plan.get('ALLOCATION_POOL');
  return {
    network: physnet,
    type,
    physnet,
    ...(segment ? { segment: parsed(plan, 'SEGMENTATION_ID', vlanId, 'expected a VLAN id (1-4094)') } : {}),
    subnet: plan.get('PROVIDER_SUBNET_NAME'),
    ...(gw ? { gateway: gw } : {}),
    ...(pool
      ? { allocationPools: [parsed(plan, 'ALLOCATION_POOL', allocationPool, 'expected start=ADDR,end=ADDR')] }
      : {}),
    subnetV6: plan.get('IPV6_PROVIDER_SUBNET_NAME'),
    cidrV6: v6 ? required('IPV6_PROVIDER_FIXED_RANGE', 'IP_VERSION includes 6') : '',
    gatewayV6: v6 ? required('IPV6_PROVIDER_NETWORK_GATEWAY', 'IP_VERSION includes 6') : '',
  };
}

const vlanId = (v: string) => (/^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 4094 ? Number(v) : undefined);

export function networkSpec(plan: Plan): NetworkSpec {
  const gw = plan.get('NETWORK_GATEWAY');
  const pubGw = plan.get('PUBLIC_NETWORK_GATEWAY');
  const v6Gw = plan.get('IPV6_PRIVATE_NETWORK_GATEWAY');
  const ipVersion = plan.get('IP_VERSION');
  const v6 = ipVersion.endsWith('6');
  const pools = plan.bool('USE_SUBNETPOOL');
  // the IPv6 ranges are only used (and so only checked) when IPv6 subnets are seeded
  const cidr6 = (name: string) =>
    v6 ? parsed(plan, name, (v) => (parseCidr6(v) ? v : undefined), 'expected an IPv6 CIDR') : plan.get(name);
  const segment = plan.get('PUBLIC_PROVIDERNET_SEGMENTATION_ID');
  const pool = plan.get('Q_FLOATING_ALLOCATION_POOL');
  return {
    projectName: 'demo',
    v4: ipVersion.startsWith('4'),
    v6,
    ...(pools
      ? {
          subnetPool: {
            name: plan.get('SUBNETPOOL_NAME_V4'),
            prefix: plan.get('SUBNETPOOL_PREFIX_V4'),
            defaultPrefixLen: plan.int('SUBNETPOOL_SIZE_V4'),
          },
          subnetPoolV6: {
            name: plan.get('SUBNETPOOL_NAME_V6'),
            prefix: cidr6('SUBNETPOOL_PREFIX_V6'),
            defaultPrefixLen: plan.int('SUBNETPOOL_SIZE_V6'),
          },
        }
      : {}),
    private: {
      network: plan.get('PRIVATE_NETWORK_NAME'),
      subnet: plan.get('PRIVATE_SUBNET_NAME'),
      prefixLen: plan.int('SUBNETPOOL_SIZE_V4'),
      cidr: plan.get('FIXED_RANGE'),
      ...(gw ? { gateway: gw } : {}),
    },
    privateV6: {
      subnet: plan.get('IPV6_PRIVATE_SUBNET_NAME'),
      prefixLen: plan.int('SUBNETPOOL_SIZE_V6'),
      cidr: pools ? plan.get('FIXED_RANGE_V6') : cidr6('FIXED_RANGE_V6'),
      ...(v6Gw ? { gateway: v6Gw } : {}),
      raMode: plan.get('IPV6_RA_MODE'),
      addressMode: plan.get('IPV6_ADDRESS_MODE'),
    },
    ...(plan.get('Q_AGENT') !== 'ovn' || plan.bool('OVN_L3_CREATE_PUBLIC_NETWORK')
      ? {
          public: {
            network: plan.get('PUBLIC_NETWORK_NAME'),
            subnet: plan.get('PUBLIC_SUBNET_NAME'),
            cidr: plan.get('FLOATING_RANGE'),
            ...(plan.bool('Q_USE_PROVIDERNET_FOR_PUBLIC')
              ? {
                  provider: {
                    type: plan.get('PUBLIC_PROVIDERNET_TYPE'),
                    physnet: plan.get('PUBLIC_PHYSICAL_NETWORK'),
                    ...(segment
                      ? {
                          segment: parsed(
                            plan,
                            'PUBLIC_PROVIDERNET_SEGMENTATION_ID',
                            vlanId,
                            'expected a VLAN id (1-4094)',
                          ),
                        }
                      : {}),
                  },
                }
              : {}),
            ...(pubGw ? { gateway: pubGw } : {}),
            ...(pool
              ? {
                  allocationPools: [
                    parsed(plan, 'Q_FLOATING_ALLOCATION_POOL', allocationPool, 'expected start=ADDR,end=ADDR'),
                  ],
                }
              : {}),
          },
        }
      : {}),
    publicV6: {
      subnet: plan.get('IPV6_PUBLIC_SUBNET_NAME'),
      cidr: cidr6('IPV6_PUBLIC_RANGE'),
      gateway: plan.get('IPV6_PUBLIC_NETWORK_GATEWAY'),
    },
    ...(plan.bool('Q_USE_PROVIDER_NETWORKING') ? { provider: providerSpec(plan, v6) } : {}),
    router: plan.get('Q_ROUTER_NAME'),
    securityRules: [
      { protocol: 'icmp', remote: '0.0.0.0/0' },
      { protocol: 'tcp', portMin: 22, portMax: 22, remote: '0.0.0.0/0' },
      ...(v6
        ? ([
            { ethertype: 'IPv6', protocol: 'ipv6-icmp', remote: '::/0' },
            { ethertype: 'IPv6', protocol: 'tcp', portMin: 22, portMax: 22, remote: '::/0' },
          ] satisfies SecurityRule[])
        : []),
    ],
  };
}

interface Resource {
  id: string;
  name: string;
  project_id?: string;
}
interface Router extends Resource {
  external_gateway_info?: {
    network_id: string;
    external_fixed_ips?: { subnet_id: string; ip_address: string }[];
  } | null;
}
interface Port {
  id: string;
  fixed_ips: { subnet_id: string }[];
}
interface Rule {
  direction: string;
  ethertype: string;
  protocol: string | null;
  port_range_min: number | null;
  port_range_max: number | null;
  remote_ip_prefix: string | null;
  remote_group_id: string | null;
}

export interface NetworkResult {
  created: string[];
  privateNetworkId: string;
  /** Undefined when neutron has no router or external-net extension (devstack then makes neither). */
  publicNetworkId?: string;
  routerId?: string;
  /** The router's address on the public IPv6 subnet, when one is seeded. */
  routerGatewayV6?: string;
}

const q = (params: Record<string, string>) => new URLSearchParams(params).toString();

/** Find a resource by name (and owner) in `collection`; create it with `body` when missing. */
async function findOrCreate<T extends Resource>(
  client: OpenStackClient,
  collection: string,
  singular: string,
  filter: Record<string, string>,
  body: Record<string, unknown>,
  created: string[],
): Promise<T> {
  const found = (await client.get<Record<string, T[]>>('network', `/v2.0/${collection}?${q(filter)}`))[collection];
  if (found.length > 0) return found[0];
  const r = await client.post<Record<string, T>>('network', `/v2.0/${collection}`, { [singular]: body });
  created.push(`${singular}:${String(body.name ?? filter.name)}`);
  return r[singular];
}

/** Same rule, as neutron reports it (an unset remote means "anywhere"). */
export function ruleMatches(r: Rule, want: SecurityRule): boolean {
  const ethertype = want.ethertype ?? 'IPv4';
  const remote = r.remote_ip_prefix ?? (ethertype === 'IPv6' ? '::/0' : '0.0.0.0/0');
  return (
    r.direction === 'ingress' &&
    r.ethertype === ethertype &&
    r.protocol === want.protocol &&
    (r.port_range_min ?? undefined) === want.portMin &&
    (r.port_range_max ?? undefined) === want.portMax &&
    remote === want.remote &&
    !r.remote_group_id
  );
}

export async function ensureNetworks(
  client: OpenStackClient,
  spec: NetworkSpec,
  projectId?: string,
): Promise<NetworkResult> {
  const created: string[] = [];
  const demo = projectId ?? (await projectIdByName(client, spec.projectName));
  const ensure = <T extends Resource>(
    collection: string,
    singular: string,
    filter: Record<string, string>,
    body: Record<string, unknown>,
  ) => findOrCreate<T>(client, collection, singular, filter, body, created);
  const subnetPool = async (p: NonNullable<NetworkSpec['subnetPool']>) =>
    (
      await ensure<Resource>(
        'subnetpools',
        'subnetpool',
        { name: p.name },
        {
          name: p.name,
          prefixes: [p.prefix],
          default_prefixlen: p.defaultPrefixLen,
          shared: true,
          is_default: true,
        },
      )
    ).id;

  // devstack asks neutron which extensions it has: pools need auto-allocated-topology, the router and the
  // public network need router and external-net (a neutron.conf with service_plugins empty has neither)
  const extensions = new Set(
    (await client.get<{ extensions: { alias: string }[] }>('network', '/v2.0/extensions')).extensions.map(
      (e) => e.alias,
    ),
  );
  const pools = extensions.has('auto-allocated-topology');
  const routing = extensions.has('router') && extensions.has('external-net');

  // devstack's order: the pools, the private network and its subnets, the public network and its subnets,
  // then the router with its gateway and an interface on each private subnet
  const poolV4 = pools && spec.v4 && spec.subnetPool ? await subnetPool(spec.subnetPool) : undefined;
  const poolV6 = pools && spec.v6 && spec.subnetPoolV6 ? await subnetPool(spec.subnetPoolV6) : undefined;

  // demo's network: `private`, or with Q_USE_PROVIDER_NETWORKING the shared provider network
  const prov = spec.provider;
  const netName = prov ? prov.network : spec.private.network;
  const priv = await ensure<Resource>(
    'networks',
    'network',
    { name: netName, project_id: demo },
    {
      name: netName,
      project_id: demo,
      ...(prov
        ? {
            shared: true,
            'provider:network_type': prov.type,
            'provider:physical_network': prov.physnet,
            ...(prov.segment !== undefined ? { 'provider:segmentation_id': prov.segment } : {}),
          }
        : {}),
    },
  );
  const privSubnets: { id: string; name: string }[] = [];
  const subnet = async (name: string, body: Record<string, unknown>) => {
    const s = await ensure<Resource>(
      'subnets',
      'subnet',
      { name, network_id: priv.id },
      { name, network_id: priv.id, project_id: demo, ...body },
    );
    privSubnets.push({ id: s.id, name });
  };
  if (spec.v4) {
    const p = spec.private;
    const gateway = prov ? prov.gateway : p.gateway;
    await subnet(prov ? prov.subnet : p.subnet, {
      ip_version: 4,
      ...(poolV4 ? { subnetpool_id: poolV4, prefixlen: p.prefixLen } : { cidr: p.cidr }),
      ...(gateway ? { gateway_ip: gateway } : {}),
      ...(prov?.allocationPools ? { allocation_pools: prov.allocationPools } : {}),
    });
  }
  if (spec.v6) {
    const p = spec.privateV6;
    if (prov) {
      await subnet(prov.subnetV6, {
        ip_version: 6,
        gateway_ip: prov.gatewayV6,
        ...(poolV6 ? { subnetpool_id: poolV6, prefixlen: p.prefixLen } : { cidr: prov.cidrV6 }),
      });
    } else {
      await subnet(p.subnet, {
        ip_version: 6,
        ipv6_ra_mode: p.raMode,
        ipv6_address_mode: p.addressMode,
        ...(poolV6 ? { subnetpool_id: poolV6, prefixlen: p.prefixLen } : { cidr: p.cidr }),
        ...(p.gateway ? { gateway_ip: p.gateway } : {}),
      });
    }
  }

  if (!routing) {
    await openSecurityGroup(client, spec, demo, created);
    return { created, privateNetworkId: priv.id };
  }
  // absent with Q_AGENT=ovn and OVN_L3_CREATE_PUBLIC_NETWORK=False: the router then has no gateway
  const pubSpec = spec.public;
  const pub = pubSpec
    ? await ensure<Resource>(
        'networks',
        'network',
        { name: pubSpec.network, 'router:external': 'true' },
        {
          name: pubSpec.network,
          'router:external': true,
          ...(pubSpec.provider
            ? {
                'provider:network_type': pubSpec.provider.type,
                'provider:physical_network': pubSpec.provider.physnet,
                ...(pubSpec.provider.segment !== undefined
                  ? { 'provider:segmentation_id': pubSpec.provider.segment }
                  : {}),
              }
            : {}),
        },
      )
    : undefined;
  if (pub && pubSpec && spec.v4) {
    await ensure<Resource>(
      'subnets',
      'subnet',
      { name: pubSpec.subnet, network_id: pub.id },
      {
        name: pubSpec.subnet,
        network_id: pub.id,
        ip_version: 4,
        cidr: pubSpec.cidr,
        enable_dhcp: false,
        ...(pubSpec.gateway ? { gateway_ip: pubSpec.gateway } : {}),
        ...(pubSpec.allocationPools ? { allocation_pools: pubSpec.allocationPools } : {}),
      },
    );
  }
  let publicV6Id: string | undefined;
  if (pub && spec.v6) {
    const p = spec.publicV6;
    publicV6Id = (
      await ensure<Resource>(
        'subnets',
        'subnet',
        { name: p.subnet, network_id: pub.id },
        { name: p.subnet, network_id: pub.id, ip_version: 6, cidr: p.cidr, enable_dhcp: false, gateway_ip: p.gateway },
      )
    ).id;
  }

  const router = await ensure<Router>(
    'routers',
    'router',
    { name: spec.router, project_id: demo },
    { name: spec.router, project_id: demo, ...(pub ? { external_gateway_info: { network_id: pub.id } } : {}) },
  );
  if (pub && router.external_gateway_info?.network_id !== pub.id) {
    await client.put('network', `/v2.0/routers/${router.id}`, {
      router: { external_gateway_info: { network_id: pub.id } },
    });
    created.push(`router-gateway:${spec.router}`);
  }
  const ports = (
    await client.get<{ ports: Port[] }>('network', `/v2.0/ports?${q({ device_id: router.id, network_id: priv.id })}`)
  ).ports;
  for (const s of privSubnets) {
    if (ports.some((p) => p.fixed_ips.some((ip) => ip.subnet_id === s.id))) continue;
    await client.put('network', `/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: s.id });
    created.push(`router-interface:${s.name}`);
  }
  // the address the host routes the private IPv6 range through (devstack reads it from the router the same way)
  let routerGatewayV6: string | undefined;
  if (publicV6Id) {
    const r = await client.get<{ routers: Router[] }>('network', `/v2.0/routers?${q({ id: router.id })}`);
    routerGatewayV6 = r.routers[0]?.external_gateway_info?.external_fixed_ips?.find(
      (ip) => ip.subnet_id === publicV6Id,
    )?.ip_address;
  }

  await openSecurityGroup(client, spec, demo, created);
  return {
    created,
    privateNetworkId: priv.id,
    ...(pub ? { publicNetworkId: pub.id } : {}),
    routerId: router.id,
    ...(routerGatewayV6 ? { routerGatewayV6 } : {}),
  };
}

/** demo's default security group opened for the spec's rules (ICMP and SSH), each added once. */
async function openSecurityGroup(client: OpenStackClient, spec: NetworkSpec, demo: string, created: string[]) {
  // Listing with a project filter makes neutron create that project's default group if it has none yet.
  const groups = (
    await client.get<{ security_groups: (Resource & { security_group_rules: Rule[] })[] }>(
      'network',
      `/v2.0/security-groups?${q({ name: 'default', project_id: demo })}`,
    )
  ).security_groups;
  if (groups.length === 0)
    throw new Error(`neutron has no default security group for project ${spec.projectName} (${demo})`);
  const sg = groups[0];
  for (const want of spec.securityRules) {
    if (sg.security_group_rules.some((r) => ruleMatches(r, want))) continue;
    const rule = {
      security_group_id: sg.id,
      project_id: demo,
      direction: 'ingress',
      ethertype: want.ethertype ?? 'IPv4',
      protocol: want.protocol,
      remote_ip_prefix: want.remote,
      ...(want.portMin !== undefined ? { port_range_min: want.portMin, port_range_max: want.portMax } : {}),
    };
    await client.post('network', '/v2.0/security-group-rules', { security_group_rule: rule });
    created.push(`security-group-rule:${want.protocol}${want.portMin ? `/${want.portMin}` : ''}`);
  }
}

async function projectIdByName(client: OpenStackClient, name: string): Promise<string> {
  const r = await client.get<{ projects: Resource[] }>(
    'identity',
    `/projects?${q({ name, domain_id: DEFAULT_DOMAIN })}`,
  );
  if (r.projects.length === 0) throw new Error(`project ${name} does not exist (the accounts step creates it)`);
  return r.projects[0].id;
}

/** One line for the plan: what create_neutron_initial_network will make. */
export function describeNetworks(spec: NetworkSpec): string {
  const p = spec.public;
  if (!p) return `${spec.private.network}; ${spec.router} without a gateway (no public network)`;
  const kind = p.provider
    ? `${p.provider.type}${p.provider.segment !== undefined ? ` ${p.provider.segment}` : ''} provider network on ` +
      `physnet ${p.provider.physnet}`
    : 'project network type';
  const pool = p.allocationPools?.map((a) => ` (floating ${a.start}-${a.end})`).join('') ?? '';
  const subnets = [...(spec.v4 ? [`${p.cidr}${pool}`] : []), ...(spec.v6 ? [spec.publicV6.cidr] : [])].join(' + ');
  const priv = [
    ...(spec.v4
      ? [spec.subnetPool ? `/${spec.private.prefixLen} from ${spec.subnetPool.prefix}` : spec.private.cidr]
      : []),
    ...(spec.v6
      ? [
          (spec.subnetPoolV6 ? `/${spec.privateV6.prefixLen} from ${spec.subnetPoolV6.prefix}` : spec.privateV6.cidr) +
            ` ${spec.privateV6.raMode}`,
        ]
      : []),
  ].join(' + ');
  const pv = spec.provider;
  const own = pv
    ? `${pv.network} (shared ${pv.type}${pv.segment !== undefined ? ` ${pv.segment}` : ''} provider network on ` +
      `physnet ${pv.physnet})`
    : spec.private.network;
  return `${p.network}: ${kind}, ${subnets}; ${own}: ${priv}; ${spec.router} (if neutron routes)`;
}

export function networkStep(plan: Plan): Step {
  return {
    id: 'seed:network',
    title: `networks, router and security group (${describeNetworks(networkSpec(plan))})`,
    after: ['seed:accounts'],
    stamp: stepStamp((p) => ({
      tables: ['networks', 'subnets', 'routers', 'routerports', 'securitygroups', 'securitygrouprules'].map(
        (t) => `neutron.${t}`,
      ),
      values: [JSON.stringify(networkSpec(p))],
    })),
    async run(ctx) {
      const r = await ensureNetworks(await ctx.openstack(), networkSpec(plan));
      ctx.log.info(`network: ${r.created.length ? `created ${r.created.join(', ')}` : 'all present'}`);
      // devstack does the host's side of IPv6 public access when the l3 agent routes (q-l3)
      if (r.routerGatewayV6 && ctx.plan.isEnabled('q-l3')) {
        const routes = await ctx.sh.run(['ip', '-j', '-6', 'route', 'list', 'match', 'default', 'table', 'all']);
        for (const argv of publicV6Commands(ctx.plan, r.routerGatewayV6, defaultV6RouteDevices(routes.stdout)))
          await ctx.sh.run(argv);
        ctx.log.info(`network: the private IPv6 range is routed through ${r.routerGatewayV6}`);
      }
    },
  };
}
