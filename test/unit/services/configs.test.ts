import { describe, expect, it } from 'vitest';
import { getOption, renderIni, parseIni, type IniDoc } from '../../../lib/util/ini.ts';
import { keystoneConf, bootstrapArgv, bootstrapEnv } from '../../../lib/services/keystone.ts';
import { glanceApiConf, glanceModule } from '../../../lib/services/glance.ts';
import { placementConf } from '../../../lib/services/placement.ts';
import {
  novaConf,
  novaCpuConf,
  novaModule,
  cellMappingsSql,
  novaApiUwsgi,
  novaMetadataUwsgi,
} from '../../../lib/services/nova.ts';
import { withoutRecommends } from '../../../lib/plan/plan.ts';
import { neutronNamespaces, neutronConf, ml2Conf, neutronFiles } from '../../../lib/services/neutron.ts';
import { ovsAgentConf, dhcpAgentConf, l3AgentConf, metadataAgentConf } from '../../../lib/services/neutron/ml2-ovs.ts';
import { uwsgiIni, osloEscape } from '../../../lib/services/common.ts';
import { mariadbCnf } from '../../../lib/services/mysql.ts';
import { rabbitmqEnvConf } from '../../../lib/services/rabbit.ts';
import { makePlan, PASSWORDS } from './fixture.ts';

const one = (doc: IniDoc, s: string, k: string): string | undefined => getOption(doc, s, k)?.[0];

describe('no sqlite, no log files', () => {
  const plan = makePlan();
  const docs: Record<string, IniDoc> = {
    keystone: keystoneConf(plan),
    glance: glanceApiConf(plan),
    placement: placementConf(plan),
    nova: novaConf(plan),
    novaCpu: novaCpuConf(plan),
    neutron: neutronConf(plan),
  };
  for (const [name, doc] of Object.entries(docs)) {
    it(`${name}: no sqlite, no log_file/log_dir (logs go to the pane)`, () => {
      expect(renderIni(doc)).not.toMatch(/sqlite/);
      expect(getOption(doc, 'DEFAULT', 'log_file')).toBeUndefined();
      expect(getOption(doc, 'DEFAULT', 'log_dir')).toBeUndefined();
    });
  }
});

describe('reachable on HOST_IP (192.0.2.2 in the fixture), infrastructure on loopback', () => {
  const plan = makePlan();
  it('the APIs bind SERVICE_LISTEN_ADDRESS (0.0.0.0) and name SERVICE_HOST = HOST_IP to each other', () => {
    expect(one(glanceApiConf(plan), 'DEFAULT', 'bind_host')).toBe('0.0.0.0');
    expect(one(neutronConf(plan), 'DEFAULT', 'bind_host')).toBe('0.0.0.0');
    expect(one(novaConf(plan), 'DEFAULT', 'osapi_compute_listen')).toBe('0.0.0.0');
    expect(one(novaConf(plan), 'DEFAULT', 'metadata_listen')).toBe('0.0.0.0');
    expect(one(novaConf(plan), 'keystone_authtoken', 'www_authenticate_uri')).toBe('http://192.0.2.2:5000');
    expect(one(metadataAgentConf(plan), 'DEFAULT', 'nova_metadata_host')).toBe('192.0.2.2');
    expect(one(novaConf(plan), 'DEFAULT', 'my_ip')).toBe('192.0.2.2');
    expect(one(ovsAgentConf(plan), 'ovs', 'local_ip')).toBe('192.0.2.2');
  });
  it('MariaDB, RabbitMQ, memcached and OVSDB stay on SERVICE_LOCAL_HOST', () => {
    expect(renderIni(mariadbCnf(plan))).toContain('bind-address = 127.0.0.1\n');
    expect(rabbitmqEnvConf(plan)).toContain('NODE_IP_ADDRESS=127.0.0.1\n');
    expect(new URL(one(novaConf(plan), 'DEFAULT', 'transport_url')!).hostname).toBe('127.0.0.1');
    expect(one(keystoneConf(plan), 'cache', 'memcache_servers')).toBe('127.0.0.1:11211');
    expect(one(ovsAgentConf(plan), 'ovs', 'ovsdb_connection')).toBe('tcp:127.0.0.1:6640');
    expect(
      one(novaCpuConf(makePlan({ VIRT_DRIVER: 'libvirt', LIBVIRT_TYPE: 'qemu' })), 'os_vif_ovs', 'ovsdb_connection'),
    ).toBe('tcp:127.0.0.1:6640');
  });
  it('DATABASE_HOST and RABBIT_HOST move MariaDB and RabbitMQ onto HOST_IP when set (a remote compute node)', () => {
    const open = makePlan({ DATABASE_HOST: '192.0.2.2', RABBIT_HOST: '192.0.2.2' });
    expect(renderIni(mariadbCnf(open))).toContain('bind-address = 192.0.2.2\n');
    expect(rabbitmqEnvConf(open)).toContain('NODE_IP_ADDRESS=192.0.2.2\n');
    expect(one(novaConf(open), 'database', 'connection')).toMatch(/^mysql\+pymysql:\/\/nova@192\.0\.2\.2\/nova\?/);
  });
  it('an IPv6 SERVICE_HOST binds :: and is bracketed in the uwsgi socket and the URLs', () => {
    const v6 = makePlan({ SERVICE_HOST: '2001:db8::2' });
    const ini = uwsgiIni(v6, { wsgiFile: 'x', port: 5000, chdir: '/', name: 'k' });
    expect(one(ini, 'uwsgi', 'http-socket')).toBe('[::]:5000');
    expect(one(novaConf(v6), 'keystone_authtoken', 'auth_url')).toBe('http://[2001:db8::2]:5000');
  });
});

describe('connection URLs', () => {
  const plan = makePlan();
  it('use the service user and name its option file instead of holding the database password', () => {
    const cnf = (s: string) => `read_default_file=/etc/${s}/tstack-db.cnf`;
    expect(one(novaConf(plan), 'database', 'connection')).toBe(
      `mysql+pymysql://nova@127.0.0.1/nova?charset=utf8&${cnf('nova')}`,
    );
    expect(one(novaConf(plan), 'api_database', 'connection')).toBe(
      `mysql+pymysql://nova@127.0.0.1/nova_api?charset=utf8&${cnf('nova')}`,
    );
    expect(one(keystoneConf(plan), 'database', 'connection')).toBe(
      `mysql+pymysql://keystone@127.0.0.1/keystone?charset=utf8&${cnf('keystone')}`,
    );
    expect(one(placementConf(plan), 'placement_database', 'connection')).toMatch(
      /\/placement\?charset=utf8&read_default_file=\/etc\/placement\/tstack-db\.cnf$/,
    );
  });

  it('encode the rabbit password in transport_url', () => {
    const url = one(novaConf(plan), 'DEFAULT', 'transport_url')!;
    const u = new URL(url);
    expect(u.protocol).toBe('rabbit:');
    expect(u.username).toBe('stackrabbit');
    expect(decodeURIComponent(u.password)).toBe(PASSWORDS.RABBIT_PASSWORD);
    expect(u.host).toBe('127.0.0.1:5672');
  });

  it('double a literal $ so oslo.config does not expand it, and quote passwords', () => {
    expect(osloEscape('a$b')).toBe('a$$b');
    expect(one(glanceApiConf(plan), 'keystone_authtoken', 'password')).toBe('"svc$$pass"');
  });
});

describe('keystone', () => {
  const plan = makePlan();
  it('uses fernet tokens and memcached', () => {
    const d = keystoneConf(plan);
    expect(one(d, 'token', 'provider')).toBe('fernet');
    expect(one(d, 'cache', 'memcache_servers')).toBe('127.0.0.1:11211');
  });
  it('bootstraps admin in RegionOne with the identity endpoint on SERVICE_HOST', () => {
    const argv = bootstrapArgv(plan);
    expect(argv[0]).toBe('/usr/bin/keystone-manage');
    const at = (flag: string) => argv[argv.indexOf(flag) + 1];
    expect(argv).not.toContain('--bootstrap-password');
    expect(bootstrapEnv(plan)).toEqual({ OS_BOOTSTRAP_PASSWORD: PASSWORDS.ADMIN_PASSWORD });
    expect(at('--bootstrap-region-id')).toBe('RegionOne');
    expect(at('--bootstrap-public-url')).toBe('http://192.0.2.2:5000/v3');
    expect(at('--bootstrap-internal-url')).toBe('http://192.0.2.2:5000/v3');
  });
  it('uses the venv script with the source method', () => {
    expect(bootstrapArgv(makePlan({}, { method: 'source' }))[0]).toBe('/opt/stack/data/venv/bin/keystone-manage');
  });
});

describe('uwsgi', () => {
  it('closes connections, runs API_WORKERS processes, adds the venv only for source', () => {
    const ini = uwsgiIni(makePlan({ API_WORKERS: '1' }), {
      wsgiFile: '/usr/bin/keystone-wsgi-public',
      port: 5000,
      chdir: '/var/lib/keystone',
      name: 'keystone',
    });
    expect(one(ini, 'uwsgi', 'add-header')).toBe('Connection: close');
    expect(one(ini, 'uwsgi', 'http-socket')).toBe('0.0.0.0:5000');
    expect(one(ini, 'uwsgi', 'processes')).toBe('1');
    expect(one(ini, 'uwsgi', 'plugins')).toBe('python3');
    expect(one(ini, 'uwsgi', 'virtualenv')).toBeUndefined();
    const src = uwsgiIni(makePlan({}, { method: 'source' }), { wsgiFile: 'x', port: 5000, chdir: '/', name: 'k' });
    expect(one(src, 'uwsgi', 'virtualenv')).toBe('/opt/stack/data/venv');
  });
});

describe('nova', () => {
  it("runs its eventlet APIs with one uwsgi thread per process (an RPC reply reaches only its poller's thread)", () => {
    const plan = makePlan({ API_WORKERS: '2' });
    for (const ini of [novaApiUwsgi(plan), novaMetadataUwsgi(plan)]) {
      expect(one(ini, 'uwsgi', 'threads')).toBe('1');
      expect(one(ini, 'uwsgi', 'processes')).toBe('2');
    }
    expect(one(novaApiUwsgi(plan), 'uwsgi', 'wsgi-file')).toBe('/usr/bin/nova-api-wsgi');
    expect(one(novaMetadataUwsgi(plan), 'uwsgi', 'http-socket')).toBe('0.0.0.0:8775');
  });

  it('fake driver: FakeDriver in the compute config, which carries no DB credentials', () => {
    const plan = makePlan({ VIRT_DRIVER: 'fake' });
    const cpu = novaCpuConf(plan);
    expect(one(cpu, 'DEFAULT', 'compute_driver')).toBe('fake.FakeDriver');
    expect(getOption(cpu, 'database', 'connection')).toBeUndefined();
    expect(getOption(cpu, 'api_database', 'connection')).toBeUndefined();
    expect(one(cpu, 'DEFAULT', 'my_ip')).toBe('192.0.2.2');
    expect(getOption(cpu, 'libvirt', 'virt_type')).toBeUndefined();
  });

  it('libvirt under TCG: virt_type qemu with cpu_mode none; os-vif reaches ovsdb over TCP', () => {
    const plan = makePlan({ VIRT_DRIVER: 'libvirt', LIBVIRT_TYPE: 'qemu' });
    const cpu = novaCpuConf(plan);
    expect(one(cpu, 'DEFAULT', 'compute_driver')).toBe('libvirt.LibvirtDriver');
    expect(one(cpu, 'libvirt', 'virt_type')).toBe('qemu');
    expect(one(cpu, 'libvirt', 'cpu_mode')).toBe('none');
    expect(getOption(cpu, 'libvirt', 'cpu_models')).toBeUndefined();
    // nova-compute (user nova) opens the ovsdb connection itself; the unix socket is root's
    expect(one(cpu, 'os_vif_ovs', 'ovsdb_connection')).toBe('tcp:127.0.0.1:6640');
    expect(one(cpu, 'DEFAULT', 'my_ip')).toBe('192.0.2.2');
  });

  it("libvirt under KVM: devstack's custom Nehalem CPU; the probe's decision wins over the setting", () => {
    const kvm = novaCpuConf(makePlan({ VIRT_DRIVER: 'libvirt', LIBVIRT_TYPE: 'kvm' }));
    expect(one(kvm, 'libvirt', 'virt_type')).toBe('kvm');
    expect(one(kvm, 'libvirt', 'cpu_mode')).toBe('custom');
    expect(one(kvm, 'libvirt', 'cpu_models')).toBe('Nehalem');
    const settled = makePlan({ VIRT_DRIVER: 'libvirt', LIBVIRT_TYPE: 'kvm' });
    settled.decisions = [{ setting: 'LIBVIRT_TYPE', value: 'qemu', reason: 'probe' }];
    expect(one(novaCpuConf(settled), 'libvirt', 'virt_type')).toBe('qemu');
  });

  it('libvirt packages: python3-libvirt for nova, the daemon without Recommends; never nova-compute-kvm', () => {
    const plan = makePlan({ VIRT_DRIVER: 'libvirt', LIBVIRT_TYPE: 'qemu' });
    expect(novaModule.extraPackages!(plan)).toEqual(['python3-libvirt']);
    expect(plan.services.map((m) => m.name)).toContain('libvirt');
    expect(plan.packages).toEqual(
      expect.arrayContaining([
        'libvirt-daemon-system',
        'libvirt-daemon-driver-qemu',
        'qemu-system-x86',
        'python3-libvirt',
      ]),
    );
    expect(plan.packages.filter((p) => /nova-compute|libguestfs|linux-image/.test(p))).toEqual([]);
    expect([...withoutRecommends(plan)].sort()).toEqual([
      'genisoimage',
      'libvirt-clients',
      'libvirt-daemon-driver-qemu',
      'libvirt-daemon-system',
      'qemu-system-x86',
      'qemu-utils',
    ]);
    const fake = makePlan({ VIRT_DRIVER: 'fake' });
    expect(novaModule.extraPackages!(fake)).toEqual([]);
    expect(fake.services.map((m) => m.name)).not.toContain('libvirt');
    expect(fake.packages).not.toContain('libvirt-daemon-system');
  });

  it('n-cpu runs nova.cmd.compute from python3-nova with either driver; with libvirt it starts after libvirtd', () => {
    const fake = makePlan({ VIRT_DRIVER: 'fake' }).processes.find((p) => p.name === 'n-cpu')!;
    expect(fake.argv.slice(0, 2)).toEqual(['/usr/bin/python3', '-c']);
    expect(fake.argv[2]).toContain('from nova.cmd.compute import main');
    expect(fake.argv.slice(-2)).toEqual(['--config-file', '/etc/nova/nova-compute.conf']);
    expect(fake.user).toBe('nova');
    expect(fake.after).not.toContain('libvirtd');
    const plan = makePlan({ VIRT_DRIVER: 'libvirt' });
    const lv = plan.processes.find((p) => p.name === 'n-cpu')!;
    expect(lv.argv.slice(0, 2)).toEqual(['/usr/bin/python3', '-c']);
    expect(lv.after).toContain('libvirtd');
    const names = plan.processes.map((p) => p.name);
    expect(names.indexOf('virtlogd')).toBeLessThan(names.indexOf('libvirtd'));
    expect(names.indexOf('libvirtd')).toBeLessThan(names.indexOf('n-cpu'));
    // foreground daemons (no -d), libvirtd with tstack's own config file
    expect(plan.processes.find((p) => p.name === 'libvirtd')!.argv).toEqual([
      '/usr/sbin/libvirtd',
      '--config',
      '/etc/libvirt/tstack-libvirtd.conf',
    ]);
    expect(plan.processes.find((p) => p.name === 'virtlogd')!.argv).toEqual(['/usr/sbin/virtlogd']);
  });

  it('has the [neutron], [placement] and [service_user] sections nova-api needs', () => {
    const d = novaConf(makePlan());
    expect(one(d, 'neutron', 'username')).toBe('neutron');
    expect(one(d, 'neutron', 'service_metadata_proxy')).toBe('true');
    expect(one(d, 'placement', 'username')).toBe('placement');
    expect(one(d, 'service_user', 'send_service_user_token')).toBe('true');
    expect(one(d, 'DEFAULT', 'osapi_compute_workers')).toBe('1');
  });
});

describe('nova cell mappings', () => {
  it('repoints cell0 and cell1 at the current URLs, which hold no password', () => {
    const sql = cellMappingsSql(makePlan());
    const cell0 = /database_connection = '([^']*)' WHERE name = 'cell0'/.exec(sql)![1];
    expect(cell0).toBe(
      'mysql+pymysql://nova@127.0.0.1/nova_cell0?charset=utf8&read_default_file=/etc/nova/tstack-db.cnf',
    );
    expect(sql).toMatch(
      /transport_url = '\{scheme\}:\/\/\{username\}:\{password\}@\{hostname\}:\{port\}\/\{path\}' WHERE name = 'cell1'/,
    );
  });
});

describe('neutron', () => {
  const plan = makePlan();
  it('ML2/OVS with vxlan tenant networks and the flat public physnet', () => {
    expect(one(neutronConf(plan), 'DEFAULT', 'core_plugin')).toBe('ml2');
    expect(one(neutronConf(plan), 'DEFAULT', 'service_plugins')).toBe('router');
    expect(one(neutronConf(plan), 'nova', 'username')).toBe('nova');
    expect(one(neutronConf(plan), 'placement', 'username')).toBe('placement');
    expect(one(ml2Conf(plan), 'ml2', 'mechanism_drivers')).toBe('openvswitch');
    expect(one(ml2Conf(plan), 'ml2', 'tenant_network_types')).toBe('vxlan');
    expect(one(ml2Conf(plan), 'ml2_type_flat', 'flat_networks')).toBe('public');
  });
  it('OVS agent on the userspace datapath with br-ex mapped', () => {
    const a = ovsAgentConf(plan);
    expect(one(a, 'ovs', 'datapath_type')).toBe('netdev');
    expect(one(a, 'ovs', 'bridge_mappings')).toBe('public:br-ex');
    expect(one(a, 'ovs', 'local_ip')).toBe('192.0.2.2');
    expect(one(a, 'securitygroup', 'firewall_driver')).toBe('openvswitch');
  });
  it('agents: OVS interface driver, isolated metadata, metadata secret shared with nova', () => {
    expect(one(dhcpAgentConf(plan), 'DEFAULT', 'interface_driver')).toBe('openvswitch');
    expect(one(dhcpAgentConf(plan), 'DEFAULT', 'enable_isolated_metadata')).toBe('true');
    expect(one(l3AgentConf(plan), 'DEFAULT', 'agent_mode')).toBe('legacy');
    expect(one(metadataAgentConf(plan), 'DEFAULT', 'nova_metadata_port')).toBe('8775');
    expect(one(metadataAgentConf(plan), 'DEFAULT', 'metadata_proxy_shared_secret')).toBe(
      one(novaConf(plan), 'neutron', 'metadata_proxy_shared_secret'),
    );
  });
  it('--clean picks only the namespaces neutron made', () => {
    const list =
      'qrouter-0c7f2b6e-1b2a-4c3d-9e8f-123456789abc (id: 1)\nqdhcp-9a8b7c6d-0000-4c3d-9e8f-123456789abc (id: ' +
      '0)\nvm-fake-net1\nmy-ns (id: 3)\n';
    expect(neutronNamespaces(list)).toEqual([
      'qrouter-0c7f2b6e-1b2a-4c3d-9e8f-123456789abc',
      'qdhcp-9a8b7c6d-0000-4c3d-9e8f-123456789abc',
    ]);
  });
  it('Q_PLUGIN_CONF_FILE is relative to / as in devstack', () => {
    expect(neutronFiles(plan).ml2).toBe('/etc/neutron/plugins/ml2/ml2_conf.ini');
  });
});

describe('infra', () => {
  const plan = makePlan();
  it('MariaDB binds to the database host', () => {
    expect(renderIni(mariadbCnf(plan))).toContain('[mysqld]\nbind-address = 127.0.0.1\n');
  });
  it('RabbitMQ is rabbit@localhost on loopback', () => {
    const env = rabbitmqEnvConf(plan);
    expect(env).toContain('NODENAME=rabbit@localhost');
    expect(env).toContain('inet_dist_use_interface {127,0,0,1}');
  });
});

describe('rendered files parse back', () => {
  it('nova.conf round-trips through the INI parser', () => {
    const d = novaConf(makePlan());
    expect(parseIni(renderIni(d))).toEqual(d);
  });
});

describe('nova uses cinder', () => {
  it(
    'has a [cinder] section (region, nova service auth) in nova.conf and the compute config when c-api is enabled, ' +
      'none otherwise',
    () => {
      const withCinder = makePlan(
        {},
        { services: 'mysql,rabbit,key,n-api,n-cpu,n-cond,n-sch,placement-api,q-svc,c-api,c-sch,c-vol' },
      );
      for (const doc of [novaConf(withCinder), novaCpuConf(withCinder)]) {
        expect(one(doc, 'cinder', 'os_region_name')).toBe('RegionOne');
        expect(one(doc, 'cinder', 'username')).toBe('nova');
        expect(one(doc, 'cinder', 'auth_type')).toBe('password');
      }
      const without = makePlan({}, { services: 'mysql,rabbit,key,n-api,n-cpu,n-cond,n-sch,placement-api,q-svc' });
      expect(getOption(novaConf(without), 'cinder', 'os_region_name')).toBeUndefined();
    },
  );
});

describe('single node, as devstack sets it up (issue 12)', () => {
  it('nova resizes to the same host (nova.conf and the compute config)', () => {
    const plan = makePlan();
    expect(getOption(novaConf(plan), 'DEFAULT', 'allow_resize_to_same_host')).toEqual(['true']);
    expect(getOption(novaCpuConf(plan), 'DEFAULT', 'allow_resize_to_same_host')).toEqual(['true']);
  });

  it("glance loads its metadata definitions after db_sync: Debian's, or the checkout's", async () => {
    const argvs: string[][] = [];
    for (const [method, dir] of [
      ['distro', '/etc/glance/metadefs'],
      ['source', '/opt/stack/glance/etc/metadefs'],
    ] as const) {
      const plan = makePlan({}, { method });
      const step = glanceModule.steps!(plan).start!.find((s) => s.id === 'glance:metadefs')!;
      expect(step.after).toEqual(['glance:db-sync']);
      const sh = { run: async (argv: string[]) => (argvs.push(argv), { code: 0, stdout: '', stderr: '' }) };
      await step.run({ plan, sh, log: { info: () => undefined } } as never);
      expect(argvs.at(-1)!.slice(-2)).toEqual(['db_load_metadefs', dir]);
    }
    expect(glanceModule.processes(makePlan())[0].after).toContain('glance:metadefs');
  });
});

describe('MYSQL_REDUCE_MEMORY', () => {
  const mysqld = (over: Record<string, string>) => (k: string) => one(mariadbCnf(makePlan(over)), 'mysqld', k);
  it("is on by default, as in devstack: devstack's values plus MariaDB's own caches", () => {
    const get = mysqld({});
    expect([get('innodb_buffer_pool_size'), get('thread_stack'), get('max_allowed_packet')]).toEqual([
      '16M',
      '192K',
      '8M',
    ]);
    expect([get('aria_pagecache_buffer_size'), get('key_buffer_size'), get('innodb_log_buffer_size')]).toEqual([
      '8M',
      '8M',
      '2M',
    ]);
  });
  it("False leaves MariaDB's defaults", () => {
    const get = mysqld({ MYSQL_REDUCE_MEMORY: 'False' });
    for (const k of ['innodb_buffer_pool_size', 'aria_pagecache_buffer_size', 'key_buffer_size']) {
      expect(get(k), k).toBeUndefined();
    }
    expect(get('bind-address')).toBe('127.0.0.1');
  });
});
