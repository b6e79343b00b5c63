// ML2/OVN's settings rows and its pure configuration: the [ovn] options of
// ml2_conf.ini, the OVN metadata agent's ini, the chassis' external-ids in
// Open vSwitch's database, and the OVN databases' listeners. Names and
// defaults are devstack's (lib/neutron_plugins/ovn_agent); the NB and SB
// databases listen on loopback here, since the one chassis is this host.

import type { Setting } from '../../types/config.ts';
import type { Plan } from '../../types/stack.ts';
import { settingGroup } from '../../config/settings.ts';
import { ConfigError } from '../../util/errors.ts';
import { iniDoc, type IniDoc, type IniSpec } from '../../util/ini.ts';
import { rootHelper, rootwrap } from '../../source/rootwrap.ts';
import { debug, hostIp, serviceHost } from '../common.ts';
import { metadataPort, metadataSecret } from '../nova.ts';

export const OVN_RUN_DIR = '/var/run/ovn';
export const OVN_DB_DIR = '/var/lib/ovn';
const SCHEMAS = '/usr/share/ovn';

/** The northbound and southbound databases: file, schema, local socket, unixctl socket, pidfile. */
export interface OvnDb {
  name: 'nb' | 'sb';
  file: string;
  schema: string;
  sock: string;
  ctl: string;
  pidfile: string;
  /** The setting holding the remote neutron (and ovn-controller) connect to. */
  remoteSetting: 'OVN_NB_REMOTE' | 'OVN_SB_REMOTE';
}

function ovnDb(name: 'nb' | 'sb'): OvnDb {
  const base = `ovn${name}_db`;
  return {
    name,
    file: `${OVN_DB_DIR}/${base}.db`,
    schema: `${SCHEMAS}/ovn-${name}.ovsschema`,
    sock: `${OVN_RUN_DIR}/${base}.sock`,
    ctl: `${OVN_RUN_DIR}/${base}.ctl`,
    pidfile: `${OVN_RUN_DIR}/${base}.pid`,
    remoteSetting: name === 'nb' ? 'OVN_NB_REMOTE' : 'OVN_SB_REMOTE',
  };
}

export const OVN_NB = ovnDb('nb');
export const OVN_SB = ovnDb('sb');

/**
 * The step that rebuilds OVN's northbound database from neutron's when networks or routers are missing from it
 * (ml2-ovn.ts): neutron-server waits for it, so it never serves ports of a switch OVN does not have.
 */
export const OVN_NB_REPAIR_STEP = 'ml2-ovn:nb-repair';

/** The `neutron-<uuid>` rows of neutron's networks and routers that OVN's northbound database lacks. Pure. */
export function missingFromNorthbound(neutronIds: readonly string[], northboundNames: readonly string[]): string[] {
  const present = new Set(northboundNames);
  return neutronIds.filter((id) => !present.has(`neutron-${id}`));
}

export const OVN_SETTINGS: readonly Setting[] = settingGroup('OVN', [
  {
    name: 'OVN_NB_REMOTE',
    type: 'string',
    default: 'tcp:127.0.0.1:6641',
    description:
      'Where neutron reaches the OVN northbound database (devstack: tcp:$SERVICE_HOST:6641; tstack keeps ' +
      "OVN's databases on loopback, the single chassis being this host).",
  },
  {
    name: 'OVN_SB_REMOTE',
    type: 'string',
    default: 'tcp:127.0.0.1:6642',
    description: 'Where neutron, ovn-controller and the metadata agent reach the OVN southbound database.',
  },
  {
    name: 'OVN_L3_CREATE_PUBLIC_NETWORK',
    type: 'bool',
    default: 'True',
    description: 'With OVN: create the public network, its subnet and the router gateway.',
  },
  {
    name: 'ENABLE_CHASSIS_AS_GW',
    type: 'bool',
    default: 'True',
    description: 'This chassis hosts router gateway ports (ovn-cms-options=enable-chassis-as-gw).',
  },
  {
    name: 'OVN_BRIDGE_MAPPINGS',
    type: 'string',
    default: '${PHYSICAL_NETWORK}:${PUBLIC_BRIDGE}',
    description: "ovn-controller's physnet:bridge mappings (ovn-bridge-mappings), comma separated.",
  },
  {
    name: 'OVN_L3_SCHEDULER',
    type: 'enum',
    choices: ['leastloaded', 'chance'],
    default: 'leastloaded',
    description: 'How neutron picks the gateway chassis of a router.',
  },
  {
    name: 'OVN_NEUTRON_SYNC_MODE',
    type: 'enum',
    choices: ['log', 'off', 'repair'],
    default: 'log',
    description: "neutron-server's check of the OVN northbound database against its own at start.",
  },
  {
    name: 'OVN_DNS_SERVERS',
    type: 'string',
    default: '8.8.8.8',
    description: "DNS servers OVN's DHCP hands out on subnets without their own.",
  },
  {
    name: 'OVN_GENEVE_OVERHEAD',
    type: 'int',
    default: '38',
    description: "Geneve header size ML2 subtracts from the network's MTU (max_header_size).",
  },
  {
    name: 'OVN_DBS_LOG_LEVEL',
    type: 'enum',
    choices: ['off', 'emer', 'err', 'warn', 'info', 'dbg'],
    default: 'info',
    description: "Log level of the OVN databases' ovsdb-servers.",
  },
  {
    name: 'OVN_META_CONF',
    type: 'path',
    default: '/etc/neutron/neutron_ovn_metadata_agent.ini',
    description: 'OVN metadata agent config.',
  },
]);

export const ovnRemote = (plan: Plan, db: OvnDb): string => plan.get(db.remoteSetting);

/** `tcp:HOST:PORT` -> ovsdb-server's `ptcp:PORT:HOST` (a unix: remote needs no listener beyond the socket). */
export function ovsdbListener(remote: string, setting: string): string | undefined {
  if (remote.startsWith('unix:')) return undefined;
  const m = /^tcp:(\[[^\]]+\]|[^:]+):(\d+)$/.exec(remote);
  if (!m)
    throw new ConfigError(`${setting}=${remote}: expected tcp:HOST:PORT or unix:PATH (tstack runs OVN without TLS)`);
  return `ptcp:${m[2]}:${m[1]}`;
}

/** ovsdb-server serving one OVN database (devstack's ovn-ctl run_nb_ovsdb / run_sb_ovsdb, as a pane). */
export function ovnDbServerArgv(plan: Plan, db: OvnDb): string[] {
  const listener = ovsdbListener(ovnRemote(plan, db), db.remoteSetting);
  const level = plan.get('OVN_DBS_LOG_LEVEL');
  return [
    '/usr/sbin/ovsdb-server',
    db.file,
    `--remote=punix:${db.sock}`,
    ...(listener ? [`--remote=${listener}`] : []),
    `--pidfile=${db.pidfile}`,
    `--unixctl=${db.ctl}`,
    `-vconsole:${level}`,
    '-vsyslog:off',
  ];
}

/** What ml2_conf.ini holds for ML2/OVN (neutron.ts merges it into the whole file). */
export function ovnMl2Sections(plan: Plan): IniSpec {
  return {
    // the VNI range comes from Q_ML2_PLUGIN_GENEVE_TYPE_OPTIONS (neutron-ml2.ts), as for the other types
    ml2_type_geneve: { max_header_size: plan.int('OVN_GENEVE_OVERHEAD') },
    ovn: {
      ovn_nb_connection: ovnRemote(plan, OVN_NB),
      ovn_sb_connection: ovnRemote(plan, OVN_SB),
      ovn_l3_scheduler: plan.get('OVN_L3_SCHEDULER'),
      neutron_sync_mode: plan.get('OVN_NEUTRON_SYNC_MODE'),
      ovn_metadata_enabled: true,
      enable_distributed_floating_ip: false,
      dns_servers: plan.get('OVN_DNS_SERVERS'),
    },
  };
}

/** neutron-ovn-metadata-agent: haproxy in an ovnmeta- namespace per network, forwarding to nova's metadata API. */
export function ovnMetadataAgentConf(plan: Plan, ovsdbConnection: string, stateDir: string): IniDoc {
  return iniDoc({
    DEFAULT: {
      debug: debug(plan),
      state_path: stateDir,
      nova_metadata_host: serviceHost(plan),
      nova_metadata_port: metadataPort(plan),
      metadata_proxy_shared_secret: metadataSecret(plan),
      metadata_workers: plan.int('NEUTRON_METADATA_WORKERS'),
    },
    // Debian's rootwrap, or from a checkout the venv's (source/rootwrap.ts)
    agent: { root_helper: rootHelper(rootwrap(plan, 'neutron')) },
    ovs: { ovsdb_connection: ovsdbConnection },
    ovn: { ovn_sb_connection: ovnRemote(plan, OVN_SB) },
  });
}

/**
 * This host as an OVN chassis: the external-ids ovn-controller reads from
 * Open vSwitch's database. br-int on the userspace datapath (no kernel
 * module here), geneve towards other chassis, the provider bridges, and the
 * gateway role that lets routers' external ports live here.
 */
export function chassisExternalIds(plan: Plan, datapath: string): Record<string, string> {
  return {
    'ovn-remote': ovnRemote(plan, OVN_SB),
    'ovn-bridge': 'br-int',
    'ovn-bridge-datapath-type': datapath,
    'ovn-encap-type': 'geneve',
    // the geneve endpoint: this node's address (devstack's TUNNEL_IP)
    'ovn-encap-ip': hostIp(plan),
    'ovn-bridge-mappings': plan.get('OVN_BRIDGE_MAPPINGS'),
    'ovn-cms-options': plan.bool('ENABLE_CHASSIS_AS_GW') ? 'enable-chassis-as-gw' : '',
  };
}

/** The bridges of OVN_BRIDGE_MAPPINGS (`physnet:bridge,...`). */
export function mappedBridges(mappings: string): string[] {
  return mappings
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean)
    .map((m) => {
      const [physnet, bridge, ...rest] = m.split(':');
      if (!physnet || !bridge || rest.length > 0)
        throw new ConfigError(`OVN_BRIDGE_MAPPINGS: '${m}' is not physnet:bridge`);
      return bridge;
    });
}
