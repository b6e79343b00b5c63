// Placement under uwsgi (pane `placement-api`).

import type { Plan, ServiceModule } from '../types/stack.ts';
import { binPath } from '../source/paths.ts';
import { iniDoc, type IniDoc } from '../util/ini.ts';
import { codeFrom, serviceRepo } from '../source/index.ts';
import { databaseStep, databaseUrl, debug, keystoneAuthtoken, manageStep, serviceHost, uwsgiIni, uwsgiPane, writeConf, dropDatabases } from './common.ts';

export const PLACEMENT_CONF = '/etc/placement/placement.conf';
export const PLACEMENT_UWSGI = '/etc/placement/tstack-uwsgi.ini';

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
  repos: (plan) => [serviceRepo(plan, 'placement', { distroPackage: 'python3-placement' })],
  configFiles: () => [PLACEMENT_CONF, PLACEMENT_UWSGI],
  steps: (plan) => ({
    configure: [
      {
        id: 'placement:configure',
        title: 'placement.conf and uwsgi',
        async run(ctx) {
          await writeConf(ctx, PLACEMENT_CONF, placementConf(ctx.plan), 'placement');
          const ini = uwsgiIni(ctx.plan, { wsgiFile: binPath(ctx.plan, 'placement-api'), port: 8778, chdir: '/var/lib/placement', name: 'placement' });
          await writeConf(ctx, PLACEMENT_UWSGI, ini, 'placement', 0o644);
          await ctx.sh.run(['install', '-d', '-o', 'placement', '-g', 'placement', '-m', '0750', '/var/lib/placement']);
        },
      },
    ],
    start: plan.isEnabled('placement-api')
      ? [
          databaseStep(plan, 'placement', 'placement', ['placement']),
          manageStep({ id: 'placement:db-sync', title: 'placement-manage db sync', after: ['placement:db'], user: 'placement', argv: (p) => [[binPath(p, 'placement-manage'), 'db', 'sync']] }),
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
              port: 8778,
              host: serviceHost(plan),
              after: ['key', 'placement:db-sync'],
            }),
            codeFrom: codeFrom(plan),
          },
        ]
      : [],
  catalog: (plan) =>
    plan.isEnabled('placement-api')
      ? [{ user: 'placement', extraRoles: ['admin'], service: { name: 'placement', type: 'placement', description: 'Placement Service' }, url: `http://${serviceHost(plan)}:8778` }]
      : [],
};
