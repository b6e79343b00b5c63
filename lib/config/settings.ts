// The core settings table: the cross-cutting variables (paths, host, install
// method, source, images, database and messaging, passwords, tuning) with
// their type, default and description. Each service module adds the rows that
// belong to it (ServiceModule.settings); lib/config/catalog.ts joins both into
// the SettingsCatalog that validation, `./stack.ts config`, `--help` and the
// README's reference section are generated from.
//
// To add a setting: append a row in the right group, here when every service
// reads it, else in the module it belongs to. A default is a literal, a
// `${OTHER}` template, or a function of the other settings and the host.

import { isIP } from 'node:net';
import type { ConfigWarning, HostFacts, Setting, SettingType, SettingsCatalog } from '../types/config.ts';
import { ConfigError } from '../util/errors.ts';
import { cidrContains, parseCidr, parseIpv4 } from './ipv4.ts';
import { editDistance } from './service-names.ts';
import { passwordProblem } from './password-rules.ts';

/** Groups in the order --help and the README show them; a group only modules use comes after these. */
export const SETTING_GROUPS = [
  'paths',
  'host',
  'services',
  'install',
  'source',
  'images',
  'network',
  'OVN',
  'database and messaging',
  'passwords',
  'tuning',
  'config files',
  'libraries (LIBS_FROM_GIT)',
] as const;

export type SettingGroup = (typeof SETTING_GROUPS)[number];

/** A row without its group, for settingGroup(). */
export type SettingRow = Omit<Setting, 'group'>;

/** Rows of one group (modules use it for theirs too). */
export function settingGroup(name: SettingGroup | (string & {}), rows: readonly SettingRow[]): Setting[] {
  return rows.map((r) => ({ ...r, group: name }));
}

const group = settingGroup;

/**
 * tstack's default service set: devstack's, ML2/OVN included (with Zed's q-ovn-metadata-agent for devstack's newer
 * q-ovn-agent), plus memcached; etcd3 is not implemented.
 */
export const DEFAULT_ENABLED_SERVICES = [
  'mysql',
  'rabbit',
  'memcached',
  'key',
  'g-api',
  'placement-api',
  'placement-client',
  'n-api',
  'n-api-meta',
  'n-cond',
  'n-sch',
  'n-cpu',
  'ovn-controller',
  'ovn-northd',
  'ovsdb-server',
  'ovs-vswitchd',
  'q-svc',
  'q-ovn-metadata-agent',
  'c-api',
  'c-sch',
  'c-vol',
  'horizon',
] as const;

/**
 * A service that can serve in its own process (worker count 0) needs no forked worker when API_WORKERS says one
 * process: one worker and no worker serve with the same single process, the fork only adds a copy of the service's
 * memory. More than one is kept as asked.
 */
export function inProcessUnlessMany(apiWorkers: string): string {
  const n = Number(apiWorkers);
  return Number.isInteger(n) && n > 1 ? String(n) : '0';
}

/**
 * devstack computes `max(2, nproc/4)` API workers for 8-vCPU gate nodes. On a
 * 2-core machine that is 2 uwsgi workers per API, which doubles the memory of
 * every API for no gain, so tstack uses 1 up to 2 cores and devstack's formula above.
 */
export function apiWorkersFor(cpus: number): number {
  return cpus <= 2 ? 1 : Math.max(2, Math.floor(cpus / 4));
}

/**
 * devstack's get_default_host_ip: the first IPv4 address of the default-route
 * interface that is not inside FIXED_RANGE or FLOATING_RANGE (a bridge may
 * carry a floating address after a previous run). With no default route at
 * all (an offline VM) devstack dies; tstack falls back to SERVICE_LOCAL_HOST
 * and resolve.ts warns (hostIpFallback), so the stack still comes up for this
 * machine alone.
 */
export function defaultHostIp(get: (name: string) => string, host: HostFacts): string {
  const iface = get('HOST_IP_IFACE');
  if (!iface) return get('SERVICE_LOCAL_HOST');
  const ranges = [get('FIXED_RANGE'), get('FLOATING_RANGE')].map((r) => parseCidr(r)).filter((r) => r !== undefined);
  const candidates = iface ? host.ipv4Addresses(iface) : [];
  const ip = candidates.find((a) => {
    const n = parseIpv4(a);
    return n !== undefined && !ranges.some((r) => cidrContains(r, n));
  });
  if (!ip) {
    throw new ConfigError(
      `could not determine the host IP address (interface ${iface || '(no default route)'}` +
        `${candidates.length ? `, addresses ${candidates.join(' ')} are inside FIXED_RANGE/FLOATING_RANGE` : ''}); ` +
        'set HOST_IP in local.conf',
    );
  }
  return ip;
}

/**
 * The warning for defaultHostIp's fallback: no default route, so HOST_IP (and
 * with it SERVICE_HOST) is loopback and the stack serves this machine only.
 */
export function hostIpFallbackWarning(
  values: Readonly<Record<string, string>>,
  origins: Readonly<Record<string, string>>,
): ConfigWarning | undefined {
  if (origins.HOST_IP !== 'default' || values.HOST_IP_IFACE !== '') return undefined;
  return {
    message:
      `no IPv4 default route: HOST_IP falls back to ${values.HOST_IP} (SERVICE_LOCAL_HOST), so the APIs and ` +
      'Horizon answer on this machine only; set HOST_IP in local.conf to reach them from another one',
  };
}

/** `$GIT_BASE/openstack/<name>.git`, without the double slash a GIT_BASE ending in `/` would give. */
export function gitBaseRepo(get: (name: string) => string, name: string): string {
  return `${get('GIT_BASE').replace(/\/+$/, '')}/openstack/${name}.git`;
}

const CIRROS_URL =
  'https://github.com/cirros-dev/cirros/releases/download/' +
  '${CIRROS_VERSION}/cirros-${CIRROS_VERSION}-${CIRROS_ARCH}-disk.img';

/** devstack's CirrOS release (the CIRROS_VERSION row's default). */
const CIRROS_VERSION = '0.6.3';

/** The default image URL, with the current CIRROS_VERSION/CIRROS_ARCH. */
export function defaultImageUrl(get: (name: string) => string): string {
  return CIRROS_URL.replace(/\$\{(\w+)\}/g, (_, n: string) => get(n));
}

/** The default image URL as the docs show it (x86_64, never this host's architecture). */
const DOCUMENTED_IMAGE_URL = defaultImageUrl((n) => (n === 'CIRROS_VERSION' ? CIRROS_VERSION : 'x86_64'));

/** The cross-cutting rows; the modules' rows join them in the catalog. */
export const CORE_SETTINGS: readonly Setting[] = [
  ...group('paths', [
    {
      name: 'DEST',
      type: 'path',
      default: '/opt/stack',
      description: 'Where source checkouts live; parent of the data, log and status directories.',
    },
    {
      name: 'DATA_DIR',
      type: 'path',
      default: '${DEST}/data',
      description: 'Service data, the source venv, the image cache.',
    },
    {
      name: 'LOGDIR',
      type: 'path',
      default: '${DEST}/logs',
      description: 'One log per pane (`<pane>.log`) and the stack log.',
    },
    {
      name: 'LOGFILE',
      type: 'path',
      default: '${LOGDIR}/stack.log',
      description: 'Log of every command stack.ts runs (masked).',
    },
    {
      name: 'SERVICE_DIR',
      type: 'path',
      default: '${DEST}/status',
      description: 'State directory: `panes/<pane>.json` and the finished steps (`steps.json`).',
    },
    {
      name: 'STACK_USER',
      type: 'string',
      default: 'stack',
      description:
        'Who owns the source checkouts under $DEST, to edit them without root (tstack runs as root; services keep ' +
        'their own users and can read them). Set here or in the environment: that user, created if missing (`root` ' +
        "keeps them root's). Unset: the user who ran `sudo ./stack.ts`, else `stack` if it exists, else root.",
    },
  ]),
  ...group('host', [
    {
      name: 'HOST_IP_IFACE',
      type: 'string',
      default: (_get, host) => host.defaultRouteInterface() ?? '',
      defaultDoc: 'interface of the IPv4 default route',
      description: 'Interface HOST_IP is taken from.',
    },
    {
      name: 'HOST_IP',
      type: 'ip',
      default: defaultHostIp,
      defaultDoc: 'first address of HOST_IP_IFACE outside FIXED_RANGE and FLOATING_RANGE',
      description: "This host's address, used for endpoints and the compute host.",
    },
    {
      name: 'SERVICE_HOST',
      type: 'string',
      // as in devstack: the catalog, openrc and the summary name an address another machine can reach
      default: '${HOST_IP}',
      description:
        'Host (name or address) the catalog, clouds.yaml, openrc and the summary name; the controller on a subnode.',
    },
    {
      name: 'SERVICE_LOCAL_HOST',
      type: 'ip',
      default: '127.0.0.1',
      description: 'Loopback address for services that are only reached locally.',
    },
    {
      name: 'SERVICE_LISTEN_ADDRESS',
      type: 'ip',
      // devstack's: every address, so SERVICE_HOST, loopback and an ssh tunnel all reach the APIs
      default: (get) => (isIP(get('SERVICE_HOST')) === 6 ? '::' : '0.0.0.0'),
      defaultDoc: '0.0.0.0 (:: when SERVICE_HOST is an IPv6 address)',
      description:
        'Address the APIs and Horizon bind to. MariaDB, RabbitMQ, memcached and OVSDB stay on SERVICE_LOCAL_HOST ' +
        '(see DATABASE_HOST and RABBIT_HOST).',
    },
    {
      name: 'SERVICE_IP_VERSION',
      type: 'enum',
      choices: ['4'],
      replacedChoices: {
        '6':
          'tstack does not derive SERVICE_HOST from HOST_IPV6: the APIs are on SERVICE_HOST (HOST_IP), or on an ' +
          'IPv6 address if SERVICE_HOST is set to one',
      },
      default: '4',
      description: 'IP version the APIs are served and registered on; tstack implements 4.',
    },
    {
      name: 'SERVICE_PROTOCOL',
      type: 'enum',
      choices: ['http', 'https'],
      default: 'http',
      description: 'Protocol of the service endpoints.',
    },
    { name: 'REGION_NAME', type: 'string', default: 'RegionOne', description: 'Keystone region of every endpoint.' },
    {
      name: 'SERVICE_PROJECT_NAME',
      type: 'string',
      default: 'service',
      description: 'Keystone project of the service users (nova, glance...).',
    },
  ]),
  ...group('services', [
    {
      name: 'ENABLED_SERVICES',
      type: 'list',
      default: DEFAULT_ENABLED_SERVICES.join(','),
      description:
        'Enabled service short names. Change with enable_service/disable_service/disable_all_services, or `-name` ' +
        'entries to remove one.',
    },
  ]),
  ...group('install', [
    {
      name: 'INSTALL_METHOD',
      type: 'enum',
      choices: ['', 'source', 'distro'],
      default: '',
      defaultDoc: '(empty: chosen automatically)',
      description:
        "source: git checkouts under $DEST installed editable; distro: the distribution's OpenStack packages; " +
        'empty: source when GIT_BASE and a Python package index answer, else distro when the distribution ships ' +
        'OpenStack.',
    },
    {
      name: 'SOURCE_DEPS',
      type: 'enum',
      choices: ['pip', 'distro'],
      default: 'pip',
      description:
        'With the source method, where the Python dependencies come from: pip (upper-constraints) or the ' +
        "distribution's packages.",
    },
    {
      name: 'OFFLINE',
      type: 'bool',
      default: 'False',
      description: 'Run without network access (needs a previous online run).',
    },
    {
      name: 'APT_EATMYDATA',
      type: 'bool',
      default: 'True',
      description:
        "Install Debian's packages under eatmydata (package eatmydata): dpkg's fsync calls become no-ops, safe on a " +
        'dev VM (a power cut mid-install can leave packages half-written: reinstall them).',
    },
    {
      name: 'APT_NO_INSTALL_RECOMMENDS',
      type: 'bool',
      default: 'True',
      description:
        "Install Debian's packages with apt-get --no-install-recommends: only what they depend on (about half " +
        'as many packages on a fresh VM); every Recommends a service really uses is named in its files/debs list. ' +
        "False: apt's own default, Recommends too.",
    },
    {
      name: 'APT_BYTECOMPILE_TESTS',
      type: 'bool',
      default: 'False',
      description:
        "Byte-compile the test suites that Debian's Python packages ship (nova/tests, neutron/tests...) while dpkg " +
        'installs them. False: dh-python skips them (an exclude file, /usr/share/python3/bcep/tstack), as a stack ' +
        "never imports them; a fifth of dpkg's configuring on a fresh VM.",
    },
  ]),
  ...group('source', [
    { name: 'GIT_BASE', type: 'url', default: 'https://opendev.org', description: 'Base of every default *_REPO.' },
    { name: 'TARGET_BRANCH', type: 'string', default: 'master', description: 'Default of every *_BRANCH.' },
    {
      name: 'REQUIREMENTS_REPO',
      type: 'url',
      default: (get) => gitBaseRepo(get, 'requirements'),
      defaultDoc: '$GIT_BASE/openstack/requirements.git',
      description: 'Git repository of requirements (a URL or a local path).',
    },
    {
      name: 'REQUIREMENTS_BRANCH',
      type: 'string',
      default: '${TARGET_BRANCH}',
      description: 'Branch, tag, sha or refs/changes/... of requirements to check out.',
    },
    { name: 'GIT_DEPTH', type: 'int', default: '0', description: 'Shallow clone depth; 0 clones the full history.' },
    {
      name: 'RECLONE',
      type: 'bool',
      default: 'False',
      description:
        'Fetch and update existing checkouts to *_BRANCH; a checkout with uncommitted changes or unpushed commits ' +
        'is left alone with a warning naming them.',
    },
    {
      name: 'ERROR_ON_CLONE',
      type: 'bool',
      default: 'False',
      description: 'Fail instead of cloning a missing checkout.',
    },
    {
      name: 'LIBS_FROM_GIT',
      type: 'list',
      default: '',
      description: 'Libraries installed from git checkouts instead of packages (comma list, or ALL).',
    },
    {
      name: 'PIP_UPPER_CONSTRAINTS_FILE',
      type: 'string',
      default: '${DEST}/requirements/upper-constraints.txt',
      description: 'pip constraints for the source method (a path or URL).',
    },
  ]),
  ...group('images', [
    {
      name: 'DOWNLOAD_DEFAULT_IMAGES',
      type: 'bool',
      default: 'True',
      description: 'Add the CirrOS image to IMAGE_URLS.',
    },
    {
      name: 'CIRROS_VERSION',
      type: 'string',
      default: CIRROS_VERSION,
      description: 'CirrOS release of the default image.',
    },
    {
      name: 'CIRROS_ARCH',
      type: 'string',
      default: (_get, host) => host.machine(),
      defaultDoc: '`uname -m`',
      description: 'Architecture of the default image.',
    },
    {
      name: 'IMAGE_URLS',
      type: 'list',
      default: '',
      defaultDoc: `${DOCUMENTED_IMAGE_URL} when DOWNLOAD_DEFAULT_IMAGES`,
      description:
        'Images uploaded to glance (comma list). As in devstack, the CirrOS URL is appended to your list while ' +
        'DOWNLOAD_DEFAULT_IMAGES is True.',
    },
    {
      name: 'DEFAULT_IMAGE_NAME',
      type: 'string',
      default: 'cirros-${CIRROS_VERSION}-${CIRROS_ARCH}-disk',
      description: 'Glance name of the default image.',
    },
  ]),
  // --- issue 11: tstack's own CirrOS-compatible test image (lib/image/test-image.ts); not a devstack setting ---
  ...group('images', [
    {
      name: 'BUILD_TEST_IMAGE',
      type: 'enum',
      choices: ['auto', 'always', 'never'],
      default: 'auto',
      description:
        "tstack's CirrOS-compatible image, built offline from Debian packages (kernel, busybox, dropbear; " +
        'user cirros, password gocubsgo) and uploaded as tstack-cirros-x86_64-disk. auto: instead of CirrOS ' +
        'when DOWNLOAD_DEFAULT_IMAGES is True and CirrOS cannot be downloaded; always: instead of CirrOS, ' +
        'without trying to download it; never: as devstack.',
    },
  ]),
  // --- end of issue 11's rows ---
  ...group('network', [
    {
      name: 'FLOATING_RANGE',
      type: 'cidr',
      default: '172.24.4.0/24',
      description: 'Subnet of the public (external) network.',
    },
    {
      name: 'IPV4_ADDRS_SAFE_TO_USE',
      type: 'cidr',
      default: '10.0.0.0/22',
      description: 'Range tenant subnets are allocated from.',
    },
    {
      name: 'FIXED_RANGE',
      type: 'cidr',
      default: '${IPV4_ADDRS_SAFE_TO_USE}',
      description: 'Range of the private network.',
    },
  ]),
  ...group('database and messaging', [
    {
      name: 'DATABASE_TYPE',
      type: 'enum',
      choices: ['mysql'],
      default: 'mysql',
      description: 'Database backend (MariaDB on Debian).',
    },
    {
      name: 'DATABASE_HOST',
      type: 'string',
      // devstack: SERVICE_HOST; a database open to the network is only needed by another node
      default: '${SERVICE_LOCAL_HOST}',
      description:
        'Database server (MYSQL_HOST is an alias); MariaDB binds here. Loopback by default (devstack: SERVICE_HOST); ' +
        'set it to $HOST_IP for a compute node on another machine, the controller on a subnode.',
    },
    {
      name: 'DATABASE_USER',
      type: 'string',
      default: 'root',
      description: 'Database user of every service (MYSQL_USER is an alias).',
    },
    {
      name: 'RABBIT_HOST',
      type: 'string',
      default: '${SERVICE_LOCAL_HOST}',
      description:
        'RabbitMQ server; rabbit binds here. Loopback by default (devstack: SERVICE_HOST); set it to $HOST_IP for a ' +
        'compute node on another machine, the controller on a subnode.',
    },
    { name: 'RABBIT_USERID', type: 'string', default: 'stackrabbit', description: 'RabbitMQ user of every service.' },
  ]),
  ...group('passwords', [
    {
      name: 'DATABASE_PASSWORD',
      type: 'password',
      secret: true,
      default: '',
      description: 'Database password (MYSQL_PASSWORD is an alias). Asked, or generated without a TTY.',
    },
    {
      name: 'RABBIT_PASSWORD',
      type: 'password',
      secret: true,
      default: '',
      description: 'Password of RABBIT_USERID. Asked, or generated without a TTY.',
    },
    {
      name: 'SERVICE_PASSWORD',
      type: 'password',
      secret: true,
      default: '',
      description: 'Password of every service user (nova, glance...). Asked, or generated without a TTY.',
    },
    {
      name: 'ADMIN_PASSWORD',
      type: 'password',
      secret: true,
      default: '',
      description: 'Password of admin and the demo users (Horizon login). Asked, or generated without a TTY.',
    },
  ]),
  ...group('tuning', [
    {
      name: 'API_WORKERS',
      type: 'int',
      default: (_get, host) => String(apiWorkersFor(host.cpuCount())),
      defaultDoc: '1 up to 2 CPUs, else max(2, nproc/4) as in devstack',
      description: 'Worker processes per API service.',
    },
    {
      name: 'ENABLE_KSM',
      type: 'bool',
      default: 'True',
      description:
        "Kernel same-page merging (devstack's lib/host name and default): ksmd runs while the stack does, and " +
        "every pane's processes are marked mergeable (as systemd's MemoryKSM=yes): about 100 MiB less on the " +
        "default stack once ksmd has gone over it (minutes at the kernel's own pace, a few percent of one core). " +
        'unstack puts ksmd back as it found it.',
    },
    {
      name: 'SERVICE_TIMEOUT',
      type: 'int',
      default: '60',
      description: 'Seconds to wait for a service to become ready.',
    },
    { name: 'ENABLE_DEBUG_LOG_LEVEL', type: 'bool', default: 'True', description: 'Services log at DEBUG.' },
    { name: 'LOGDAYS', type: 'int', default: '7', description: 'Days of old logs kept.' },
    {
      name: 'RECREATE_DATABASES',
      type: 'bool',
      default: 'False',
      description: 'Drop and recreate the service databases (tstack never does unless asked).',
    },
    {
      name: 'UNSTACK_ALL',
      type: 'bool',
      default: 'False',
      description: 'unstack.ts also stops mysql and rabbit (like -a).',
    },
  ]),
  ...group('config files', [
    {
      name: 'CLOUDS_YAML',
      type: 'path',
      default: '/etc/openstack/clouds.yaml',
      description:
        "clouds.yaml with devstack's cloud entries (devstack-admin, devstack...), for `openstack --os-cloud`.",
    },
  ]),
];

/** Legacy names devstack still honours; the value goes to the canonical setting. */
export const SETTING_ALIASES: Readonly<Record<string, string>> = {
  MYSQL_PASSWORD: 'DATABASE_PASSWORD',
  MYSQL_HOST: 'DATABASE_HOST',
  MYSQL_USER: 'DATABASE_USER',
};

/** Unknown variables that look like credentials are masked too (LDAP_PASSWORD, SWIFT_HASH...). */
export function looksSecret(catalog: SettingsCatalog, name: string): boolean {
  const s = catalog.setting(name);
  if (s) return s.secret === true;
  return /(PASSWORD|SECRET|TOKEN|_HASH|_KEY)$/.test(name);
}

/** devstack's trueorfalse spellings; undefined when the value is neither. */
export function trueOrFalse(value: string): boolean | undefined {
  if (['1', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE'].includes(value)) return true;
  if (['0', 'no', 'No', 'NO', 'false', 'False', 'FALSE'].includes(value)) return false;
  return undefined;
}

// No C0 controls and no DEL in plain strings; passwords have their own rules (password-rules.ts).
const CONTROL = /[\u0000-\u001f\u007f]/;

type Validator = (value: string, setting: Setting) => string | undefined;

/** Per type: undefined when valid, else what is expected. */
const VALIDATORS: Record<SettingType, Validator> = {
  string: (v) => (CONTROL.test(v) ? 'control characters are not allowed' : undefined),
  password: (v, s) => passwordProblem(s.name, v),
  bool: (v) => (trueOrFalse(v) === undefined ? 'expected True or False (also 1/0, yes/no, true/false)' : undefined),
  int: (v) => (/^\d+$/.test(v) ? undefined : 'expected a whole number'),
  path: (v) => (v === '' || v.startsWith('/') ? undefined : 'expected an absolute path'),
  url: (v) =>
    v === '' || /^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(v) || v.startsWith('/') || /^[\w.-]+@[\w.-]+:\S+$/.test(v)
      ? undefined
      : 'expected a URL (https://..., git://..., file://...), user@host:path or an absolute path',
  cidr: (v) => (v === '' || parseCidr(v) ? undefined : 'expected an IPv4 CIDR like 10.0.0.0/22'),
  ip: (v) => (v === '' || isIP(v) !== 0 ? undefined : 'expected an IP address'),
  // Whitespace separates entries as bash's word splitting does (a quoted newline in IMAGE_URLS).
  list: (v) => (CONTROL.test(v.replace(/[\t\n\r]/g, ' ')) ? 'control characters are not allowed' : undefined),
  enum: (v, s) =>
    s.choices?.includes(v) ? undefined : `expected one of: ${(s.choices ?? []).map((c) => c || '(empty)').join(', ')}`,
};

/** undefined when `value` is valid for `setting`, else a message naming what is expected. */
export function validateValue(setting: Setting, value: string): string | undefined {
  return VALIDATORS[setting.type](value, setting);
}

/** The canonical spelling of a valid value (bools become True/False). */
export function normalizeValue(setting: Setting, value: string): string {
  if (setting.type === 'bool') {
    const b = trueOrFalse(value);
    return b === undefined ? value : b ? 'True' : 'False';
  }
  // devstack loops over ${LIST//,/ }: commas and any whitespace separate entries.
  if (setting.type === 'list' && /\s/.test(value))
    return value
      .split(/[,\s]+/)
      .filter(Boolean)
      .join(',');
  return value;
}

/** The default as documentation shows it (never host-specific). */
export function describeDefault(setting: Setting): string {
  if (setting.defaultDoc !== undefined) return setting.defaultDoc;
  if (typeof setting.default === 'function') return '(computed)';
  return setting.default;
}

/**
 * The known setting an unknown variable most likely meant (NOVA_BRANH ->
 * NOVA_BRANCH), or undefined when nothing is close: plugins' own variables
 * must not be flagged as typos.
 */
export function suggestSetting(catalog: SettingsCatalog, name: string): string | undefined {
  let best: { name: string; d: number } | undefined;
  for (const s of catalog.settings) {
    const d = editDistance(name.toUpperCase(), s.name);
    if (!best || d < best.d) best = { name: s.name, d };
  }
  return best && best.d > 0 && best.d <= Math.max(1, Math.floor(name.length / 6)) ? best.name : undefined;
}
