// Keystone under uwsgi (pane `key`). Its database is synced and bootstrapped
// (admin user, admin project, RegionOne, the identity endpoint) before the
// pane starts, so the catalog step can log in the moment `key` is ready.

import { existsSync } from 'node:fs';
import type { Plan, ServiceModule } from '../types/stack.ts';
import { binPath } from '../source/paths.ts';
import { iniDoc, type IniDoc } from '../util/ini.ts';
import { codeFrom } from '../source/index.ts';
import { settingGroup } from '../config/settings.ts';
import {
  databaseClientFile,
  databaseClientStep,
  databaseStep,
  databaseUrl,
  debug,
  manageStep,
  memcacheServers,
  secret,
  serviceHost,
  uwsgiIni,
  uwsgiPane,
  writeConf,
  dropDatabases,
  removeDirs,
} from './common.ts';
import { keystoneAuthUrl, regionName } from '../config/urls.ts';

/** Fixed: the WSGI app under uwsgi reads this path (the settings row only names it for local.conf). */
export const KEYSTONE_CONF = '/etc/keystone/keystone.conf';
export const KEYSTONE_UWSGI = '/etc/keystone/tstack-uwsgi.ini';
const FERNET = '/etc/keystone/fernet-keys/';
const CREDENTIAL = '/etc/keystone/credential-keys/';

/** The identity API's port: the one definition, read by every keystone URL. */
export const keystonePort = (plan: Plan): number => plan.int('KEYSTONE_SERVICE_PORT');

export function keystoneConf(plan: Plan): IniDoc {
  return iniDoc({
    // no log_file/log_dir: oslo.log then writes to stdout, which is the pane's log
    DEFAULT: { debug: debug(plan) },
    database: { connection: databaseUrl(plan, 'keystone', 'keystone') },
    token: { provider: 'fernet' },
    cache: { enabled: true, backend: 'dogpile.cache.memcached', memcache_servers: memcacheServers(plan) },
    fernet_tokens: { key_repository: FERNET },
    credential: { key_repository: CREDENTIAL },
    oslo_policy: { policy_dirs: '/etc/keystone/policy.d' },
  });
}

/**
 * `keystone-manage bootstrap` argv: admin, RegionOne and the identity endpoint on SERVICE_HOST (not eth0).
 * The password goes in the environment (bootstrapEnv): an argument starting with `-` would be
 * taken for an option, and argv is visible to every user in ps.
 */
/** keystone-manage reads OS_BOOTSTRAP_PASSWORD before --bootstrap-password. */
export function bootstrapEnv(plan: Plan): Record<string, string> {
  return { OS_BOOTSTRAP_PASSWORD: secret(plan, 'ADMIN_PASSWORD') };
}

export function bootstrapArgv(plan: Plan): string[] {
  const url = keystoneAuthUrl(plan);
  return [
    binPath(plan, 'keystone-manage'),
    'bootstrap',
    '--bootstrap-username',
    'admin',
    '--bootstrap-project-name',
    'admin',
    '--bootstrap-role-name',
    'admin',
    '--bootstrap-service-name',
    'keystone',
    '--bootstrap-region-id',
    regionName(plan),
    '--bootstrap-admin-url',
    url,
    '--bootstrap-public-url',
    url,
    '--bootstrap-internal-url',
    url,
  ];
}

export const keystoneModule: ServiceModule = {
  name: 'keystone',
  installWave: 'early',
  project: 'keystone',
  shortNames: ['key'],
  settings: [
    ...settingGroup('services', [
      {
        name: 'KEYSTONE_SERVICE_PORT',
        type: 'int',
        default: '5000',
        description: 'Port of the identity API (uwsgi), in every keystone URL.',
      },
    ]),
    ...settingGroup('config files', [
      {
        name: 'KEYSTONE_CONF',
        type: 'path',
        default: KEYSTONE_CONF,
        description:
          "keystone.conf, where keystone's WSGI app reads it: the target of [[post-config|$KEYSTONE_CONF]] (not " +
          'movable).',
      },
    ]),
  ],
  // the admin user is bootstrapped with ADMIN_PASSWORD; the service users get SERVICE_PASSWORD
  passwords: ['ADMIN_PASSWORD', 'SERVICE_PASSWORD'],
  repos: [{ name: 'keystone', distroPackage: 'python3-keystone' }],
  debconf: [
    'keystone keystone/configure_db boolean false',
    'keystone keystone/create-admin-tenant boolean false',
    'keystone keystone/register-endpoint boolean false',
  ],
  configFiles: () => [KEYSTONE_CONF, KEYSTONE_UWSGI, databaseClientFile('keystone')],
  steps: (plan) => ({
    configure: [
      {
        id: 'keystone:configure',
        title: 'keystone.conf and uwsgi',
        async run(ctx) {
          await writeConf(ctx, KEYSTONE_CONF, keystoneConf(ctx.plan), 'keystone');
          const ini = uwsgiIni(ctx.plan, {
            wsgiFile: binPath(ctx.plan, 'keystone-wsgi-public'),
            port: keystonePort(ctx.plan),
            chdir: '/var/lib/keystone',
            name: 'keystone',
          });
          await writeConf(ctx, KEYSTONE_UWSGI, ini, 'keystone', 0o644);
          await ctx.sh.run(['install', '-d', '-o', 'keystone', '-g', 'keystone', '-m', '0750', '/var/lib/keystone']);
        },
      },
      databaseClientStep('keystone', 'keystone'),
    ],
    init: [
      {
        id: 'keystone:keys',
        expectSec: 7,
        title: 'fernet and credential key repositories',
        async run(ctx) {
          // both commands leave an existing repository alone, so tokens survive re-runs; when both
          // repositories have their first key, skip the two python start-ups (~4 s) altogether
          if (existsSync(`${FERNET}0`) && existsSync(`${CREDENTIAL}0`)) {
            ctx.log.info('keystone: fernet and credential keys present');
            return;
          }
          const m = binPath(ctx.plan, 'keystone-manage');
          await ctx.sh.run([m, 'fernet_setup', '--keystone-user', 'keystone', '--keystone-group', 'keystone']);
          await ctx.sh.run([m, 'credential_setup', '--keystone-user', 'keystone', '--keystone-group', 'keystone']);
        },
      },
    ],
    start: [
      databaseStep(plan, 'keystone', 'keystone', ['keystone']),
      manageStep({
        id: 'keystone:db-sync',
        expectSec: 6,
        title: 'keystone-manage db_sync',
        after: ['keystone:db'],
        user: 'keystone',
        argv: (p) => [[binPath(p, 'keystone-manage'), 'db_sync']],
        stamp: (p) => ({ repos: keystoneModule.repos, schemas: ['keystone'], files: keystoneModule.configFiles!(p) }),
      }),
      manageStep({
        id: 'keystone:bootstrap',
        expectSec: 5,
        title: 'keystone-manage bootstrap (admin, RegionOne, identity endpoint)',
        after: ['keystone:db-sync'],
        user: 'keystone',
        argv: (p) => [bootstrapArgv(p)],
        env: bootstrapEnv,
        // the admin user's password, should it change later, is the accounts seed's to put back
        stamp: (p) => ({
          repos: keystoneModule.repos,
          schemas: ['keystone'],
          values: [...bootstrapArgv(p), p.get('ADMIN_PASSWORD')],
        }),
      }),
    ],
  }),
  async clean(ctx) {
    await dropDatabases(ctx, 'keystone', ['keystone']);
    // fernet and credential keys only sign tokens of the dropped database
    await removeDirs(ctx, [FERNET, CREDENTIAL]);
  },
  processes: (plan) => [
    {
      ...uwsgiPane({
        name: 'key',
        project: 'keystone',
        user: 'keystone',
        ini: KEYSTONE_UWSGI,
        port: keystonePort(plan),
        host: serviceHost(plan),
        probePath: '/v3',
        after: ['mysql', 'memcached', 'keystone:bootstrap'],
      }),
      codeFrom: codeFrom(plan),
    },
  ],
};
