// ML2's network types the devstack way (lib/neutron_plugins/ml2, lib/neutron): the project network types, the
// type drivers that must be loaded for them, each type driver's options (the VNI, tunnel id and VLAN ranges, the
// flat physical networks) and the OVS agent's tunnel types and bridge mappings. Pure: the plan's settings in, data
// out; ml2_conf.ini and the agent's file are rendered from it (neutron.ts), and a type that cannot work is a
// ConfigError naming the local.conf line.

import type { SourcePos } from '../types/config.ts';
import type { Plan } from '../types/stack.ts';
import { ConfigError } from '../util/errors.ts';

/** Network types of neutron's type drivers (neutron.ml2.type_drivers entry points). */
export const NETWORK_TYPES = ['local', 'flat', 'vlan', 'gre', 'vxlan', 'geneve'] as const;
export type NetworkType = (typeof NETWORK_TYPES)[number];

/** The types an agent builds tunnels for. */
const TUNNEL_TYPES: readonly NetworkType[] = ['gre', 'vxlan', 'geneve'];

/** ml2_conf.ini's section for each type driver's options, and the local.conf setting that holds them. */
export const TYPE_OPTION_SETTINGS: Readonly<Record<Exclude<NetworkType, 'local'>, string>> = {
  flat: 'Q_ML2_PLUGIN_FLAT_TYPE_OPTIONS',
  vlan: 'Q_ML2_PLUGIN_VLAN_TYPE_OPTIONS',
  gre: 'Q_ML2_PLUGIN_GRE_TYPE_OPTIONS',
  vxlan: 'Q_ML2_PLUGIN_VXLAN_TYPE_OPTIONS',
  geneve: 'Q_ML2_PLUGIN_GENEVE_TYPE_OPTIONS',
};

export interface BridgeMapping {
  physnet: string;
  bridge: string;
}

export interface Ml2Layout {
  /** `[ml2] tenant_network_types`, in allocation order. */
  tenantTypes: NetworkType[];
  /** `[ml2] type_drivers`; undefined leaves neutron's default, which loads every type (devstack writes none). */
  typeDrivers?: NetworkType[];
  /** `[ml2_type_<type>]` options, key -> value, for each type driver. */
  typeOptions: Partial<Record<NetworkType, Record<string, string>>>;
  /** `[agent] tunnel_types` of the OVS agent. */
  tunnelTypes: NetworkType[];
  /** `[ovs] bridge_mappings`; every bridge named here is created before the agent starts. */
  bridgeMappings: BridgeMapping[];
}

const where = (plan: Plan, name: string): SourcePos | undefined => plan.config.positions[name];

const items = (value: string): string[] =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

function networkTypes(plan: Plan, name: string): NetworkType[] {
  const out: NetworkType[] = [];
  for (const t of items(plan.get(name))) {
    if (!(NETWORK_TYPES as readonly string[]).includes(t)) {
      throw new ConfigError(
        `${name}: '${t}' is not a network type of ML2 (one or more of ${NETWORK_TYPES.join(', ')})`,
        where(plan, name),
      );
    }
    if (!out.includes(t as NetworkType)) out.push(t as NetworkType);
  }
  return out;
}

/**
 * devstack's `Q_ML2_PLUGIN_<TYPE>_TYPE_OPTIONS`: space-separated `option=value` items, each set in
 * `[ml2_type_<type>]` (devstack splits them at the first `=` for iniset).
 */
export function typeOptions(plan: Plan, name: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of plan.get(name).split(/\s+/).filter(Boolean)) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new ConfigError(`${name}: '${item}' is not option=value`, where(plan, name));
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

/** `physnet:bridge[,physnet:bridge]` of OVS_BRIDGE_MAPPINGS. */
export function bridgeMappings(plan: Plan): BridgeMapping[] {
  const out: BridgeMapping[] = [];
  for (const m of items(plan.get('OVS_BRIDGE_MAPPINGS'))) {
    const [physnet, bridge, ...rest] = m.split(':');
    if (!physnet || !bridge || rest.length > 0 || !/^[A-Za-z0-9_.-]{1,15}$/.test(bridge)) {
      throw new ConfigError(
        `OVS_BRIDGE_MAPPINGS: '${m}' is not physnet:bridge (an OVS bridge name of at most 15 characters)`,
        where(plan, 'OVS_BRIDGE_MAPPINGS'),
      );
    }
    if (out.some((o) => o.physnet === physnet))
      throw new ConfigError(
        `OVS_BRIDGE_MAPPINGS: physnet '${physnet}' is mapped twice`,
        where(plan, 'OVS_BRIDGE_MAPPINGS'),
      );
    out.push({ physnet, bridge });
  }
  return out;
}

export function ml2Layout(plan: Plan): Ml2Layout {
  const tenantTypes = networkTypes(plan, 'Q_ML2_TENANT_NETWORK_TYPE');
  const explicitDrivers = networkTypes(plan, 'Q_ML2_PLUGIN_TYPE_DRIVERS');
  const typeDrivers = explicitDrivers.length > 0 ? explicitDrivers : undefined;
  const loaded = typeDrivers ?? [...NETWORK_TYPES];
  const typeOpts: Ml2Layout['typeOptions'] = {};
  for (const [type, setting] of Object.entries(TYPE_OPTION_SETTINGS) as [NetworkType, string][]) {
    if (!loaded.includes(type)) continue;
    const opts = typeOptions(plan, setting);
    if (Object.keys(opts).length > 0) typeOpts[type] = opts;
  }
  return {
    tenantTypes,
    ...(typeDrivers ? { typeDrivers } : {}),
    typeOptions: typeOpts,
    tunnelTypes: tenantTypes.filter((t) => TUNNEL_TYPES.includes(t)),
    bridgeMappings: bridgeMappings(plan),
  };
}

/** An option as the service will read it: the generated file with local.conf's post-config merged in. */
export type EffectiveOption = (section: string, key: string) => string | undefined;

/**
 * What would make neutron-server or the OVS agent fail, or leave project networks unallocatable, judged on the
 * files as they will be read (post-config blocks included): a project network type whose driver is not loaded,
 * VLAN project networks without a VLAN range, a VLAN physnet the agent has no bridge for. devstack accepts these
 * and the stack breaks later; tstack names the line instead.
 */
export function ml2Problems(plan: Plan, ml2: EffectiveOption, agent: EffectiveOption): ConfigError | undefined {
  const list = (v: string | undefined) => items(v ?? '');
  const pos = (...names: string[]) => names.map((n) => where(plan, n)).find(Boolean);
  const tenant = list(ml2('ml2', 'tenant_network_types'));
  const drivers = ml2('ml2', 'type_drivers');
  const loaded = drivers === undefined ? [...NETWORK_TYPES] : list(drivers);
  const missing = tenant.filter((t) => !loaded.includes(t));
  if (missing.length > 0 && plan.isEnabled('q-svc')) {
    return new ConfigError(
      `ML2 loads the type drivers ${loaded.join(',')} but not ${missing.join(', ')}, a project network type of ` +
        'Q_ML2_TENANT_NETWORK_TYPE (neutron-server would not start); add it to Q_ML2_PLUGIN_TYPE_DRIVERS',
      pos('Q_ML2_PLUGIN_TYPE_DRIVERS', 'Q_ML2_TENANT_NETWORK_TYPE'),
    );
  }
  const mapped = list(agent('ovs', 'bridge_mappings')).map((m) => m.split(':')[0]);
  const publicPhysnet = plan.get('PUBLIC_PHYSICAL_NETWORK');
  const l3 = plan.isEnabled('q-l3') && plan.isEnabled('q-agt');
  if (l3 && plan.bool('Q_USE_PROVIDERNET_FOR_PUBLIC') && !mapped.includes(publicPhysnet)) {
    return new ConfigError(
      `the public network is a provider network on physnet '${publicPhysnet}' (PUBLIC_PHYSICAL_NETWORK), which ` +
        `OVS_BRIDGE_MAPPINGS (${agent('ovs', 'bridge_mappings') ?? ''}) maps to no bridge: the router's gateway ` +
        'port could not be bound',
      pos('OVS_BRIDGE_MAPPINGS', 'PUBLIC_PHYSICAL_NETWORK', 'PHYSICAL_NETWORK'),
    );
  }
  if (!tenant.includes('vlan')) return undefined;
  const ranged = list(ml2('ml2_type_vlan', 'network_vlan_ranges'))
    .map((r) => r.split(':'))
    .filter((r) => r.length === 3)
    .map((r) => r[0]);
  if (ranged.length === 0 && plan.isEnabled('q-svc')) {
    return new ConfigError(
      'Q_ML2_TENANT_NETWORK_TYPE=vlan needs a range of VLAN ids for project networks: set TENANT_VLAN_RANGE ' +
        '(e.g. 1000:1999) or ML2_VLAN_RANGES=physnet:min:max',
      pos('Q_ML2_TENANT_NETWORK_TYPE'),
    );
  }
  // the agent only binds ports on physnets it has a bridge for (its own file, then ml2_conf.ini, as it reads them)
  const unmapped = ranged.filter((p) => !mapped.includes(p));
  if (unmapped.length > 0 && plan.isEnabled('q-agt')) {
    return new ConfigError(
      `VLAN project networks on physnet ${unmapped.join(', ')} need a bridge for it in OVS_BRIDGE_MAPPINGS ` +
        `(bridge_mappings is '${mapped.length ? agent('ovs', 'bridge_mappings') : ''}'; the agent could bind no port)`,
      pos('OVS_BRIDGE_MAPPINGS', 'ML2_VLAN_RANGES', 'TENANT_VLAN_RANGE', 'Q_ML2_TENANT_NETWORK_TYPE'),
    );
  }
  return undefined;
}

/** `physnet:bridge` items of an effective bridge_mappings value. */
export function mappingBridges(value: string | undefined): string[] {
  return items(value ?? '')
    .map((m) => m.split(':')[1])
    .filter((b): b is string => Boolean(b));
}
