// The service short names of devstack (and its common plugins) that no tstack
// module runs, with the project each belongs to. ENABLED_SERVICES accepts
// them with a warning ("not implemented, ignored"), and typos get a "did you
// mean". A module that implements one of these names lists it in its
// shortNames and so takes it over (lib/config/catalog.ts).

import type { ServiceName, SettingsCatalog } from '../types/config.ts';

function names(project: string, rows: [string, string][]): ServiceName[] {
  return rows.map(([name, description]) => ({ name, project, implemented: false, description }));
}

export const DEVSTACK_SERVICE_NAMES: readonly ServiceName[] = [
  ...names('infra', [
    ['postgresql', 'PostgreSQL database'],
    ['etcd3', 'etcd coordination service'],
    ['tls-proxy', 'TLS termination in front of the APIs'],
    ['ldap', 'OpenLDAP identity backend'],
    ['dstat', 'dstat resource logger'],
    ['atop', 'atop resource logger'],
    ['tcpdump', 'packet capture'],
    ['memory_tracker', 'memory usage logger'],
    ['file_tracker', 'open files logger'],
    ['openstack-cli-server', 'long-running openstack CLI server'],
  ]),
  ...names('glance', [['g-reg', 'glance registry (removed upstream)']]),
  ...names('nova', [
    ['n-novnc', 'noVNC console proxy'],
    ['n-spice', 'SPICE console proxy'],
    ['n-sproxy', 'serial console proxy'],
    ['n-net', 'nova-network (removed upstream)'],
    ['n-cauth', 'console auth (removed upstream)'],
  ]),
  ...names('neutron', [
    ['q-metering', 'metering agent'],
    ['q-ovn-agent', 'OVN agent'],
    ['q-ovn-metadata-agent', 'OVN metadata agent (replaced by q-ovn-agent)'],
    ['neutron-ovn-metadata-agent', 'OVN metadata agent (new-style name; tstack runs it as q-ovn-metadata-agent)'],
    ['q-qos', 'QoS service plugin'],
    ['q-trunk', 'trunk service plugin'],
    ['q-segments', 'routed networks service plugin'],
    ['q-port-forwarding', 'floating IP port forwarding'],
    ['q-dns', 'DNS integration'],
    ['q-log', 'security group logging'],
    ['ovn-northd', 'OVN central daemon'],
    ['ovn-controller', 'OVN chassis controller'],
    ['neutron-api', 'neutron API (new-style name)'],
    ['neutron-agent', 'L2 agent (new-style name)'],
    ['neutron-dhcp', 'DHCP agent (new-style name)'],
    ['neutron-l3', 'L3 agent (new-style name)'],
    ['neutron-metadata-agent', 'metadata agent (new-style name)'],
  ]),
  ...names('cinder', [['c-bak', 'cinder-backup']]),
  // Names that plugins (enable_plugin) define; accepted so their local.conf files parse.
  ...names('heat', [['h-api-cw', 'heat CloudWatch API (removed upstream)']]),
  ...names('octavia', [
    ['octavia', 'octavia'],
    ['o-api', 'octavia API'],
    ['o-cw', 'octavia worker'],
    ['o-hk', 'octavia housekeeping'],
    ['o-hm', 'octavia health manager'],
    ['o-da', 'octavia driver agent'],
  ]),
  ...names('barbican', [
    ['barbican', 'barbican'],
    ['barbican-svc', 'barbican API'],
    ['barbican-keystone-listener', 'barbican keystone listener'],
  ]),
  ...names('designate', [
    ['designate', 'designate'],
    ['designate-central', 'designate central'],
    ['designate-api', 'designate API'],
    ['designate-worker', 'designate worker'],
    ['designate-producer', 'designate producer'],
    ['designate-mdns', 'designate mini-DNS'],
  ]),
  ...names('ironic', [
    ['ir-api', 'ironic API'],
    ['ir-cond', 'ironic conductor'],
    ['ir-neutronagt', 'ironic neutron agent'],
  ]),
  ...names('manila', [
    ['m-api', 'manila API'],
    ['m-sch', 'manila scheduler'],
    ['m-shr', 'manila share'],
    ['m-dat', 'manila data'],
  ]),
];

/** Levenshtein distance, for suggestions. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length];
}

/** The closest known name, if it is close enough to be a typo. */
export function suggestService(catalog: SettingsCatalog, name: string): string | undefined {
  let best: { name: string; d: number } | undefined;
  for (const s of catalog.serviceNames) {
    const d = editDistance(name.toLowerCase(), s.name);
    if (!best || d < best.d) best = { name: s.name, d };
  }
  if (!best) return undefined;
  const limit = Math.max(2, Math.floor(name.length / 3));
  return best.d <= limit ? best.name : undefined;
}

/** Enabled names tstack accepts but does not run (shown as warnings). */
export function unimplementedServices(catalog: SettingsCatalog, enabled: readonly string[]): ServiceName[] {
  return enabled.map((n) => catalog.serviceName(n)).filter((s): s is ServiceName => s !== undefined && !s.implemented);
}
