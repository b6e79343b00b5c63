// Variables devstack reads (stackrc, lib/*) that tstack does not: local.conf may set them, and the run says
// once, with file:line, that the value is not used and what tstack does instead. A variable neither devstack
// nor tstack knows stays a plugin's (listed by `./stack.ts config`, flagged only when it looks like a typo).
// When tstack starts to implement one of these, its settings row replaces the entry here.

const NETWORK = "tstack seeds devstack's networks and router (no MTU, veth or fixed network size)";
const ML2 = 'tstack configures ML2/OVS itself (openvswitch mechanism driver, Q_ML2_TENANT_NETWORK_TYPE)';
const IPV6 = 'tstack serves the APIs over IPv4 (SERVICE_IP_VERSION=4)';
const SUBNODE = 'tstack runs every service on this host (no multinode)';
const CONSOLE = 'tstack runs no console proxy (n-novnc is not implemented)';
const SWIFT = 'tstack runs swift without temp URLs (no tempurl middleware)';
const LOGS = 'tstack writes each pane to $LOGDIR/<pane>.log and the run to LOGFILE';
const PYTHON = 'tstack installs into its own venv ($DATA_DIR/venv) with Debian 12 python3';
const NOT_NEEDED = 'not needed by tstack';

const rows = (instead: string, names: string[]): [string, string][] => names.map((n) => [n, instead]);

export const IGNORED_DEVSTACK_VARIABLES: ReadonlyMap<string, string> = new Map([
  ...rows(NETWORK, [
    'PUBLIC_BRIDGE_MTU',
    'Q_USE_PUBLIC_VETH',
    'FIXED_NETWORK_SIZE',
    'Q_L3_ENABLED',
    'Q_L3_ROUTER_PER_TENANT',
  ]),
  ...rows(ML2, [
    'Q_PLUGIN',
    'Q_ML2_PLUGIN_EXT_DRIVERS',
    'ENABLE_TENANT_VLANS',
    'ENABLE_TENANT_TUNNELS',
    'Q_SERVICE_PLUGIN_CLASSES',
    'Q_USE_SECGROUP',
    'TUNNEL_ENDPOINT_IP',
    'NEUTRON_AGENT',
    'OVN_BUILD_FROM_SOURCE',
  ]),
  ...rows(IPV6, ['HOST_IPV6']),
  ['IPV6_ROUTER_GW_IP', "tstack reads the router's IPv6 gateway address from neutron, as devstack does"],
  ...rows(SUBNODE, ['Q_HOST', 'GLANCE_HOSTPORT', 'KEYSTONE_SERVICE_HOST', 'MULTI_HOST', 'SYSLOG_HOST']),
  ...rows(CONSOLE, [
    'NOVA_VNC_ENABLED',
    'NOVNCPROXY_URL',
    'XVPVNCPROXY_URL',
    'VNCSERVER_LISTEN',
    'VNCSERVER_PROXYCLIENT_ADDRESS',
    'SPICEPROXY_URL',
  ]),
  ...rows(SWIFT, ['SWIFT_TEMPURL_KEY', 'SWIFT_ENABLE_TEMPURLS']),
  ...rows(LOGS, ['SYSLOG', 'SYSLOG_PORT', 'LOG_COLOR', 'VERBOSE', 'VERBOSE_NO_TIMESTAMP', 'SCREEN_LOGDIR']),
  ...rows(PYTHON, ['USE_PYTHON3', 'PYTHON3_VERSION', 'GLOBAL_VENV', 'USE_VENV', 'PIP_UPGRADE']),
  ...rows(NOT_NEEDED, [
    'SERVICE_TOKEN',
    'USE_SCREEN',
    'FORCE',
    'GIT_TIMEOUT',
    'DEVSTACK_PARALLEL',
    'MYSQL_GATHER_PERFORMANCE',
    'WSGI_MODE',
    'ENABLE_HTTPD_MOD_WSGI_SERVICES',
    'PREREQ_RERUN_HOURS',
  ]),
  ['INSTALL_TEMPEST', "tstack installs Debian's tempest package when tempest is enabled"],
  ['NUMBER_FAKE_NOVA_COMPUTE', 'tstack runs one nova-compute'],
  ['CELLSV2_SETUP', 'tstack sets up cell0 and cell1 with one n-cond'],
  ['KEYSTONE_ADMIN_ENDPOINT', 'tstack registers public and internal keystone endpoints only'],
  ['VOLUME_GROUP_NAME', 'tstack backs LVM with its own file of VOLUME_BACKING_FILE_SIZE'],
  ['VOLUME_BACKING_DEVICE', 'tstack backs LVM with its own file of VOLUME_BACKING_FILE_SIZE'],
  ['CINDER_TARGET_HELPER', 'tstack exports volumes through tgt (tgtadm)'],
  ['CINDER_ISCSI_HELPER', 'tstack exports volumes through tgt (tgtadm)'],
]);

/** What tstack does instead of the devstack variable, or undefined when devstack does not know it either. */
export function ignoredDevstackVariable(name: string): string | undefined {
  return IGNORED_DEVSTACK_VARIABLES.get(name);
}
