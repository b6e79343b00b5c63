// Swift, devstack's lib/swift with one node: panes `s-proxy` (keystone auth:
// authtoken + keystoneauth), `s-object`, `s-container` and `s-account`, each
// server in the foreground with `-v` so its log is the pane's. Storage and
// rings are in swift/storage.ts.
//
// The replicators, updaters, auditors and container-sync are not run, as in
// devstack's gate (SWIFT_START_ALL_SERVICES=false, SWIFT_REPLICAS=1): with all
// replicas on one host and one disk there is no peer to replicate to, and
// each daemon would be one more python process (~40 MB) on a 2-core host.
// The proxy writes every replica itself, so objects are complete without them.

import { existsSync, readFileSync } from 'node:fs';
import type { Plan, ServiceModule } from '../types/stack.ts';
import type { ProcessSpec } from '../types/process.ts';
import { binPath } from '../source/paths.ts';
import { codeFrom } from '../source/index.ts';
import { iniDoc, type IniDoc, type IniSpec } from '../util/ini.ts';
import { settingGroup } from '../config/settings.ts';
import { serviceUrl, urlHost } from '../config/urls.ts';
import {
  apiWorkers,
  debug,
  enabledPanes,
  keystoneAuthtoken,
  memcacheServers,
  listenAddress,
  localHost,
  secret,
  writeConf,
} from './common.ts';
import {
  STORAGE_SERVERS,
  ensureSwiftStorage,
  removeSwiftStorage,
  ringBuilderArgvs,
  ringFiles,
  ringStamp,
  swiftLayout,
  unmountSwiftImages,
  type RingInputs,
  type StorageServer,
} from './swift/storage.ts';

/** Fixed like devstack's default: swift's tools look for /etc/swift. */
export const SWIFT_CONF_DIR = '/etc/swift';
export const SWIFT_CONF = `${SWIFT_CONF_DIR}/swift.conf`;
export const PROXY_CONF = `${SWIFT_CONF_DIR}/proxy-server.conf`;
/** keystonemiddleware reads its options (the swift user's password) from here through oslo.config. */
export const AUTHTOKEN_CONF = `${SWIFT_CONF_DIR}/tstack-authtoken.conf`;
const RING_STAMP = `${SWIFT_CONF_DIR}/tstack-rings.json`;
/** Debian's swift package creates this user; the servers drop to it and own the data. */
const USER = 'swift';
/** devstack's SWIFT_LOG_TOKEN_LENGTH. */
const LOG_TOKEN_LENGTH = 12;

const PORT_SETTING: Record<StorageServer, string> = {
  object: 'OBJECT_PORT_BASE',
  container: 'CONTAINER_PORT_BASE',
  account: 'ACCOUNT_PORT_BASE',
};

export const swiftProxyPort = (plan: Plan): number => plan.int('SWIFT_DEFAULT_BIND_PORT');
export const swiftServerPort = (plan: Plan, server: StorageServer): number => plan.int(PORT_SETTING[server]);
export const serverConfPath = (server: StorageServer): string => `${SWIFT_CONF_DIR}/${server}-server/1.conf`;

/**
 * swift.conf and the paste files are read by Python's ConfigParser with
 * interpolation (swift's readconf, paste.deploy): a literal `%` is `%%`.
 * Nothing else is special there; surrounding blanks are stripped.
 */
export function pasteValue(value: string): string {
  return value.replace(/%/g, '%%');
}

/** The object-store endpoint, devstack's form: `/v1/AUTH_$(project_id)s`. */
export function swiftUrl(plan: Plan): string {
  return serviceUrl(plan, swiftProxyPort(plan), '/v1/AUTH_$(project_id)s');
}

export function swiftConf(plan: Plan): IniDoc {
  return iniDoc({
    'swift-hash': { swift_hash_path_suffix: pasteValue(secret(plan, 'SWIFT_HASH')) },
    'storage-policy:0': { name: 'Policy-0', default: 'yes' },
    // devstack's SWIFT_MAX_FILE_SIZE with g-api (1 GiB); large objects go in segments (SLO/DLO)
    'swift-constraints': { max_file_size: 1073741824, max_header_size: 16384 },
  });
}

/** The proxy's pipeline: swift's sample with tempauth replaced by keystone (authtoken + keystoneauth). */
export const PROXY_PIPELINE = [
  'catch_errors',
  'gatekeeper',
  'healthcheck',
  'proxy-logging',
  'cache',
  'listing_formats',
  'bulk',
  'ratelimit',
  'authtoken',
  'keystoneauth',
  'copy',
  'container-quotas',
  'account-quotas',
  'slo',
  'dlo',
  'versioned_writes',
  'symlink',
  'proxy-logging',
  'proxy-server',
];

/** Filters that are swift's own eggs, by section name. */
const SWIFT_FILTERS: Record<string, string> = {
  catch_errors: 'catch_errors',
  gatekeeper: 'gatekeeper',
  healthcheck: 'healthcheck',
  'proxy-logging': 'proxy_logging',
  cache: 'memcache',
  listing_formats: 'listing_formats',
  bulk: 'bulk',
  ratelimit: 'ratelimit',
  keystoneauth: 'keystoneauth',
  copy: 'copy',
  'container-quotas': 'container_quotas',
  'account-quotas': 'account_quotas',
  slo: 'slo',
  dlo: 'dlo',
  versioned_writes: 'versioned_writes',
  symlink: 'symlink',
};

function common(plan: Plan, port: number, bind: string): Record<string, string | number | boolean> {
  return {
    bind_ip: bind,
    bind_port: port,
    user: USER,
    swift_dir: SWIFT_CONF_DIR,
    workers: apiWorkers(plan),
    log_level: debug(plan) ? 'DEBUG' : 'INFO',
  };
}

export function proxyServerConf(plan: Plan): IniDoc {
  const spec: IniSpec = {
    // devstack: one proxy worker
    DEFAULT: { ...common(plan, swiftProxyPort(plan), listenAddress(plan)), workers: 1 },
    'pipeline:main': { pipeline: PROXY_PIPELINE.join(' ') },
    'app:proxy-server': {
      use: 'egg:swift#proxy',
      account_autocreate: true,
      allow_account_management: true,
      node_timeout: 120,
      conn_timeout: 20,
    },
  };
  for (const [section, egg] of Object.entries(SWIFT_FILTERS)) spec[`filter:${section}`] = { use: `egg:swift#${egg}` };
  spec['filter:proxy-logging'].reveal_sensitive_prefix = LOG_TOKEN_LENGTH;
  spec['filter:cache'].memcache_servers = memcacheServers(plan);
  spec['filter:versioned_writes'].allow_versioned_writes = true;
  // keystoneauth lower-cases both sides; keystone's role is `member` today (devstack still writes `Member`)
  spec['filter:keystoneauth'].operator_roles = 'admin, member';
  spec['filter:authtoken'] = {
    'paste.filter_factory': 'keystonemiddleware.auth_token:filter_factory',
    // the rest, the password included, from an oslo.config file: paste cannot carry every password
    oslo_config_project: 'swift',
    oslo_config_file: AUTHTOKEN_CONF,
    delay_auth_decision: true,
    cache: 'swift.cache',
    include_service_catalog: false,
  };
  return iniDoc(spec);
}

/** [keystone_authtoken] for the proxy, read by keystonemiddleware's own oslo.config object. */
export function authtokenConf(plan: Plan): IniDoc {
  return iniDoc({ keystone_authtoken: keystoneAuthtoken(plan, 'swift') });
}

export function storageServerConf(plan: Plan, server: StorageServer): IniDoc {
  const l = swiftLayout(plan);
  return iniDoc({
    DEFAULT: {
      // the storage servers authenticate nobody: loopback only, where the rings point (devstack's
      // SWIFT_SERVICE_LOCAL_HOST; it binds them to SERVICE_LISTEN_ADDRESS all the same)
      ...common(plan, swiftServerPort(plan, server), localHost(plan)),
      devices: l.devicesRoot,
      // the devices are directories on one filesystem, not mounted disks
      mount_check: false,
      disable_fallocate: true,
    },
    'pipeline:main': { pipeline: `healthcheck recon ${server}-server` },
    [`app:${server}-server`]: { use: `egg:swift#${server}` },
    'filter:healthcheck': { use: 'egg:swift#healthcheck' },
    'filter:recon': { use: 'egg:swift#recon', recon_cache_path: l.cacheDir },
  });
}

/** What the rings hold: one device per replica on this host's storage servers. */
export function ringInputs(plan: Plan): RingInputs {
  return {
    host: urlHost(localHost(plan)),
    ports: portsOf(plan),
    devices: swiftLayout(plan).devices,
    replicas: plan.int('SWIFT_REPLICAS'),
  };
}

function portsOf(plan: Plan): Record<StorageServer, number> {
  return Object.fromEntries(STORAGE_SERVERS.map((s) => [s, swiftServerPort(plan, s)])) as Record<StorageServer, number>;
}

function storagePane(plan: Plan, server: StorageServer): ProcessSpec {
  const port = swiftServerPort(plan, server);
  return {
    name: `s-${server}`,
    project: 'swift',
    argv: [binPath(plan, `swift-${server}-server`), serverConfPath(server), '-v'],
    user: USER,
    cwd: swiftLayout(plan).dataDir,
    probe: { kind: 'http', url: `http://${urlHost(localHost(plan))}:${port}/healthcheck`, expectStatus: [200] },
    port,
    codeFrom: codeFrom(plan),
  };
}

export const swiftModule: ServiceModule = {
  name: 'swift',
  project: 'swift',
  shortNames: ['s-proxy', 's-object', 's-container', 's-account'],
  settings: [
    ...settingGroup('services', [
      {
        name: 'SWIFT_REPLICAS',
        type: 'int',
        default: '1',
        description: 'Replicas of each object; each is a device in its own zone on this host.',
      },
      {
        name: 'SWIFT_DATA_DIR',
        type: 'path',
        default: '${DATA_DIR}/swift',
        description: "Swift's disk image, its mount point (drives/sdb1) and the devices the servers use.",
      },
      {
        name: 'SWIFT_LOOPBACK_DISK_SIZE',
        type: 'string',
        // devstack's size with g-api (1G without, 6G with tempest); sparse, so only what is stored is used
        default: '2G',
        description:
          'Size of the sparse XFS image loop-mounted for swift. Where no loop-mounted XFS can be made, swift ' +
          'stores into a plain directory instead (the run says which).',
      },
      {
        name: 'SWIFT_DEFAULT_BIND_PORT',
        type: 'int',
        // devstack's 8080 is tstack's Horizon port (devstack's Horizon is on apache's 80)
        default: (get) => (get('HORIZON_PORT') === '8080' ? '8081' : '8080'),
        defaultDoc: "8080 as in devstack, 8081 while HORIZON_PORT is 8080 (tstack's Horizon default)",
        description: 'Port of the swift proxy (object-store API).',
      },
      { name: 'OBJECT_PORT_BASE', type: 'int', default: '6613', description: 'Port of the swift object server.' },
      {
        name: 'CONTAINER_PORT_BASE',
        type: 'int',
        default: '6611',
        description: 'Port of the swift container server.',
      },
      { name: 'ACCOUNT_PORT_BASE', type: 'int', default: '6612', description: 'Port of the swift account server.' },
    ]),
    ...settingGroup('passwords', [
      {
        name: 'SWIFT_HASH',
        type: 'password',
        secret: true,
        default: '',
        description:
          "Swift's hash path suffix (swift.conf); never change it once objects are stored. Asked, or generated " +
          'without a TTY.',
      },
    ]),
  ],
  passwords: ['SERVICE_PASSWORD', 'SWIFT_HASH'],
  repos: [{ name: 'swift', distroPackage: 'python3-swift' }],
  configFiles: () => [SWIFT_CONF, PROXY_CONF, AUTHTOKEN_CONF, ...STORAGE_SERVERS.map((s) => serverConfPath(s))],
  steps: () => ({
    configure: [
      {
        id: 'swift:configure',
        title: 'swift.conf, proxy-server.conf and the object, container and account servers',
        async run(ctx) {
          const dirs = STORAGE_SERVERS.map((s) => `${SWIFT_CONF_DIR}/${s}-server`);
          await ctx.sh.run(['install', '-d', '-o', 'root', '-g', USER, '-m', '0750', SWIFT_CONF_DIR, ...dirs]);
          await writeConf(ctx, SWIFT_CONF, swiftConf(ctx.plan), USER);
          await writeConf(ctx, PROXY_CONF, proxyServerConf(ctx.plan), USER);
          await writeConf(ctx, AUTHTOKEN_CONF, authtokenConf(ctx.plan), USER);
          for (const s of STORAGE_SERVERS)
            await writeConf(ctx, serverConfPath(s), storageServerConf(ctx.plan, s), USER);
        },
      },
    ],
    init: [
      {
        id: 'swift:storage',
        title: 'swift storage: a loop-mounted XFS image, or a directory where none can be made',
        async run(ctx) {
          const l = swiftLayout(ctx.plan);
          const r = await ensureSwiftStorage(ctx.sh, l, USER);
          const what =
            r.kind === 'xfs'
              ? `swift storage: XFS image ${l.image} (${l.size}) loop-mounted at ${l.mountPoint}`
              : `swift storage: directory ${l.mountPoint} (no loop-mounted XFS: ${r.reason})`;
          // a directory works but is not what devstack tests on: the summary shows it
          ctx.note(r.kind === 'xfs' ? 'info' : 'warning', what);
        },
      },
      {
        id: 'swift:rings',
        title: 'swift rings (swift-ring-builder create, add, rebalance)',
        after: ['swift:storage'],
        async run(ctx) {
          const inputs = ringInputs(ctx.plan);
          const stamp = ringStamp(inputs);
          const present = ringFiles(SWIFT_CONF_DIR).every((f) => existsSync(f));
          if (present && existsSync(RING_STAMP) && readFileSync(RING_STAMP, 'utf8') === stamp) {
            ctx.log.info('swift rings: unchanged, kept');
            return;
          }
          // devstack rebuilds from scratch; so do we when the layout changed
          await ctx.sh.run(['rm', '-rf', ...ringFiles(SWIFT_CONF_DIR), `${SWIFT_CONF_DIR}/backups`]);
          const builder = binPath(ctx.plan, 'swift-ring-builder');
          // swift-ring-builder is a python start-up per call (~1.5 s): the three rings side by side
          await Promise.all(
            ringBuilderArgvs(builder, SWIFT_CONF_DIR, inputs).map(async (chain) => {
              for (const argv of chain) await ctx.sh.run(argv);
            }),
          );
          await ctx.sh.run(['chgrp', '-R', USER, SWIFT_CONF_DIR]);
          await ctx.writeFile(RING_STAMP, stamp, { mode: 0o644, owner: 'root', group: USER });
          ctx.log.info(`swift rings: built for ${inputs.devices.join(', ')} on ${inputs.host}`);
        },
      },
    ],
  }),
  processes: (plan) =>
    enabledPanes(plan, [
      ...STORAGE_SERVERS.map((s) => storagePane(plan, s)),
      {
        name: 's-proxy',
        project: 'swift',
        argv: [binPath(plan, 'swift-proxy-server'), PROXY_CONF, '-v'],
        user: USER,
        cwd: swiftLayout(plan).dataDir,
        probe: { kind: 'http', url: serviceUrl(plan, swiftProxyPort(plan), '/info'), expectStatus: [200] },
        port: swiftProxyPort(plan),
        after: ['key', 'memcached', 's-object', 's-container', 's-account'],
        codeFrom: codeFrom(plan),
      },
    ]),
  catalog: (plan) =>
    plan.isEnabled('s-proxy')
      ? [
          {
            user: 'swift',
            extraRoles: ['admin'],
            service: { name: 'swift', type: 'object-store', description: 'Swift Service' },
            url: swiftUrl(plan),
          },
        ]
      : [],
  async stop(ctx) {
    for (const dir of await unmountSwiftImages(ctx.sh)) ctx.log.info(`swift: unmounted ${dir} (the image is kept)`);
  },
  async clean(ctx) {
    for (const what of await removeSwiftStorage(ctx.sh, swiftLayout(ctx.plan))) ctx.log.info(`removed ${what}`);
    await ctx.sh.run(['rm', '-rf', ...ringFiles(SWIFT_CONF_DIR), `${SWIFT_CONF_DIR}/backups`, RING_STAMP]);
  },
};
