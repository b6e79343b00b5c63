// devstack's create_neutron_initial_network (ML2/OVS, IPv4): a shared default
// subnet pool, demo's `private` network with a /26 from it, the external flat
// `public` network on physnet `public`, `router1` joining them, and demo's
// default security group opened for ICMP and SSH. Everything is looked up by
// name (and owner) first, so a re-run creates nothing.

import type { OpenStackClient } from '../types/openstack.ts';
import { stepStamp } from '../source/stamp.ts';
import type { Plan, Step } from '../types/stack.ts';
import { DEFAULT_DOMAIN } from './keystone.ts';

export interface NetworkSpec {
  /** The project that owns `private`, `router1` and the opened security group (demo). */
  projectName: string;
  subnetPool: { name: string; prefix: string; defaultPrefixLen: number };
  private: { network: string; subnet: string; prefixLen: number; gateway?: string };
  /** Absent with Q_AGENT=ovn and OVN_L3_CREATE_PUBLIC_NETWORK=False: devstack then makes neither it nor a gateway. */
  public?: { network: string; subnet: string; cidr: string; gateway?: string; physnet: string };
  router: string;
  /** Ingress rules added to the project's `default` security group. */
  securityRules: SecurityRule[];
}

export interface SecurityRule {
  protocol: 'icmp' | 'tcp' | 'udp';
  portMin?: number;
  portMax?: number;
  remote: string;
}

export function networkSpec(plan: Plan): NetworkSpec {
  const gw = plan.get('NETWORK_GATEWAY');
  const pubGw = plan.get('PUBLIC_NETWORK_GATEWAY');
  return {
    projectName: 'demo',
    subnetPool: {
      name: plan.get('SUBNETPOOL_NAME_V4'),
      prefix: plan.get('SUBNETPOOL_PREFIX_V4'),
      defaultPrefixLen: plan.int('SUBNETPOOL_SIZE_V4'),
    },
    private: {
      network: plan.get('PRIVATE_NETWORK_NAME'),
      subnet: plan.get('PRIVATE_SUBNET_NAME'),
      prefixLen: plan.int('SUBNETPOOL_SIZE_V4'),
      ...(gw ? { gateway: gw } : {}),
    },
    ...(plan.get('Q_AGENT') !== 'ovn' || plan.bool('OVN_L3_CREATE_PUBLIC_NETWORK')
      ? {
          public: {
            network: plan.get('PUBLIC_NETWORK_NAME'),
            subnet: plan.get('PUBLIC_SUBNET_NAME'),
            cidr: plan.get('FLOATING_RANGE'),
            physnet: plan.get('PUBLIC_PHYSICAL_NETWORK'),
            ...(pubGw ? { gateway: pubGw } : {}),
          },
        }
      : {}),
    router: plan.get('Q_ROUTER_NAME'),
    securityRules: [
      { protocol: 'icmp', remote: '0.0.0.0/0' },
      { protocol: 'tcp', portMin: 22, portMax: 22, remote: '0.0.0.0/0' },
    ],
  };
}

interface Resource {
  id: string;
  name: string;
  project_id?: string;
}
interface Router extends Resource {
  external_gateway_info?: { network_id: string } | null;
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
  publicNetworkId?: string;
  routerId: string;
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
  const remote = r.remote_ip_prefix ?? '0.0.0.0/0';
  return (
    r.direction === 'ingress' &&
    r.ethertype === 'IPv4' &&
    r.protocol === want.protocol &&
    (r.port_range_min ?? undefined) === want.portMin &&
    (r.port_range_max ?? undefined) === want.portMax &&
    remote === want.remote &&
    !r.remote_group_id
  );
}

/** The external flat network on its physnet and its subnet (no DHCP: routers' gateways and floating IPs only). */
async function ensurePublic(
  client: OpenStackClient,
  pub: NonNullable<NetworkSpec['public']>,
  created: string[],
): Promise<Resource> {
  const net = await findOrCreate<Resource>(
    client,
    'networks',
    'network',
    { name: pub.network, 'router:external': 'true' },
    {
      name: pub.network,
      'router:external': true,
      'provider:network_type': 'flat',
      'provider:physical_network': pub.physnet,
    },
    created,
  );
  await findOrCreate<Resource>(
    client,
    'subnets',
    'subnet',
    { name: pub.subnet, network_id: net.id },
    {
      name: pub.subnet,
      network_id: net.id,
      ip_version: 4,
      cidr: pub.cidr,
      enable_dhcp: false,
      ...(pub.gateway ? { gateway_ip: pub.gateway } : {}),
    },
    created,
  );
  return net;
}

export async function ensureNetworks(
  client: OpenStackClient,
  spec: NetworkSpec,
  projectId?: string,
): Promise<NetworkResult> {
  const created: string[] = [];
  const demo = projectId ?? (await projectIdByName(client, spec.projectName));

  const pool = await findOrCreate<Resource>(
    client,
    'subnetpools',
    'subnetpool',
    { name: spec.subnetPool.name },
    {
      name: spec.subnetPool.name,
      prefixes: [spec.subnetPool.prefix],
      default_prefixlen: spec.subnetPool.defaultPrefixLen,
      shared: true,
      is_default: true,
    },
    created,
  );

  const priv = await findOrCreate<Resource>(
    client,
    'networks',
    'network',
    { name: spec.private.network, project_id: demo },
    {
      name: spec.private.network,
      project_id: demo,
    },
    created,
  );
  const privSubnet = await findOrCreate<Resource>(
    client,
    'subnets',
    'subnet',
    { name: spec.private.subnet, network_id: priv.id },
    {
      name: spec.private.subnet,
      network_id: priv.id,
      project_id: demo,
      ip_version: 4,
      subnetpool_id: pool.id,
      prefixlen: spec.private.prefixLen,
      ...(spec.private.gateway ? { gateway_ip: spec.private.gateway } : {}),
    },
    created,
  );

  const pub = spec.public ? await ensurePublic(client, spec.public, created) : undefined;

  const router = await findOrCreate<Router>(
    client,
    'routers',
    'router',
    { name: spec.router, project_id: demo },
    {
      name: spec.router,
      project_id: demo,
      ...(pub ? { external_gateway_info: { network_id: pub.id } } : {}),
    },
    created,
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
  if (!ports.some((p) => p.fixed_ips.some((ip) => ip.subnet_id === privSubnet.id))) {
    await client.put('network', `/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: privSubnet.id });
    created.push(`router-interface:${spec.private.subnet}`);
  }

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
      ethertype: 'IPv4',
      protocol: want.protocol,
      remote_ip_prefix: want.remote,
      ...(want.portMin !== undefined ? { port_range_min: want.portMin, port_range_max: want.portMax } : {}),
    };
    await client.post('network', '/v2.0/security-group-rules', { security_group_rule: rule });
    created.push(`security-group-rule:${want.protocol}${want.portMin ? `/${want.portMin}` : ''}`);
  }
  return { created, privateNetworkId: priv.id, ...(pub ? { publicNetworkId: pub.id } : {}), routerId: router.id };
}

async function projectIdByName(client: OpenStackClient, name: string): Promise<string> {
  const r = await client.get<{ projects: Resource[] }>(
    'identity',
    `/projects?${q({ name, domain_id: DEFAULT_DOMAIN })}`,
  );
  if (r.projects.length === 0) throw new Error(`project ${name} does not exist (the accounts step creates it)`);
  return r.projects[0].id;
}

export function networkStep(plan: Plan): Step {
  return {
    id: 'seed:network',
    title: 'networks, router and security group',
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
    },
  };
}
