import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, loadSettings, passwordFilePath } from '../../../lib/config/resolve.ts';
import { locateStack } from '../../../lib/config/locate.ts';
import { writePasswordFile } from '../../../lib/config/password-file.ts';
import { DEFAULT_ENABLED_SERVICES } from '../../../lib/config/settings.ts';
import { fakeHost, fixture, tempDir, writeConf } from './helpers.ts';
import { stackCatalog } from '../../../lib/cli/catalog.ts';

const CIRROS = 'https://github.com/cirros-dev/cirros/releases/download/0.6.3/cirros-0.6.3-x86_64-disk.img';
const cleanups: (() => void)[] = [];
afterEach(() =>
  cleanups.splice(0).forEach((c) => {
    c();
  }),
);
function temp() {
  const t = tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}

const load = (configPath: string, env: NodeJS.ProcessEnv = {}) =>
  loadConfig({ configPath, env, host: fakeHost(), catalog: stackCatalog() });

describe('realistic local.conf files', () => {
  it('single node: passwords derived, paths, branches, services, images, post-config', () => {
    const c = load(fixture('single-node.conf'));
    expect(c.localConfPath).toBe(fixture('single-node.conf'));
    expect([c.values.ADMIN_PASSWORD, c.values.DATABASE_PASSWORD, c.values.SERVICE_PASSWORD]).toEqual([
      'secret',
      'secret',
      'secret',
    ]);
    expect(c.values.LOGFILE).toBe('/srv/stack/logs/stack.sh.log');
    expect(c.values.DATA_DIR).toBe('/srv/stack/data');
    expect(c.values.LOGDAYS).toBe('2');
    expect(c.values.NOVA_BRANCH).toBe('refs/changes/10/353710/1');
    expect(c.values.RECLONE).toBe('True');
    expect(c.values.LIBS_FROM_GIT).toBe('oslo.messaging,python-novaclient');
    expect(c.enabledServices).not.toContain('horizon');
    expect(c.enabledServices.at(-1)).toBe('c-bak');
    // devstack appends CirrOS to the user's list while DOWNLOAD_DEFAULT_IMAGES is True
    expect(c.values.IMAGE_URLS).toBe(`file:///srv/images/extra.qcow2,${CIRROS}`);
    expect(c.metaSections.map((m) => [m.phase, m.file, m.rawFile])).toEqual([
      ['post-config', '/etc/nova/nova.conf', '$NOVA_CONF'],
      ['post-config', '/etc/neutron/plugins/ml2/ml2_conf.ini', '/$Q_PLUGIN_CONF_FILE'],
    ]);
    const nova = c.metaSections[0].sections;
    expect(nova[0].options).toEqual([
      { key: 'debug', values: ['True'], pos: { file: fixture('single-node.conf'), line: 26 } },
      { key: 'my_ip', values: ['10.11.12.13'], pos: { file: fixture('single-node.conf'), line: 27 } },
    ]);
    expect(nova[1]).toMatchObject({
      name: 'filter_scheduler',
      options: [{ key: 'enabled_filters', values: ['ComputeFilter', 'ImagePropertiesFilter'] }],
    });
    expect(c.unknownVariables).toEqual([]);
  });

  it('multi-node subnode: controller addresses, aliases, compute-only services, unknown VNC variables kept', () => {
    const c = load(fixture('multinode-subnode.conf'));
    expect(c.values.HOST_IP).toBe('192.168.42.12');
    expect(c.values.SERVICE_HOST).toBe('192.168.42.11');
    expect(c.values.DATABASE_HOST).toBe('192.168.42.11'); // via MYSQL_HOST
    expect(c.values.RABBIT_HOST).toBe('192.168.42.11');
    expect(c.enabledServices).toEqual(['n-cpu', 'placement-client', 'q-agt', 'ovs-vswitchd', 'ovsdb-server', 'c-vol']);
    const unknown = Object.fromEntries(c.unknownVariables.map((u) => [u.name, u.value]));
    expect(unknown).toEqual({
      GLANCE_HOSTPORT: '192.168.42.11:9292',
      NOVA_VNC_ENABLED: 'True',
      NOVNCPROXY_URL: 'http://192.168.42.11:6080/vnc_lite.html',
      VNCSERVER_LISTEN: '192.168.42.12',
      VNCSERVER_PROXYCLIENT_ADDRESS: '192.168.42.12',
    });
    expect(c.values.FIXED_RANGE).toBe('10.4.128.0/20');
    expect(c.values.IPV4_ADDRS_SAFE_TO_USE).toBe('10.0.0.0/22');
  });

  it('provider network: negated q-l3, gateways, neutron post-config with an empty value', () => {
    const c = load(fixture('provider-network.conf'));
    expect(c.enabledServices).not.toContain('q-l3');
    expect(c.enabledServices).toContain('q-agt');
    // the guide's ML2/OVS agents replace devstack's OVN services, then the negation removes q-l3
    const ovn = ['ovn-northd', 'ovn-controller', 'q-ovn-metadata-agent'];
    expect(c.values.ENABLED_SERVICES.split(',')).toEqual([
      ...DEFAULT_ENABLED_SERVICES.filter((s) => !ovn.includes(s)),
      'q-agt',
      'q-dhcp',
      'q-meta',
    ]);
    expect([c.values.NETWORK_GATEWAY, c.values.PUBLIC_NETWORK_GATEWAY, c.values.FLOATING_RANGE]).toEqual([
      '10.1.0.1',
      '172.18.161.1',
      '172.18.161.0/24',
    ]);
    expect([c.values.Q_USE_PROVIDER_NETWORKING, c.values.PROVIDER_NETWORK_TYPE]).toEqual(['True', 'vlan']);
    expect(c.metaSections[0]).toMatchObject({
      file: '/etc/neutron/neutron.conf',
      sections: [{ name: 'DEFAULT', options: [{ key: 'service_plugins', values: [''] }] }],
    });
    expect(c.metaSections[1].sections[0].options[0].values).toEqual(['default:100:200']);
  });

  it('plugins: recorded with refs, their services accepted, extra and test-config kept', () => {
    const c = load(fixture('plugins.conf'));
    expect(c.plugins.map((p) => [p.name, p.url, p.ref])).toEqual([
      ['heat', 'https://opendev.org/openstack/heat', 'master'],
      ['octavia', 'https://opendev.org/openstack/octavia', 'stable/2025.1'],
      ['my-plugin', 'file:///home/dev/my-plugin', 'main'],
    ]);
    expect(c.enabledServices).toEqual(expect.arrayContaining(['h-eng', 'o-hm', 'my-plugin-api']));
    expect(c.metaSections.map((m) => [m.phase, m.file])).toEqual([
      ['extra', '/opt/stack/tempest/etc/tempest.conf'],
      ['test-config', '/opt/stack/tempest/etc/tempest.conf'],
    ]);
    expect(c.unknownVariables.map((u) => u.name)).toEqual(['OCTAVIA_MGMT_SUBNET', 'HEAT_ENABLE_ADOPT_ABANDON']);
  });
});

describe('precedence and origins', () => {
  it('local.conf > saved password file > environment > defaults', () => {
    const dir = temp();
    const conf = writeConf(dir, '[[local|localrc]]\nDEST=/srv/a\nADMIN_PASSWORD=fromconf\n');
    writePasswordFile(passwordFilePath(conf), { ADMIN_PASSWORD: 'fromfile', RABBIT_PASSWORD: 'rabbitfile' });
    const c = load(conf, { DEST: '/srv/env', RABBIT_PASSWORD: 'rabbitenv', SERVICE_PASSWORD: 'svcenv', LOGDAYS: '9' });
    expect([c.values.DEST, c.origins.DEST]).toEqual(['/srv/a', 'local.conf']);
    expect([c.values.ADMIN_PASSWORD, c.origins.ADMIN_PASSWORD]).toEqual(['fromconf', 'local.conf']);
    expect([c.values.RABBIT_PASSWORD, c.origins.RABBIT_PASSWORD]).toEqual(['rabbitfile', 'password-file']);
    expect([c.values.SERVICE_PASSWORD, c.origins.SERVICE_PASSWORD]).toEqual(['svcenv', 'environment']);
    expect([c.values.LOGDAYS, c.origins.LOGDAYS]).toEqual(['9', 'environment']);
    expect([c.values.REGION_NAME, c.origins.REGION_NAME]).toEqual(['RegionOne', 'default']);
  });

  it('saved passwords are visible to local.conf lines, as devstack sources the file first', () => {
    const dir = temp();
    const conf = writeConf(dir, '[[local|localrc]]\nSERVICE_PASSWORD=$ADMIN_PASSWORD\n');
    writePasswordFile(passwordFilePath(conf), { ADMIN_PASSWORD: 'p@ss w0rd' });
    expect(load(conf).values.SERVICE_PASSWORD).toBe('p@ss w0rd');
  });

  it('a missing default local.conf means defaults; a missing --config file is an error', () => {
    const dir = temp();
    const c = loadConfig({ topDir: dir, env: {}, host: fakeHost(), catalog: stackCatalog() });
    expect(c.localConfPath).toBeUndefined();
    expect(c.enabledServices).toEqual([...DEFAULT_ENABLED_SERVICES]);
    expect(c.values.HOST_IP).toBe('192.0.2.2');
    expect(c.values.IMAGE_URLS).toBe(CIRROS);
    expect(() =>
      loadConfig({ configPath: join(dir, 'nope.conf'), env: {}, host: fakeHost(), catalog: stackCatalog() }),
    ).toThrow(/nope.conf: no such file/);
  });

  it('validates values from the environment, naming the variable', () => {
    const dir = temp();
    expect(() =>
      loadConfig({ topDir: dir, env: { RECLONE: 'maybe' }, host: fakeHost(), catalog: stackCatalog() }),
    ).toThrow(/environment variable RECLONE=maybe: expected True or False/);
  });

  it('DOWNLOAD_DEFAULT_IMAGES=False leaves IMAGE_URLS as written', () => {
    const dir = temp();
    const conf = writeConf(dir, '[[local|localrc]]\nDOWNLOAD_DEFAULT_IMAGES=False\nIMAGE_URLS=http://x/a.img\n');
    expect(load(conf).values.IMAGE_URLS).toBe('http://x/a.img');
  });

  it('defaults follow values set later in local.conf', () => {
    const dir = temp();
    const conf = writeConf(dir, '[[local|localrc]]\nFIXED_RANGE=192.0.2.0/24\n');
    // 192.0.2.2 is inside FIXED_RANGE now, so HOST_IP detection skips it
    const c = loadConfig({
      configPath: conf,
      env: {},
      host: fakeHost({ addresses: { eth0: ['192.0.2.2', '198.51.100.4'] } }),
      catalog: stackCatalog(),
    });
    expect(c.values.HOST_IP).toBe('198.51.100.4');
    expect(c.values.SUBNETPOOL_PREFIX_V4).toBe('10.0.0.0/22');
  });
});

describe('meta-section targets', () => {
  it('a target that does not expand to an absolute path is an error at its header', () => {
    const dir = temp();
    const conf = writeConf(dir, '[[local|localrc]]\n\n[[post-config|$Q_PLUGIN_CONF_FILE]]\n[ml2]\na = b\n');
    expect(() => load(conf)).toThrow(
      new RegExp(
        `${conf}:3: \\[\\[post-config\\|\\$Q_PLUGIN_CONF_FILE\\]\\] names 'etc/neutron/plugins/ml2/ml2_conf.ini', ` +
          `not an absolute path \\(write /\\$Q_PLUGIN_CONF_FILE`,
      ),
    );
  });

  it("a plugin's target (unset variable) is accepted, not merged, with a warning; never a file at /", () => {
    const dir = temp();
    const conf = writeConf(
      dir,
      [
        '[[local|localrc]]',
        'enable_plugin octavia https://opendev.org/openstack/octavia',
        '[[post-config|$OCTAVIA_CONF]]',
        '[api_settings]',
        'enabled_provider_drivers = amphora:x',
        '[[post-config|$SWIFT_CONF_DIR/proxy-server.conf]]  # swift',
        '[DEFAULT]',
        'workers = 1',
        '[[post-config|$NOVA_CONF]]',
        '[DEFAULT]',
        'debug = True',
      ].join('\n'),
    );
    const c = load(conf);
    expect(c.metaSections.map((m) => m.file)).toEqual(['/etc/nova/nova.conf']);
    expect(c.warnings).toEqual([
      {
        message:
          '[[post-config|$OCTAVIA_CONF]] is not merged: $OCTAVIA_CONF is not set ' +
          "(a plugin's file; tstack runs no plugin)",
        pos: { file: conf, line: 3 },
      },
      {
        message:
          "[[post-config|$SWIFT_CONF_DIR/proxy-server.conf]] is not merged: $SWIFT_CONF_DIR is not set (a plugin's " +
          'file; tstack runs no plugin)',
        pos: { file: conf, line: 6 },
      },
    ]);
  });
});

describe('locating the stack without .stackenv', () => {
  it('takes DEST, LOGDIR and SERVICE_DIR from local.conf and probes nothing else', () => {
    const dir = temp();
    writeConf(dir, '[[local|localrc]]\nDEST=/srv/st\nLOGDIR=$DEST/log\nenable_service no-such-service-here\n');
    const env = { TSTACK_STACKENV: join(dir, 'absent.stackenv') };
    expect(locateStack({ topDir: dir, env, host: fakeHost() })).toEqual({
      dest: '/srv/st',
      dataDir: '/srv/st/data',
      logDir: '/srv/st/log',
      stateDir: '/srv/st/status',
      localConf: join(dir, 'local.conf'),
    });
    const host = fakeHost();
    expect(loadSettings(['SERVICE_DIR'], { topDir: dir, env, host })).toEqual({ SERVICE_DIR: '/srv/st/status' });
    expect(host.probes).toEqual([]);
  });

  it('prefers the .stackenv record of the last run', () => {
    const dir = temp();
    const rec = { dest: '/a', dataDir: '/a/d', logDir: '/a/l', stateDir: '/a/s' };
    writeFileSync(join(dir, '.stackenv'), JSON.stringify(rec));
    expect(locateStack({ topDir: dir, env: {}, host: fakeHost() })).toEqual(rec);
  });
});

describe('no default route', () => {
  it('falls back to loopback for HOST_IP and SERVICE_HOST, warning how to reach it from elsewhere', () => {
    const conf = writeConf(temp(), '[[local|localrc]]\nADMIN_PASSWORD=x\n');
    const c = loadConfig({ configPath: conf, env: {}, host: fakeHost({ iface: undefined }), catalog: stackCatalog() });
    expect([c.values.HOST_IP, c.values.SERVICE_HOST]).toEqual(['127.0.0.1', '127.0.0.1']);
    expect(c.warnings.map((w) => w.message)).toContainEqual(
      expect.stringMatching(/^no IPv4 default route: HOST_IP falls back to 127\.0\.0\.1 .*set HOST_IP in local\.conf/),
    );
  });

  it('warns neither with a default route nor with HOST_IP set', () => {
    const routed = load(writeConf(temp(), '[[local|localrc]]\nADMIN_PASSWORD=x\n'));
    expect(routed.values.SERVICE_HOST).toBe('192.0.2.2');
    const set = loadConfig({
      configPath: writeConf(temp(), '[[local|localrc]]\nHOST_IP=127.0.0.1\n'),
      env: {},
      host: fakeHost({ iface: undefined }),
      catalog: stackCatalog(),
    });
    for (const c of [routed, set]) expect(c.warnings.map((w) => w.message).join('\n')).not.toMatch(/default route/);
  });
});
