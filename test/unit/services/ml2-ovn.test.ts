// ML2/OVN's generated configuration, read back by neutron's own option
// definitions (oslo.config with neutron's [ovn] and [ml2] options registered),
// and its panes, chassis settings and database listeners.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ml2Conf, neutronConf } from '../../../lib/services/neutron.ts';
import { ml2OvnModule, ovnDbSyncConf } from '../../../lib/services/neutron/ml2-ovn.ts';
import {
  OVN_NB,
  OVN_NB_REPAIR_STEP,
  chassisExternalIds,
  mappedBridges,
  missingFromNorthbound,
  ovnDbServerArgv,
  ovnMetadataAgentConf,
  ovsdbListener,
} from '../../../lib/services/neutron/ovn-conf.ts';
import { getOption, renderIni, type IniDoc } from '../../../lib/util/ini.ts';
import { OVN_SERVICES, makePlan } from './fixture.ts';
import { neutronModule } from '../../../lib/services/neutron.ts';

const dir = mkdtempSync(join(tmpdir(), 'tstack-ovn-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Options as neutron reads them: oslo.config with neutron's ML2, OVN and OVSDB options registered (neutron
 * registers the last under `OVS`; oslo.config matches section names case-insensitively).
 */
function readByNeutron(doc: IniDoc, opts: string[]): Record<string, unknown> {
  const file = join(dir, 'conf.ini');
  writeFileSync(file, renderIni(doc));
  const py = `
import json, sys
from oslo_config import cfg
from neutron.conf.plugins.ml2 import config as ml2
from neutron.conf.plugins.ml2.drivers.ovn import ovn_conf
from neutron.conf.agent import ovsdb_api
from neutron.conf.plugins.ml2.drivers import driver_type
ml2.register_ml2_plugin_opts()
driver_type.register_ml2_drivers_geneve_opts()
ovn_conf.register_opts()
ovsdb_api.register_ovsdb_api_opts()
cfg.CONF(['--config-file', sys.argv[1]], project='neutron')
out = {}
for o in sys.argv[2:]:
    group, name = o.split('.')
    out[o] = getattr(getattr(cfg.CONF, 'OVS' if group == 'ovs' else group), name)
print(json.dumps(out))
`;
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', py, file, ...opts], { encoding: 'utf8' }));
}

describe('ML2/OVN configuration', () => {
  const plan = makePlan({ Q_AGENT: 'ovn' }, { services: OVN_SERVICES });

  it('ml2_conf.ini: the ovn driver on geneve, and the databases, as neutron reads them', () => {
    const got = readByNeutron(ml2Conf(plan), [
      'ml2.mechanism_drivers',
      'ml2.tenant_network_types',
      'ml2.type_drivers',
      'ml2_type_geneve.vni_ranges',
      'ml2_type_geneve.max_header_size',
      'ovn.ovn_nb_connection',
      'ovn.ovn_sb_connection',
      'ovn.ovn_metadata_enabled',
      'ovn.ovn_l3_scheduler',
      'ovn.neutron_sync_mode',
      'ovn.enable_distributed_floating_ip',
    ]);
    expect(got).toEqual({
      'ml2.mechanism_drivers': ['ovn'],
      'ml2.tenant_network_types': ['geneve'],
      // no type_drivers written (as devstack): neutron's default loads every type
      'ml2.type_drivers': ['local', 'flat', 'vlan', 'gre', 'vxlan', 'geneve'],
      'ml2_type_geneve.vni_ranges': ['1:1000'],
      'ml2_type_geneve.max_header_size': 38,
      'ovn.ovn_nb_connection': 'tcp:127.0.0.1:6641',
      'ovn.ovn_sb_connection': 'tcp:127.0.0.1:6642',
      'ovn.ovn_metadata_enabled': true,
      'ovn.ovn_l3_scheduler': 'leastloaded',
      'ovn.neutron_sync_mode': 'log',
      'ovn.enable_distributed_floating_ip': false,
    });
  });

  it("neutron.conf: OVN's L3 plugin, and devstack's worker counts", () => {
    const doc = neutronConf(plan);
    expect(getOption(doc, 'DEFAULT', 'service_plugins')).toEqual(['ovn-router']);
    expect(getOption(doc, 'DEFAULT', 'rpc_state_report_workers')).toEqual(['0']);
    const ovs = neutronConf(makePlan());
    expect(getOption(ovs, 'DEFAULT', 'service_plugins')).toEqual(['router']);
  });

  it('Q_ML2_PLUGIN_MECHANISM_DRIVERS without the backend is refused (devstack dies too)', () => {
    // the plan (and so --dry-run) fails already
    expect(() =>
      makePlan({ Q_AGENT: 'ovn', Q_ML2_PLUGIN_MECHANISM_DRIVERS: 'logger' }, { services: OVN_SERVICES }),
    ).toThrow('Q_ML2_PLUGIN_MECHANISM_DRIVERS=logger lacks ovn, the driver of Q_AGENT=ovn');
    const logger = makePlan(
      { Q_AGENT: 'ovn', Q_ML2_PLUGIN_MECHANISM_DRIVERS: 'ovn,logger' },
      { services: OVN_SERVICES },
    );
    expect(getOption(ml2Conf(logger), 'ml2', 'mechanism_drivers')).toEqual(['ovn,logger']);
  });

  it('the metadata agent reaches the southbound database, OVS and nova, as neutron reads it', () => {
    const doc = ovnMetadataAgentConf(plan, 'tcp:192.0.2.7:6640', '/var/lib/neutron');
    const got = readByNeutron(doc, ['ovn.ovn_sb_connection', 'ovs.ovsdb_connection']);
    expect(got).toEqual({
      'ovn.ovn_sb_connection': 'tcp:127.0.0.1:6642',
      'ovs.ovsdb_connection': 'tcp:192.0.2.7:6640',
    });
    expect(getOption(doc, 'DEFAULT', 'nova_metadata_port')).toEqual(['8775']);
  });

  it('the chassis: br-int on the userspace datapath, geneve, br-ex for public, a gateway', () => {
    expect(chassisExternalIds(plan, 'netdev')).toEqual({
      'ovn-remote': 'tcp:127.0.0.1:6642',
      'ovn-bridge': 'br-int',
      'ovn-bridge-datapath-type': 'netdev',
      'ovn-encap-type': 'geneve',
      'ovn-encap-ip': plan.get('HOST_IP'), // this node's address, the geneve endpoint
      'ovn-bridge-mappings': 'public:br-ex',
      'ovn-cms-options': 'enable-chassis-as-gw',
    });
    const notGw = makePlan({ Q_AGENT: 'ovn', ENABLE_CHASSIS_AS_GW: 'False' }, { services: OVN_SERVICES });
    expect(chassisExternalIds(notGw, 'netdev')['ovn-cms-options']).toBe('');
    expect(mappedBridges('public:br-ex, phys2:br-p2')).toEqual(['br-ex', 'br-p2']);
    expect(() => mappedBridges('br-ex')).toThrow("OVN_BRIDGE_MAPPINGS: 'br-ex' is not physnet:bridge");
  });

  it('the databases listen where the remotes point, loopback by default', () => {
    expect(ovsdbListener('tcp:127.0.0.1:6641', 'OVN_NB_REMOTE')).toBe('ptcp:6641:127.0.0.1');
    expect(ovsdbListener('unix:/run/nb.sock', 'OVN_NB_REMOTE')).toBeUndefined();
    expect(() => ovsdbListener('ssl:1.2.3.4:6641', 'OVN_NB_REMOTE')).toThrow(/expected tcp:HOST:PORT or unix:PATH/);
    expect(ovnDbServerArgv(plan, OVN_NB)).toEqual([
      '/usr/sbin/ovsdb-server',
      '/var/lib/ovn/ovnnb_db.db',
      '--remote=punix:/var/run/ovn/ovnnb_db.sock',
      '--remote=ptcp:6641:127.0.0.1',
      '--pidfile=/var/run/ovn/ovnnb_db.pid',
      '--unixctl=/var/run/ovn/ovnnb_db.ctl',
      '-vconsole:info',
      '-vsyslog:off',
    ]);
  });

  it('panes: the two databases and ovn-northd only where ovn-northd is enabled', () => {
    expect(ml2OvnModule.processes(plan).map((p) => p.name)).toEqual([
      'ovn-ovsdb-nb',
      'ovn-ovsdb-sb',
      'ovn-northd',
      'ovn-controller',
      'q-ovn-metadata-agent',
    ]);
    const compute = makePlan(
      { Q_AGENT: 'ovn' },
      { services: 'n-cpu,placement-client,ovn-controller,q-ovn-metadata-agent,ovsdb-server,ovs-vswitchd' },
    );
    expect(ml2OvnModule.processes(compute).map((p) => p.name)).toEqual(['ovn-controller', 'q-ovn-metadata-agent']);
  });

  it("rebuilds the northbound database only when neutron's networks or routers are missing from it", () => {
    const net = '5e2a2fe5-25ea-4833-b2ac-347eb9124b43';
    const router = 'a01887b4-9f0f-4bf7-aa5c-032df889d029';
    // a stack that ran ML2/OVS: neutron's rows, an empty northbound database
    expect(missingFromNorthbound([net, router], [''])).toEqual([net, router]);
    expect(missingFromNorthbound([net, router], [`neutron-${net}`, `neutron-${router}`])).toEqual([]);
    // a fresh stack: nothing in neutron's database yet
    expect(missingFromNorthbound([], [])).toEqual([]);
  });

  it("the repair's extra config gives neutron-ovn-db-sync-util the qos extension driver its qos plugin needs", () => {
    expect(readByNeutron(ovnDbSyncConf(plan), ['ml2.extension_drivers'])).toEqual({
      'ml2.extension_drivers': ['port_security', 'qos'],
    });
  });

  it('neutron-server waits for the repair, which waits for the db sync and the OVN databases; not with ML2/OVS', () => {
    const repair = ml2OvnModule.steps!(plan).start!.find((s) => s.id === OVN_NB_REPAIR_STEP)!;
    expect(repair.after).toEqual(
      expect.arrayContaining(['neutron:db-sync', 'start:ovn-ovsdb-nb', 'start:ovn-ovsdb-sb', 'start:ovn-northd']),
    );
    const qSvc = (p: typeof plan) => neutronModule.processes(p).find((x) => x.name === 'q-svc')!;
    expect(qSvc(plan).after).toContain(OVN_NB_REPAIR_STEP);
    const ovs = makePlan(
      { Q_AGENT: 'openvswitch' },
      { services: 'key,mysql,rabbit,q-svc,q-agt,q-dhcp,q-l3,q-meta,ovsdb-server,ovs-vswitchd' },
    );
    expect(qSvc(ovs).after).not.toContain(OVN_NB_REPAIR_STEP);
  });
});
