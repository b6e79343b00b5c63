// Open vSwitch in userspace: ovsdb-server and ovs-vswitchd as panes (root:
// vswitchd opens tap devices and raw sockets). This kernel has no openvswitch
// module, so every bridge uses datapath_type=netdev; the init script is never
// used (it would try to load the module).
//
// ovs-tap-guard: on the userspace datapath vswitchd opens a guest's tap as
// soon as libvirt creates it and then makes it promiscuous by writing back
// the interface flags it cached at open. When libvirt set the tap up in
// between, that write clears IFF_UP again, and the guest is cut off for its
// whole life (no DHCP lease, no floating IP; tempest's test_network_basic_ops
// failed so). The kernel datapath sets promiscuity inside the kernel and has
// no such race. Each plug also makes vswitchd re-create br-int (os-vif sets
// datapath_type=system, which ML2/OVN in Zed does not tell it otherwise, and
// ovn-controller sets it back), which reopens every tap and widens the window.
// The guard brings back up any tap that OVS has made promiscuous but left down.

import { existsSync } from 'node:fs';
import type { ServiceModule } from '../types/stack.ts';
import { afterPanes, enabledPanes } from './common.ts';

export const OVS_RUN_DIR = '/var/run/openvswitch';
export const OVS_DB = '/etc/openvswitch/conf.db';
export const OVS_DB_SOCK = `${OVS_RUN_DIR}/db.sock`;
const SCHEMA = '/usr/share/openvswitch/vswitch.ovsschema';

/** The transaction that lists the interfaces and their types, read offline from the database file. */
export const INTERFACES_QUERY = JSON.stringify([
  'Open_vSwitch',
  { op: 'select', table: 'Interface', where: [], columns: ['name', 'type'] },
]);

/**
 * Host links that vswitchd leaves behind on the netdev datapath: its tap
 * devices are persistent (they outlive the process, so a restart keeps them),
 * one per internal interface (each bridge's own port among them) plus the
 * datapath's `ovs-netdev`. Input: `ovsdb-tool query` output.
 */
export function leftoverTaps(queryOutput: string): string[] {
  const names = new Set<string>(['ovs-netdev']);
  try {
    const [result] = JSON.parse(queryOutput) as [{ rows?: { name: string; type: string }[] }];
    for (const r of result?.rows ?? []) if (r.type === 'internal') names.add(r.name);
  } catch {
    // an unreadable database: only the datapath's own device is known
  }
  return [...names];
}

/** The pane that keeps the userspace datapath's taps up (see the head of this file). */
export const TAP_GUARD_PANE = 'ovs-tap-guard';

/**
 * Reads `ip -o monitor link` lines on stdin; a tap (nova's and neutron's
 * names start so) that is PROMISC but not UP is one vswitchd has taken down:
 * it is set up again. Creation (not yet promiscuous) and deletion are left to
 * their owners.
 */
export const TAP_GUARD_LOOP = [
  'set -f',
  'while read -r line; do',
  '  case "$line" in Deleted*) continue ;; esac',
  '  set -- $line',
  '  name=${2%:}; name=${name%%@*}; flags=",${3#<}"; flags="${flags%>},"',
  '  case "$name" in tap*) ;; *) continue ;; esac',
  '  case "$flags" in *,UP,*) continue ;; *,PROMISC,*) ;; *) continue ;; esac',
  '  echo "$name is promiscuous but down (${3}): setting it up"',
  '  ip link set dev "$name" up || true',
  'done',
].join('\n');

export const ovsModule: ServiceModule = {
  name: 'ovs',
  project: 'neutron',
  shortNames: ['ovsdb-server', 'ovs-vswitchd'],
  paneNames: [TAP_GUARD_PANE],
  steps: (plan) => ({
    configure: [
      {
        id: 'ovs:db',
        title: 'Open vSwitch database',
        async run(ctx) {
          await ctx.sh.run([
            'install',
            '-d',
            '-m',
            '0755',
            OVS_RUN_DIR,
            '/var/log/openvswitch',
            '/var/lib/openvswitch',
          ]);
          // Debian points /etc/openvswitch/conf.db at /var/lib/openvswitch/conf.db but only its init script creates it
          if (!existsSync(OVS_DB)) await ctx.sh.run(['ovsdb-tool', 'create', OVS_DB, SCHEMA]);
          else {
            const r = await ctx.sh.run(['ovsdb-tool', 'needs-conversion', OVS_DB, SCHEMA]);
            if (r.stdout.trim() === 'yes') await ctx.sh.run(['ovsdb-tool', 'convert', OVS_DB, SCHEMA]);
          }
        },
      },
    ],
    start: plan.isEnabled('ovsdb-server')
      ? [
          {
            id: 'ovs:init',
            title: 'initialise the Open vSwitch table',
            after: afterPanes(plan, 'ovsdb-server'),
            async run(ctx) {
              const host = (await ctx.sh.run(['hostname'])).stdout.trim();
              await ctx.sh.run(['ovs-vsctl', '--no-wait', 'init']);
              await ctx.sh.run([
                'ovs-vsctl',
                '--no-wait',
                'set',
                'Open_vSwitch',
                '.',
                `external-ids:system-id=${host}`,
                `external-ids:hostname=${host}`,
              ]);
              // Guests' virtio NICs leave TCP/UDP checksums to the host (the tap's vnet header says "needs csum").
              // The userspace datapath reads their taps as plain packets unless it speaks vnet headers, which
              // this enables; without it, its conntrack (security groups, NAT) sees bad checksums and drops
              // every reply a guest sends (SSH's SYN-ACK first). Read by ovs-vswitchd at start only.
              await ctx.sh.run([
                'ovs-vsctl',
                '--no-wait',
                'set',
                'Open_vSwitch',
                '.',
                'other_config:userspace-tso-enable=true',
              ]);
            },
          },
        ]
      : [],
  }),
  async clean(ctx) {
    // the taps of the bridges outlive vswitchd; only tun devices are removed, never a link that merely shares a name
    const query = existsSync(OVS_DB)
      ? (await ctx.sh.run(['ovsdb-tool', 'query', OVS_DB, INTERFACES_QUERY], { allowFailure: true })).stdout
      : '';
    for (const name of leftoverTaps(query)) {
      if (!existsSync(`/sys/class/net/${name}/tun_flags`)) continue;
      await ctx.sh.run(['ip', 'tuntap', 'del', 'dev', name, 'mode', 'tap'], { allowFailure: true });
    }
    // every bridge and port lives in this database; configure creates it again
    await ctx.sh.run(['rm', '-f', OVS_DB, `${OVS_RUN_DIR}/ovsdb-server.pid`, `${OVS_RUN_DIR}/ovs-vswitchd.pid`]);
  },
  processes: (plan) => [
    ...enabledPanes(plan, [
      {
        name: 'ovsdb-server',
        project: 'neutron',
        argv: [
          '/usr/sbin/ovsdb-server',
          OVS_DB,
          `--remote=punix:${OVS_DB_SOCK}`,
          '--remote=db:Open_vSwitch,Open_vSwitch,manager_options',
          `--pidfile=${OVS_RUN_DIR}/ovsdb-server.pid`,
          '-vconsole:info',
          '-vsyslog:off',
        ],
        probe: { kind: 'command', argv: ['/usr/bin/ovsdb-client', 'list-dbs', `unix:${OVS_DB_SOCK}`] },
        codeFrom: 'package',
      },
      {
        name: 'ovs-vswitchd',
        project: 'neutron',
        argv: [
          '/usr/sbin/ovs-vswitchd',
          `unix:${OVS_DB_SOCK}`,
          `--pidfile=${OVS_RUN_DIR}/ovs-vswitchd.pid`,
          '-vconsole:info',
          '-vsyslog:off',
        ],
        // answers on its control socket (found through the pidfile) once running
        probe: { kind: 'command', argv: ['/usr/bin/ovs-appctl', '-t', 'ovs-vswitchd', 'version'] },
        after: ['ovsdb-server', 'ovs:init'],
        codeFrom: 'package',
      },
    ]),
    ...(plan.isEnabled('ovs-vswitchd') && plan.get('OVS_DATAPATH_TYPE') === 'netdev'
      ? [
          {
            name: TAP_GUARD_PANE,
            project: 'neutron',
            argv: ['/bin/sh', '-c', `ip -o monitor link | { ${TAP_GUARD_LOOP}\n}`],
            env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
            after: ['ovs-vswitchd'],
            codeFrom: 'package' as const,
          },
        ]
      : []),
  ],
};
