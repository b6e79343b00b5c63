// ML2/OVN, devstack's default neutron backend: the northbound and southbound
// ovsdb-servers with ovn-northd between them (the `ovn-northd` service),
// ovn-controller programming br-int from the southbound database, and
// neutron's OVN metadata agent (haproxy per network in an ovnmeta-
// namespace). OVN gives DHCP, routing and NAT itself: no dnsmasq, no router
// namespaces. This host is the only chassis and the gateway; br-int is on the
// userspace datapath like every bridge here (ovn-bridge-datapath-type=netdev).
//
// os-vif plugs guests' ports with `add-br br-int ... datapath_type=system` when
// the port binding names no datapath (ML2/OVN in Zed names none); ovn-controller
// sets br-int back to ovn-bridge-datapath-type on its next iteration.

import { existsSync } from 'node:fs';
import type { ProcessSpec } from '../../types/process.ts';
import type { Plan, ServiceModule, StackContext, Step } from '../../types/stack.ts';
import { codeFrom as paneCodeFrom } from '../../source/index.ts';
import { binPath } from '../../source/paths.ts';
import { queryColumn } from '../../system/mysql.ts';
import { getOption, iniDoc, type IniDoc } from '../../util/ini.ts';
import { afterPanes, localHost, unixSocketProbe, writeConf } from '../common.ts';
import { OVS_DB_SOCK } from '../ovs.ts';
import {
  NEUTRON_STATE,
  PUBLIC_BRIDGE_STEP,
  bridgesStep,
  deleteNamespaces,
  effectiveMl2Conf,
  neutronFiles,
  ovsDatapath,
  ovsdbTcp,
  publicBridge,
  stopNamespaceProcesses,
  writeServerConfs,
} from '../neutron.ts';
import {
  OVN_DB_DIR,
  OVN_NB,
  OVN_NB_REPAIR_STEP,
  OVN_RUN_DIR,
  OVN_SB,
  OVN_SETTINGS,
  type OvnDb,
  chassisExternalIds,
  mappedBridges,
  missingFromNorthbound,
  ovnDbServerArgv,
  ovnMetadataAgentConf,
} from './ovn-conf.ts';

export const OVN_NB_PANE = 'ovn-ovsdb-nb';
export const OVN_SB_PANE = 'ovn-ovsdb-sb';
const CHASSIS_STEP = 'ml2-ovn:chassis';

const metaConf = (plan: Plan): string => plan.get('OVN_META_CONF');

/** Create a database file, or convert it when the installed schema is newer. */
async function ensureDb(ctx: StackContext, db: OvnDb): Promise<void> {
  if (!existsSync(db.file)) {
    await ctx.sh.run(['ovsdb-tool', 'create', db.file, db.schema]);
    return;
  }
  const r = await ctx.sh.run(['ovsdb-tool', 'needs-conversion', db.file, db.schema]);
  if (r.stdout.trim() === 'yes') await ctx.sh.run(['ovsdb-tool', 'convert', db.file, db.schema]);
}

const vsctl = (...args: string[]) => ['ovs-vsctl', `--db=unix:${OVS_DB_SOCK}`, ...args];

/** PUBLIC_BRIDGE and the bridges of OVN_BRIDGE_MAPPINGS, which ovn-controller patches br-int to. */
const ovnBridges = (plan: Plan): string[] => [
  ...new Set([publicBridge(plan), ...mappedBridges(plan.get('OVN_BRIDGE_MAPPINGS'))]),
];

/** This host as a chassis (external-ids), and the manager os-vif and the metadata agent reach. */
function chassisStep(plan: Plan): Step {
  return {
    id: CHASSIS_STEP,
    title: 'this host as an OVN chassis (gateway, br-int on the userspace datapath)',
    after: [...afterPanes(plan, 'ovsdb-server'), PUBLIC_BRIDGE_STEP],
    async run(ctx) {
      const p = ctx.plan;
      const datapath = ovsDatapath(p);
      const ids = chassisExternalIds(p, datapath);
      const set = Object.entries(ids)
        .filter(([, v]) => v !== '')
        .map(([k, v]) => `external-ids:${k}=${v}`);
      await ctx.sh.run(vsctl('set', 'Open_vSwitch', '.', ...set));
      for (const [k] of Object.entries(ids).filter(([, v]) => v === ''))
        await ctx.sh.run(vsctl('remove', 'Open_vSwitch', '.', 'external-ids', k));
      // nova's os-vif and the metadata agent talk to Open vSwitch over TCP (ML2/OVS's agent opens this itself)
      await ctx.sh.run(vsctl('set-manager', `ptcp:6640:${localHost(p)}`));
    },
  };
}

/** The repair's extra config file, there only while it runs. */
const DB_SYNC_CONF = `${NEUTRON_STATE}/ovn-db-sync.ini`;

/**
 * neutron-ovn-db-sync-util loads the qos service plugin whatever neutron.conf names, and that plugin refuses to
 * start without ML2's qos extension driver: ml2_conf.ini's extension drivers (local.conf's included) and qos.
 */
export function ovnDbSyncConf(plan: Plan): IniDoc {
  const drivers = (getOption(effectiveMl2Conf(plan), 'ml2', 'extension_drivers')?.at(-1) ?? '')
    .split(',')
    .map((d) => d.trim())
    .filter(Boolean);
  return iniDoc({ ml2: { extension_drivers: [...new Set([...drivers, 'qos'])].join(',') } });
}

/**
 * A stack that ran ML2/OVS and is brought up again with OVN (`./unstack.ts -a`, not --clean, keeps neutron's
 * database) has networks and routers that OVN's fresh northbound database lacks: neutron-server at start only logs
 * that (OVN_NEUTRON_SYNC_MODE=log), and every port on them fails (`RowNotFound: Cannot find Logical_Switch`).
 * Neutron's own tool rebuilds them before the server starts. Checking costs two queries; a stack that was OVN all
 * along, or has no network yet, skips the tool.
 */
function northboundRepairStep(plan: Plan): Step {
  return {
    id: OVN_NB_REPAIR_STEP,
    title: "OVN's northbound database against neutron's (rebuilt when networks or routers are missing)",
    after: ['neutron:db-sync', `start:${OVN_NB_PANE}`, `start:${OVN_SB_PANE}`, ...afterPanes(plan, 'ovn-northd')],
    async run(ctx) {
      const nbctl = (table: string) =>
        ctx.sh.run(['ovn-nbctl', `--db=unix:${OVN_NB.sock}`, '--bare', '--columns=name', 'list', table]);
      const [ids, switches, routers] = await Promise.all([
        queryColumn(ctx.sh, 'SELECT id FROM neutron.networks UNION ALL SELECT id FROM neutron.routers;'),
        nbctl('Logical_Switch'),
        nbctl('Logical_Router'),
      ]);
      const names = `${switches.stdout}\n${routers.stdout}`.split('\n').map((l) => l.trim());
      const missing = missingFromNorthbound(ids, names);
      if (missing.length === 0) return;
      const p = ctx.plan;
      const f = neutronFiles(p);
      const t0 = Date.now();
      await writeConf(ctx, DB_SYNC_CONF, ovnDbSyncConf(p), 'neutron');
      try {
        const confs = [f.neutron, f.ml2, DB_SYNC_CONF].flatMap((c) => ['--config-file', c]);
        const argv = [binPath(p, 'neutron-ovn-db-sync-util'), ...confs, '--ovn-neutron_sync_mode', 'repair'];
        await ctx.sh.run(argv, { user: 'neutron', cwd: '/' });
      } finally {
        await ctx.sh.run(['rm', '-f', DB_SYNC_CONF]);
      }
      ctx.log.info(
        `OVN northbound database: ${missing.length} of neutron's ${ids.length} networks and routers were missing ` +
          '(ML2/OVS ran on these databases?); rebuilt by neutron-ovn-db-sync-util in ' +
          `${((Date.now() - t0) / 1000).toFixed(1)} s`,
      );
    },
  };
}

function ovnSteps(plan: Plan): Partial<Record<'configure' | 'start', Step[]>> {
  return {
    configure: [
      {
        id: 'ml2-ovn:configure',
        title: 'OVN databases and the OVN metadata agent',
        async run(ctx) {
          const p = ctx.plan;
          await ctx.sh.run(['install', '-d', '-m', '0755', OVN_RUN_DIR, OVN_DB_DIR, '/var/log/ovn']);
          if (p.isEnabled('ovn-northd')) for (const db of [OVN_NB, OVN_SB]) await ensureDb(ctx, db);
          if (p.isEnabled('q-ovn-metadata-agent')) {
            // a compute-only node has no q-svc to write neutron.conf, which the agent reads first
            if (!p.isEnabled('q-svc')) await writeServerConfs(ctx);
            await writeConf(ctx, metaConf(p), ovnMetadataAgentConf(p, ovsdbTcp(p), NEUTRON_STATE), 'neutron');
          }
        },
      },
    ],
    start: [
      ...(plan.isEnabled('ovn-controller') ? [bridgesStep(plan, ovnBridges), chassisStep(plan)] : []),
      ...(plan.isEnabled('ovn-northd') && plan.isEnabled('q-svc') ? [northboundRepairStep(plan)] : []),
    ],
  };
}

/** `ovn-appctl -t TARGET COMMAND` prints EXPECTED (exit status alone says only that the daemon answers). */
function appctlProbe(target: string, command: string, expected: string): ProcessSpec['probe'] {
  return {
    kind: 'command',
    argv: ['/bin/sh', '-c', `/usr/bin/ovn-appctl -t ${target} ${command} | grep -qx '${expected}'`],
  };
}

function ovnProcesses(plan: Plan): ProcessSpec[] {
  const dbPane = (name: string, db: OvnDb): ProcessSpec => ({
    name,
    project: 'neutron',
    argv: ovnDbServerArgv(plan, db),
    probe: { kind: 'command', argv: ['/usr/bin/ovsdb-client', 'list-dbs', `unix:${db.sock}`] },
    codeFrom: 'package',
  });
  const northd: ProcessSpec[] = plan.isEnabled('ovn-northd')
    ? [
        dbPane(OVN_NB_PANE, OVN_NB),
        dbPane(OVN_SB_PANE, OVN_SB),
        {
          name: 'ovn-northd',
          project: 'neutron',
          argv: [
            '/usr/bin/ovn-northd',
            `--ovnnb-db=unix:${OVN_NB.sock}`,
            `--ovnsb-db=unix:${OVN_SB.sock}`,
            `--pidfile=${OVN_RUN_DIR}/ovn-northd.pid`,
            '-vconsole:info',
            '-vsyslog:off',
          ],
          probe: appctlProbe('ovn-northd', 'status', 'Status: active'),
          after: [OVN_NB_PANE, OVN_SB_PANE],
          codeFrom: 'package',
        },
      ]
    : [];
  const chassis: ProcessSpec[] = [
    {
      name: 'ovn-controller',
      project: 'neutron',
      argv: [
        '/usr/bin/ovn-controller',
        `unix:${OVS_DB_SOCK}`,
        `--pidfile=${OVN_RUN_DIR}/ovn-controller.pid`,
        '-vconsole:info',
        '-vsyslog:off',
      ],
      // connected to the southbound database: br-int exists and the chassis is registered
      probe: appctlProbe('ovn-controller', 'connection-status', 'connected'),
      // after northd too, where it runs here: OVN 23.03's controller dies of SIGSEGV on a southbound database
      // that northd has not filled yet (no SB_Global row), seen when it happened to start first
      after: ['ovs-vswitchd', CHASSIS_STEP, OVN_SB_PANE, 'ovn-northd'],
      codeFrom: 'package',
    },
    {
      name: 'q-ovn-metadata-agent',
      project: 'neutron',
      argv: [
        binPath(plan, 'neutron-ovn-metadata-agent'),
        '--config-file',
        neutronFiles(plan).neutron,
        '--config-file',
        metaConf(plan),
      ],
      user: 'neutron',
      cwd: NEUTRON_STATE,
      // it serves the haproxies on a unix socket; a connect proves it listens (a stale file refuses)
      probe: unixSocketProbe(`${NEUTRON_STATE}/metadata_proxy`),
      after: ['ovn-controller', 'q-svc'],
      codeFrom: paneCodeFrom(plan),
    },
  ];
  return [...northd, ...chassis.filter((p) => plan.isEnabled(p.name))];
}

export const ml2OvnModule: ServiceModule = {
  name: 'ml2-ovn',
  project: 'neutron',
  shortNames: ['ovn-northd', 'ovn-controller', 'q-ovn-metadata-agent'],
  paneNames: [OVN_NB_PANE, OVN_SB_PANE],
  settings: OVN_SETTINGS,
  configFiles: (plan) => [neutronFiles(plan).neutron, neutronFiles(plan).ml2, metaConf(plan)],
  steps: ovnSteps,
  processes: ovnProcesses,
  stop: stopNamespaceProcesses,
  async clean(ctx) {
    await deleteNamespaces(ctx);
    // the logical network lives in these two files; neutron's database is dropped by its own module
    const files = [OVN_NB, OVN_SB].flatMap((db) => [db.file, db.file.replace(/([^/]+)$/, '.$1.~lock~')]);
    await ctx.sh.run(['rm', '-f', ...files]);
    await ctx.sh.run(['find', OVN_RUN_DIR, '-mindepth', '1', '-delete'], { allowFailure: true });
  },
};
