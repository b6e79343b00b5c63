// Neutron's settings rows (part of the neutron module): the ML2/OVS knobs, the
// networks devstack's create_neutron_initial_network makes (seeded through
// REST by lib/seed/network.ts), and the config files.

import type { Setting } from '../types/config.ts';
import { settingGroup } from '../config/settings.ts';
import { firstSubnet64, ulaPrefix } from '../util/ipv6.ts';

export const NEUTRON_SETTINGS: readonly Setting[] = [
  ...settingGroup('tuning', [
    {
      name: 'NEUTRON_RPC_WORKERS',
      type: 'int',
      default: '${API_WORKERS}',
      description: "neutron-server's RPC worker processes (rpc_workers; devstack leaves neutron's default).",
    },
    {
      name: 'NEUTRON_RPC_STATE_REPORT_WORKERS',
      type: 'int',
      default: '0',
      description:
        "neutron-server's processes for agents' state reports (rpc_state_report_workers); devstack sets 0: the " +
        'RPC workers take them.',
    },
    {
      name: 'NEUTRON_METADATA_WORKERS',
      type: 'int',
      default: '${API_WORKERS}',
      description:
        "Processes of the metadata agents' proxy server (metadata_workers, as devstack: $API_WORKERS). Not 0: " +
        "ML2/OVN's agent connects to the southbound database only in forked workers, and requests served by its " +
        'own process wait for that connection forever.',
    },
  ]),
  ...settingGroup('services', [
    {
      name: 'Q_AGENT',
      type: 'enum',
      choices: ['ovn', 'openvswitch'],
      replacedChoices: {
        linuxbridge: 'the linuxbridge agent is not implemented: tstack runs ML2/OVN (ovn) or ML2/OVS (openvswitch)',
      },
      default: 'ovn',
      description:
        "Neutron's ML2 backend: ovn (devstack's default: ovn-northd, ovn-controller, q-ovn-metadata-agent) or " +
        'openvswitch (the agents q-agt, q-dhcp, q-l3, q-meta).',
    },
    {
      name: 'Q_ML2_PLUGIN_MECHANISM_DRIVERS',
      type: 'list',
      default: (get) => get('Q_AGENT'),
      defaultDoc: '$Q_AGENT',
      description: 'ML2 mechanism drivers (must include the backend: ovn or openvswitch; logger may be added).',
    },
    {
      name: 'OVS_DATAPATH_TYPE',
      type: 'enum',
      choices: ['netdev', 'system'],
      default: 'netdev',
      description:
        'OVS datapath of every bridge. devstack uses system (the kernel module); tstack the userspace netdev ' +
        'datapath, which needs no openvswitch kernel module.',
    },
    {
      name: 'NEUTRON_SERVICE_PORT',
      type: 'int',
      default: '9696',
      description: 'Port of the networking API (neutron-server).',
    },
  ]),
  ...settingGroup('network', [
    {
      name: 'Q_ML2_TENANT_NETWORK_TYPE',
      type: 'list',
      default: (get) => (get('Q_AGENT') === 'ovn' ? 'geneve' : 'vxlan'),
      defaultDoc: 'geneve with Q_AGENT=ovn (as devstack), vxlan with openvswitch (as its ML2/OVS samples)',
      description:
        'Project network types in allocation order (vxlan, geneve, gre, vlan, flat, local); the OVS agent tunnels ' +
        'the tunnel types among them, OVN uses geneve.',
    },
    {
      name: 'Q_ML2_PLUGIN_TYPE_DRIVERS',
      type: 'list',
      default: '',
      description: "ML2 type drivers to load; empty: neutron's own list, which loads every type (as devstack).",
    },
    {
      name: 'TENANT_TUNNEL_RANGES',
      type: 'string',
      default: '1:1000',
      description: 'VNI (vxlan, geneve) and tunnel id (gre) ranges of project networks.',
    },
    {
      name: 'PHYSICAL_NETWORK',
      type: 'string',
      default: 'public',
      description: 'Physical network of flat and VLAN networks, mapped to OVS_PHYSICAL_BRIDGE.',
    },
    {
      name: 'OVS_PHYSICAL_BRIDGE',
      type: 'string',
      default: 'br-ex',
      description: 'OVS bridge of PHYSICAL_NETWORK (created; add a NIC to it for traffic between hosts).',
    },
    {
      name: 'TENANT_VLAN_RANGE',
      type: 'string',
      default: '',
      description: 'VLAN ids for VLAN project networks on PHYSICAL_NETWORK (min:max, e.g. 1000:1999).',
    },
    {
      name: 'ML2_VLAN_RANGES',
      type: 'string',
      default: (get) => {
        const physnet = get('PHYSICAL_NETWORK');
        const range = get('TENANT_VLAN_RANGE');
        return physnet && range ? `${physnet}:${range}` : physnet;
      },
      defaultDoc: '$PHYSICAL_NETWORK[:$TENANT_VLAN_RANGE]',
      description: 'network_vlan_ranges of the VLAN type driver: physnet[:min:max], comma separated.',
    },
    {
      name: 'OVS_BRIDGE_MAPPINGS',
      type: 'string',
      default: (get) => {
        const physnet = get('PHYSICAL_NETWORK');
        const bridge = get('OVS_PHYSICAL_BRIDGE');
        return physnet && bridge ? `${physnet}:${bridge}` : '';
      },
      defaultDoc: '$PHYSICAL_NETWORK:$OVS_PHYSICAL_BRIDGE',
      description: "The OVS agent's physnet:bridge mappings, comma separated; tstack creates each bridge.",
    },
    {
      name: 'Q_ML2_PLUGIN_FLAT_TYPE_OPTIONS',
      type: 'string',
      default: (get) => {
        const nets = [...new Set([get('PHYSICAL_NETWORK'), get('PUBLIC_PHYSICAL_NETWORK')].filter(Boolean))];
        return nets.length > 0 ? `flat_networks=${nets.join(',')}` : '';
      },
      defaultDoc: 'flat_networks=$PHYSICAL_NETWORK,$PUBLIC_PHYSICAL_NETWORK',
      description: '[ml2_type_flat] options, space-separated option=value items.',
    },
    {
      name: 'Q_ML2_PLUGIN_VLAN_TYPE_OPTIONS',
      type: 'string',
      default: (get) => (get('ML2_VLAN_RANGES') ? `network_vlan_ranges=${get('ML2_VLAN_RANGES')}` : ''),
      defaultDoc: 'network_vlan_ranges=$ML2_VLAN_RANGES',
      description: '[ml2_type_vlan] options, space-separated option=value items.',
    },
    {
      name: 'Q_ML2_PLUGIN_VXLAN_TYPE_OPTIONS',
      type: 'string',
      default: 'vni_ranges=${TENANT_TUNNEL_RANGES}',
      description: '[ml2_type_vxlan] options, space-separated option=value items.',
    },
    {
      name: 'Q_ML2_PLUGIN_GENEVE_TYPE_OPTIONS',
      type: 'string',
      default: 'vni_ranges=${TENANT_TUNNEL_RANGES}',
      description: '[ml2_type_geneve] options, space-separated option=value items.',
    },
    {
      name: 'Q_ML2_PLUGIN_GRE_TYPE_OPTIONS',
      type: 'string',
      default: 'tunnel_id_ranges=${TENANT_TUNNEL_RANGES}',
      description: '[ml2_type_gre] options, space-separated option=value items.',
    },
    {
      name: 'Q_DVR_MODE',
      type: 'enum',
      choices: ['legacy'],
      replacedChoices: {
        dvr: 'distributed routers are not implemented: tstack runs legacy routers (q-l3 agent_mode=legacy)',
        dvr_snat: 'distributed routers are not implemented: tstack runs legacy routers (q-l3 agent_mode=legacy)',
        dvr_no_external: 'distributed routers are not implemented: tstack runs legacy routers (q-l3 agent_mode=legacy)',
      },
      default: 'legacy',
      description: 'L3 agent mode; tstack implements legacy (centralised) routers only.',
    },
  ]),
  ...settingGroup('network', [
    {
      name: 'NETWORK_GATEWAY',
      type: 'ip',
      default: '',
      description: 'Gateway of the private subnet (empty: neutron picks the first address).',
    },
    {
      name: 'IP_VERSION',
      type: 'enum',
      choices: ['4', '6', '4+6'],
      default: '4+6',
      description:
        'IP versions of the seeded subnets: private and public get an IPv4 subnet (4), an IPv6 one (6) or both, ' +
        'each joined to the router, as devstack seeds them.',
    },
    {
      name: 'TUNNEL_IP_VERSION',
      type: 'enum',
      choices: ['4'],
      replacedChoices: { '6': "tstack tunnels over IPv4 (the OVS agent's local_ip is SERVICE_HOST)" },
      default: '4',
      description: 'IP version of the tunnel endpoints; tstack implements 4.',
    },
    {
      name: 'Q_USE_PROVIDERNET_FOR_PUBLIC',
      type: 'bool',
      default: 'True',
      description:
        'The public network is a provider network (PUBLIC_PROVIDERNET_TYPE on PUBLIC_PHYSICAL_NETWORK, which ' +
        'OVS_BRIDGE_MAPPINGS maps to a bridge); False lets neutron pick a project network type for it.',
    },
    {
      name: 'PUBLIC_PROVIDERNET_TYPE',
      type: 'enum',
      choices: ['flat', 'vlan'],
      default: 'flat',
      description: 'Provider network type of the public network.',
    },
    {
      name: 'PUBLIC_PROVIDERNET_SEGMENTATION_ID',
      type: 'string',
      default: '',
      description: 'VLAN id of the public network when PUBLIC_PROVIDERNET_TYPE=vlan.',
    },
    {
      name: 'Q_USE_PROVIDER_NETWORKING',
      type: 'bool',
      default: 'False',
      description:
        "demo's network is a shared provider network named PHYSICAL_NETWORK (PROVIDER_NETWORK_TYPE, SEGMENTATION_ID) " +
        'instead of `private`, as devstack makes it.',
    },
    {
      name: 'PROVIDER_NETWORK_TYPE',
      type: 'string',
      default: '',
      description: 'Type of the provider network (flat or vlan); required with Q_USE_PROVIDER_NETWORKING.',
    },
    { name: 'SEGMENTATION_ID', type: 'string', default: '', description: 'VLAN id of the provider network.' },
    {
      name: 'PROVIDER_SUBNET_NAME',
      type: 'string',
      default: 'provider_net',
      description: "The provider network's IPv4 subnet (FIXED_RANGE or the pool, gateway NETWORK_GATEWAY).",
    },
    {
      name: 'ALLOCATION_POOL',
      type: 'string',
      default: '',
      description: 'Allocation pool of the provider IPv4 subnet, start=ADDR,end=ADDR.',
    },
    {
      name: 'IPV6_PROVIDER_SUBNET_NAME',
      type: 'string',
      default: 'provider_net_v6',
      description: "The provider network's IPv6 subnet.",
    },
    {
      name: 'IPV6_PROVIDER_FIXED_RANGE',
      type: 'string',
      default: '',
      description: 'Range of the provider IPv6 subnet; required with Q_USE_PROVIDER_NETWORKING and IPv6.',
    },
    {
      name: 'IPV6_PROVIDER_NETWORK_GATEWAY',
      type: 'ip',
      default: '',
      description: 'Gateway of the provider IPv6 subnet; required with Q_USE_PROVIDER_NETWORKING and IPv6.',
    },
    {
      name: 'PUBLIC_INTERFACE',
      type: 'string',
      default: '',
      description:
        'A host interface added to OVS_PHYSICAL_BRIDGE where this host routes the public network (q-l3, or OVN ' +
        'with OVN_L3_CREATE_PUBLIC_NETWORK) or with Q_USE_PROVIDER_NETWORKING; where it routes the public network, ' +
        'its IPv4 addresses and default route move to the bridge (unstack moves them back), as devstack does.',
    },
    {
      name: 'Q_FLOATING_ALLOCATION_POOL',
      type: 'string',
      default: '',
      description: 'Allocation pool of the public subnet, start=ADDR,end=ADDR (empty: all of FLOATING_RANGE).',
    },
    {
      name: 'Q_ASSIGN_GATEWAY_TO_PUBLIC_BRIDGE',
      type: 'bool',
      default: 'True',
      description: "Put the public subnets' gateway addresses on PUBLIC_BRIDGE (the host reaches floating IPs).",
    },
    {
      name: 'PUBLIC_NETWORK_GATEWAY',
      type: 'ip',
      default: '172.24.4.1',
      description: 'Gateway of the public subnet, configured on PUBLIC_BRIDGE.',
    },
    { name: 'PUBLIC_NETWORK_NAME', type: 'string', default: 'public', description: 'Name of the external network.' },
    {
      name: 'PRIVATE_NETWORK_NAME',
      type: 'string',
      default: 'private',
      description: "Name of the demo project's network.",
    },
    {
      name: 'PRIVATE_SUBNET_NAME',
      type: 'string',
      default: 'private-subnet',
      description: "Name of the demo project's IPv4 subnet.",
    },
    {
      name: 'PUBLIC_SUBNET_NAME',
      type: 'string',
      default: 'public-subnet',
      description: "Name of the external network's IPv4 subnet.",
    },
    {
      name: 'Q_ROUTER_NAME',
      type: 'string',
      default: 'router1',
      description: 'Router between the private and public networks.',
    },
    { name: 'PUBLIC_BRIDGE', type: 'string', default: 'br-ex', description: 'OVS bridge of the external network.' },
    {
      name: 'PUBLIC_PHYSICAL_NETWORK',
      type: 'string',
      default: 'public',
      description: 'Physical network name mapped to PUBLIC_BRIDGE.',
    },
    {
      name: 'USE_SUBNETPOOL',
      type: 'bool',
      default: 'True',
      description: 'Allocate the private subnet from a default subnet pool.',
    },
    {
      name: 'SUBNETPOOL_NAME_V4',
      type: 'string',
      default: 'shared-default-subnetpool-v4',
      description: 'Name of the IPv4 subnet pool.',
    },
    {
      name: 'SUBNETPOOL_PREFIX_V4',
      type: 'cidr',
      default: '${IPV4_ADDRS_SAFE_TO_USE}',
      description: 'Prefix of the IPv4 subnet pool.',
    },
    {
      name: 'SUBNETPOOL_SIZE_V4',
      type: 'int',
      default: '26',
      description: 'Prefix length of subnets allocated from the pool.',
    },
    {
      name: 'IPV6_ADDRS_SAFE_TO_USE',
      type: 'string',
      default: (get) => ulaPrefix(get('HOST_IP')),
      defaultDoc: 'fdXX:XXXX:XXXX::/56 (a ULA from a hash of HOST_IP; devstack draws one per run)',
      description: 'IPv6 range project subnets are allocated from.',
    },
    {
      name: 'FIXED_RANGE_V6',
      type: 'string',
      default: (get) => firstSubnet64(get('IPV6_ADDRS_SAFE_TO_USE')),
      defaultDoc: 'the first /64 of IPV6_ADDRS_SAFE_TO_USE',
      description: 'IPv6 range of the private network when USE_SUBNETPOOL=False.',
    },
    {
      name: 'IPV6_PRIVATE_NETWORK_GATEWAY',
      type: 'ip',
      default: '',
      description: 'Gateway of the private IPv6 subnet (empty: neutron picks the first address).',
    },
    {
      name: 'IPV6_PRIVATE_SUBNET_NAME',
      type: 'string',
      default: 'ipv6-private-subnet',
      description: "Name of the demo project's IPv6 subnet.",
    },
    {
      name: 'IPV6_RA_MODE',
      type: 'enum',
      choices: ['slaac', 'dhcpv6-stateful', 'dhcpv6-stateless'],
      default: 'slaac',
      description: 'ipv6_ra_mode of the private IPv6 subnet.',
    },
    {
      name: 'IPV6_ADDRESS_MODE',
      type: 'enum',
      choices: ['slaac', 'dhcpv6-stateful', 'dhcpv6-stateless'],
      default: 'slaac',
      description: 'ipv6_address_mode of the private IPv6 subnet.',
    },
    {
      name: 'IPV6_PUBLIC_RANGE',
      type: 'string',
      default: '2001:db8::/64',
      description: "The public network's IPv6 subnet.",
    },
    {
      name: 'IPV6_PUBLIC_NETWORK_GATEWAY',
      type: 'ip',
      default: '2001:db8::2',
      description: 'Gateway of the public IPv6 subnet, configured on PUBLIC_BRIDGE.',
    },
    {
      name: 'IPV6_PUBLIC_SUBNET_NAME',
      type: 'string',
      default: 'ipv6-public-subnet',
      description: "Name of the external network's IPv6 subnet.",
    },
    {
      name: 'SUBNETPOOL_NAME_V6',
      type: 'string',
      default: 'shared-default-subnetpool-v6',
      description: 'Name of the IPv6 subnet pool.',
    },
    {
      name: 'SUBNETPOOL_PREFIX_V6',
      type: 'string',
      default: '${IPV6_ADDRS_SAFE_TO_USE}',
      description: 'Prefix of the IPv6 subnet pool.',
    },
    {
      name: 'SUBNETPOOL_SIZE_V6',
      type: 'int',
      default: '64',
      description: 'Prefix length of IPv6 subnets allocated from the pool.',
    },
    {
      name: 'NEUTRON_CREATE_INITIAL_NETWORKS',
      type: 'bool',
      default: 'True',
      description: 'Create the private and public networks and the router.',
    },
  ]),
  ...settingGroup('config files', [
    { name: 'NEUTRON_CONF', type: 'path', default: '/etc/neutron/neutron.conf', description: 'neutron.conf.' },
    {
      name: 'Q_PLUGIN_CONF_FILE',
      type: 'string',
      default: 'etc/neutron/plugins/ml2/ml2_conf.ini',
      description: 'ML2 config, relative to / as in devstack: write [[post-config|/$Q_PLUGIN_CONF_FILE]].',
    },
    {
      name: 'Q_OVS_AGENT_CONF_FILE',
      type: 'path',
      default: '/etc/neutron/plugins/ml2/openvswitch_agent.ini',
      description:
        'Open vSwitch agent config (Debian keeps it apart); the agent reads ml2_conf.ini after it, as devstack ' +
        'has the agent read ml2_conf.ini, so an option there wins.',
    },
    {
      name: 'Q_DHCP_CONF_FILE',
      type: 'path',
      default: '/etc/neutron/dhcp_agent.ini',
      description: 'DHCP agent config.',
    },
    { name: 'Q_L3_CONF_FILE', type: 'path', default: '/etc/neutron/l3_agent.ini', description: 'L3 agent config.' },
    {
      name: 'Q_META_CONF_FILE',
      type: 'path',
      default: '/etc/neutron/metadata_agent.ini',
      description: 'Metadata agent config.',
    },
  ]),
];
