import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ENABLED_SERVICES,
  SETTING_GROUPS,
  apiWorkersFor,
  inProcessUnlessMany,
  defaultHostIp,
  normalizeValue,
  trueOrFalse,
  validateValue,
} from '../../../lib/config/settings.ts';
import { SettingResolver } from '../../../lib/config/resolve.ts';
import { fakeHost } from './helpers.ts';
import { stackCatalog } from '../../../lib/cli/catalog.ts';

const CATALOG = stackCatalog();
const SETTINGS = CATALOG.settings;
const getSetting = (name: string) => CATALOG.setting(name);

const resolverWith = (explicit: Record<string, string>, host = fakeHost()) =>
  new SettingResolver((n) => (n in explicit ? { value: explicit[n], origin: 'local.conf' } : undefined), host, CATALOG);

describe('the settings table', () => {
  it('has unique names, known groups, and documents every computed default', () => {
    const names = SETTINGS.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    for (const s of SETTINGS) {
      expect(SETTING_GROUPS as readonly string[], s.name).toContain(s.group);
      expect(s.description.length, s.name).toBeGreaterThan(5);
      if (typeof s.default === 'function') expect(s.defaultDoc, s.name).toBeTruthy();
      if (s.type === 'enum') expect(s.choices?.length, s.name).toBeGreaterThan(0);
    }
  });

  it('has the devstack defaults the brief lists', () => {
    const r = resolverWith({});
    const expected: Record<string, string> = {
      DEST: '/opt/stack',
      DATA_DIR: '/opt/stack/data',
      LOGDIR: '/opt/stack/logs',
      LOGFILE: '/opt/stack/logs/stack.log',
      SERVICE_DIR: '/opt/stack/status',
      STACK_USER: 'stack',
      SERVICE_LOCAL_HOST: '127.0.0.1',
      GIT_BASE: 'https://opendev.org',
      TARGET_BRANCH: 'master',
      GIT_DEPTH: '0',
      RECLONE: 'False',
      OFFLINE: 'False',
      ERROR_ON_CLONE: 'False',
      INSTALL_METHOD: '',
      SOURCE_DEPS: 'pip',
      LIBVIRT_TYPE: 'kvm',
      DOWNLOAD_DEFAULT_IMAGES: 'True',
      FLOATING_RANGE: '172.24.4.0/24',
      IPV4_ADDRS_SAFE_TO_USE: '10.0.0.0/22',
      FIXED_RANGE: '10.0.0.0/22',
      PUBLIC_NETWORK_GATEWAY: '172.24.4.1',
      Q_ROUTER_NAME: 'router1',
      PUBLIC_BRIDGE: 'br-ex',
      PUBLIC_PHYSICAL_NETWORK: 'public',
      SUBNETPOOL_SIZE_V4: '26',
      REGION_NAME: 'RegionOne',
      SERVICE_TIMEOUT: '60',
      DATABASE_USER: 'root',
      RABBIT_USERID: 'stackrabbit',
      CINDER_ENABLED_BACKENDS: 'lvm:lvmdriver-1',
      RECREATE_DATABASES: 'False',
      ENABLED_SERVICES: DEFAULT_ENABLED_SERVICES.join(','),
      NOVA_REPO: 'https://opendev.org/openstack/nova.git',
      REQUIREMENTS_REPO: 'https://opendev.org/openstack/requirements.git',
      HORIZON_BRANCH: 'master',
      NOVA_CONF: '/etc/nova/nova.conf',
      Q_PLUGIN_CONF_FILE: 'etc/neutron/plugins/ml2/ml2_conf.ini',
      DEFAULT_IMAGE_NAME: 'cirros-0.6.3-x86_64-disk',
    };
    for (const [k, v] of Object.entries(expected)) expect(r.get(k), k).toBe(v);
    for (const p of ['DATABASE_PASSWORD', 'RABBIT_PASSWORD', 'SERVICE_PASSWORD', 'ADMIN_PASSWORD']) {
      expect(getSetting(p)?.secret, p).toBe(true);
      expect(getSetting(p)?.type, p).toBe('password');
    }
  });

  it('derives repos and branches from GIT_BASE and TARGET_BRANCH', () => {
    const r = resolverWith({ GIT_BASE: '/srv/mirror', TARGET_BRANCH: 'stable/2025.1' });
    for (const p of ['KEYSTONE', 'GLANCE', 'NOVA', 'PLACEMENT', 'NEUTRON', 'CINDER', 'HORIZON', 'REQUIREMENTS']) {
      expect(r.get(`${p}_REPO`)).toBe(`/srv/mirror/openstack/${p.toLowerCase()}.git`);
      expect(r.get(`${p}_BRANCH`)).toBe('stable/2025.1');
    }
  });
});

describe('trueOrFalse', () => {
  it("accepts devstack's spellings and nothing else", () => {
    for (const t of ['1', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE']) expect(trueOrFalse(t), t).toBe(true);
    for (const f of ['0', 'no', 'No', 'NO', 'false', 'False', 'FALSE']) expect(trueOrFalse(f), f).toBe(false);
    for (const x of ['maybe', 'on', 'off', 'tRUE', '', ' true']) expect(trueOrFalse(x), x).toBeUndefined();
  });
});

describe('validators', () => {
  const check = (name: string, value: string) => validateValue(getSetting(name)!, value);
  it('accept good values and name what is expected for bad ones', () => {
    expect(check('RECLONE', 'yes')).toBeUndefined();
    expect(check('RECLONE', 'maybe')).toMatch(/True or False/);
    expect(check('GIT_DEPTH', '1')).toBeUndefined();
    expect(check('GIT_DEPTH', 'one')).toMatch(/whole number/);
    expect(check('DEST', '/srv/stack')).toBeUndefined();
    expect(check('DEST', 'stack')).toMatch(/absolute path/);
    expect(check('FIXED_RANGE', '10.1.0.0/20')).toBeUndefined();
    expect(check('FIXED_RANGE', '10.1.0.0/33')).toMatch(/CIDR/);
    expect(check('FIXED_RANGE', '10.1.0/20')).toMatch(/CIDR/);
    expect(check('HOST_IP', '192.0.2.2')).toBeUndefined();
    expect(check('HOST_IP', 'fe80::1')).toBeUndefined();
    expect(check('HOST_IP', '192.0.2.256')).toMatch(/IP address/);
    expect(check('GIT_BASE', 'https://opendev.org')).toBeUndefined();
    expect(check('GIT_BASE', '/srv/git')).toBeUndefined();
    expect(check('GIT_BASE', 'git@github.com:openstack')).toBeUndefined();
    expect(check('GIT_BASE', 'opendev.org')).toMatch(/URL/);
    expect(check('VIRT_DRIVER', 'fake')).toBeUndefined();
    expect(check('VIRT_DRIVER', 'ironic')).toMatch(/one of: fake, libvirt/);
    expect(check('INSTALL_METHOD', '')).toBeUndefined();
    expect(check('INSTALL_METHOD', 'pip')).toMatch(/\(empty\), source, distro/);
    expect(check('ADMIN_PASSWORD', `p@ss: /%#?&$'" w`)).toBeUndefined();
    expect(check('ADMIN_PASSWORD', 'tab\there')).toMatch(/control character \(U\+0009, tab\)/);
  });

  it('normalizes booleans to True/False', () => {
    expect(normalizeValue(getSetting('RECLONE')!, 'yes')).toBe('True');
    expect(normalizeValue(getSetting('OFFLINE')!, '0')).toBe('False');
    expect(normalizeValue(getSetting('DEST')!, 'yes')).toBe('yes');
  });
});

describe('computed defaults', () => {
  it('API_WORKERS: 1 up to 2 CPUs, then max(2, nproc/4)', () => {
    expect([1, 2, 3, 4, 8, 9, 16, 64].map(apiWorkersFor)).toEqual([1, 1, 2, 2, 2, 2, 4, 16]);
    expect(resolverWith({}, fakeHost({ cpus: 2 })).get('API_WORKERS')).toBe('1');
    expect(resolverWith({}, fakeHost({ cpus: 32 })).get('API_WORKERS')).toBe('8');
  });

  it('GLANCE_WORKERS: in-process (0) while API_WORKERS is 1, else API_WORKERS', () => {
    expect(['0', '1', '2', '8', 'x'].map(inProcessUnlessMany)).toEqual(['0', '0', '2', '8', '0']);
    const small = resolverWith({}, fakeHost({ cpus: 2 }));
    expect([small.get('GLANCE_WORKERS'), small.get('NEUTRON_METADATA_WORKERS')]).toEqual(['0', '1']);
    const big = resolverWith({}, fakeHost({ cpus: 32 }));
    expect([big.get('GLANCE_WORKERS'), big.get('NEUTRON_METADATA_WORKERS')]).toEqual(['8', '8']);
    expect(resolverWith({ API_WORKERS: '3' }, fakeHost({ cpus: 2 })).get('GLANCE_WORKERS')).toBe('3');
    expect(resolverWith({ GLANCE_WORKERS: '1' }, fakeHost({ cpus: 2 })).get('GLANCE_WORKERS')).toBe('1');
  });

  it('VIRT_DRIVER: libvirt, as in devstack, whatever the host (LIBVIRT_TYPE is what the KVM probe decides)', () => {
    expect(resolverWith({}, fakeHost({})).get('VIRT_DRIVER')).toBe('libvirt');
    expect(resolverWith({ VIRT_DRIVER: 'fake' }, fakeHost({})).get('VIRT_DRIVER')).toBe('fake');
  });

  it('HOST_IP: first default-route address outside FIXED_RANGE and FLOATING_RANGE', () => {
    const host = fakeHost({ iface: 'br-ex', addresses: { 'br-ex': ['172.24.4.1', '10.0.0.5', '198.51.100.7'] } });
    expect(resolverWith({}, host).get('HOST_IP')).toBe('198.51.100.7');
    expect(resolverWith({}, fakeHost()).get('HOST_IP')).toBe('192.0.2.2');
    expect(
      resolverWith({ HOST_IP_IFACE: 'eth1' }, fakeHost({ addresses: { eth1: ['203.0.113.9'] } })).get('HOST_IP'),
    ).toBe('203.0.113.9');
  });

  it('HOST_IP: a clear error when the default route has no address outside the ranges', () => {
    const host = fakeHost({ iface: 'br-ex', addresses: { 'br-ex': ['172.24.4.1'] } });
    expect(() => defaultHostIp((n) => resolverWith({}, host).get(n), host)).toThrow(
      /inside FIXED_RANGE\/FLOATING_RANGE.*set HOST_IP/,
    );
  });

  it('HOST_IP: loopback with no default route, and SERVICE_HOST follows it', () => {
    const none = fakeHost({ iface: undefined });
    expect(resolverWith({}, none).get('HOST_IP')).toBe('127.0.0.1');
    expect(resolverWith({}, none).get('SERVICE_HOST')).toBe('127.0.0.1');
    expect(resolverWith({}, fakeHost()).get('SERVICE_HOST')).toBe('192.0.2.2');
    expect(resolverWith({ HOST_IP: '198.51.100.7' }, fakeHost()).get('SERVICE_HOST')).toBe('198.51.100.7');
    expect(resolverWith({}, fakeHost()).get('SERVICE_LISTEN_ADDRESS')).toBe('0.0.0.0');
    expect(resolverWith({ SERVICE_HOST: 'fd00::5' }, fakeHost()).get('SERVICE_LISTEN_ADDRESS')).toBe('::');
  });

  it('computes only what is asked: DEST never probes the network', () => {
    const host = fakeHost();
    resolverWith({}, host).get('LOGFILE');
    expect(host.probes).toEqual([]);
  });
});

describe('suggestSetting', () => {
  it('names the setting a near miss meant, and stays quiet for plugin variables', async () => {
    const { suggestSetting } = await import('../../../lib/config/settings.ts');
    expect(suggestSetting(CATALOG, 'NOVA_BRANH')).toBe('NOVA_BRANCH');
    expect(suggestSetting(CATALOG, 'ADMIN_PASSWROD')).toBe('ADMIN_PASSWORD');
    expect(suggestSetting(CATALOG, 'OCTAVIA_AMP_IMAGE_SIZE')).toBeUndefined();
    expect(suggestSetting(CATALOG, 'NOVA_BRANCH')).toBeUndefined(); // known: nothing to suggest
  });
});
