// Placement under uwsgi (pane `placement-api`).

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
  keystoneAuthtoken,
  manageStep,
  serviceHost,
  uwsgiIni,
  uwsgiPane,
  writeConf,
  dropDatabases,
  declinePkgTools,
} from './common.ts';
import { serviceUrl } from '../config/urls.ts';

/** Fixed: the WSGI app under uwsgi reads this path (the settings row only names it for local.conf). */
export const PLACEMENT_CONF = '/etc/placement/placement.conf';
export const PLACEMENT_UWSGI = '/etc/placement/tstack-uwsgi.ini';

export const placementPort = (plan: Plan): number => plan.int('PLACEMENT_SERVICE_PORT');

export function placementConf(plan: Plan): IniDoc {
  return iniDoc({
    DEFAULT: { debug: debug(plan) },
    api: { auth_strategy: 'keystone' },
    placement_database: { connection: databaseUrl(plan, 'placement', 'placement') },
    keystone_authtoken: keystoneAuthtoken(plan, 'placement'),
    oslo_policy: { policy_dirs: '/etc/placement/policy.d' },
  });
}

export const placementModule: ServiceModule = {
  name: 'placement',
  project: 'placement',
  // placement-client is devstack's name for "this host uses placement"; it has no pane
  shortNames: ['placement-api', 'placement-client'],
  settings: [
    ...settingGroup('services', [
      // devstack serves placement under /placement on port 80; tstack's uwsgi has its own port
      {
        name: 'PLACEMENT_SERVICE_PORT',
        type: 'int',
        default: '8778',
        description: 'Port of the placement API (uwsgi).',
      },
    ]),
    ...settingGroup('config files', [
      {
        name: 'PLACEMENT_CONF',
        type: 'path',
        default: PLACEMENT_CONF,
        description:
          "placement.conf, where placement's WSGI app reads it: the target of [[post-config|$PLACEMENT_CONF]] (not " +
          'movable).',
      },
    ]),
  ],
  repos: [{ name: 'placement', distroPackage: 'python3-placement' }],
  debconf: declinePkgTools('placement', ['configure_db', 'configure_ksat'], 'placement-api'),
  configFiles: () => [PLACEMENT_CONF, PLACEMENT_UWSGI, databaseClientFile('placement')],
  steps: (plan) => ({
    configure: [
      {
        id: 'placement:configure',
        title: 'placement.conf and uwsgi',
        async run(ctx) {
          await writeConf(ctx, PLACEMENT_CONF, placementConf(ctx.plan), 'placement');
          const ini = uwsgiIni(ctx.plan, {
            wsgiFile: binPath(ctx.plan, 'placement-api'),
            port: placementPort(ctx.plan),
            chdir: '/var/lib/placement',
            name: 'placement',
          });
          await writeConf(ctx, PLACEMENT_UWSGI, ini, 'placement', 0o644);
          await ctx.sh.run(['install', '-d', '-o', 'placement', '-g', 'placement', '-m', '0750', '/var/lib/placement']);
        },
      },
      ...(plan.isEnabled('placement-api') ? [databaseClientStep('placement', 'placement')] : []),
    ],
    start: plan.isEnabled('placement-api')
      ? [
          databaseStep(plan, 'placement', 'placement', ['placement']),
          manageStep({
            id: 'placement:db-sync',
            expectSec: 3,
            title: 'placement-manage db sync',
            after: ['placement:db'],
            user: 'placement',
            argv: (p) => [[binPath(p, 'placement-manage'), 'db', 'sync']],
            stamp: (p) => ({
              repos: placementModule.repos,
              schemas: ['placement'],
              files: placementModule.configFiles!(p),
            }),
          }),
        ]
      : [],
  }),
  async clean(ctx) {
    await dropDatabases(ctx, 'placement', ['placement']);
  },
  processes: (plan) =>
    plan.isEnabled('placement-api')
      ? [
          {
            ...uwsgiPane({
              name: 'placement-api',
              project: 'placement',
              user: 'placement',
              ini: PLACEMENT_UWSGI,
              port: placementPort(plan),
              host: serviceHost(plan),
              after: ['key', 'placement:db-sync'],
            }),
            codeFrom: codeFrom(plan),
          },
        ]
      : [],
  catalog: (plan) =>
    plan.isEnabled('placement-api')
      ? [
          {
            user: 'placement',
            extraRoles: ['admin'],
            service: { name: 'placement', type: 'placement', description: 'Placement Service' },
            url: serviceUrl(plan, placementPort(plan)),
          },
        ]
      : [],
};
