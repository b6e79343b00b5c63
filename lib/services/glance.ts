// Glance with the file store (pane `g-api`, glance's own eventlet server:
// Debian's glance-api under uwsgi needs chunked-input tuning for uploads and
// gains nothing here).

import type { Plan, ServiceModule } from '../types/stack.ts';
import { binPath } from '../source/paths.ts';
import { iniDoc, type IniDoc } from '../util/ini.ts';
import { codeFrom, serviceRepo } from '../source/index.ts';
import { apiWorkers, databaseStep, databaseUrl, debug, ensureDirs, keystoneAuthtoken, manageStep, serviceHost, writeConf, dropDatabases, removeDirs } from './common.ts';

export const GLANCE_API_CONF = '/etc/glance/glance-api.conf';
const STATE = '/var/lib/glance';

export function glanceApiConf(plan: Plan): IniDoc {
  return iniDoc({
    DEFAULT: {
      debug: debug(plan),
      bind_host: serviceHost(plan),
      bind_port: 9292,
      workers: apiWorkers(plan),
      enabled_backends: 'fs:file',
    },
    database: { connection: databaseUrl(plan, 'glance', 'glance') },
    glance_store: { default_backend: 'fs' },
    fs: { filesystem_store_datadir: `${STATE}/images/` },
    os_glance_tasks_store: { filesystem_store_datadir: `${STATE}/tasks_work_dir` },
    os_glance_staging_store: { filesystem_store_datadir: `${STATE}/staging` },
    keystone_authtoken: keystoneAuthtoken(plan, 'glance'),
    paste_deploy: { flavor: 'keystone' },
    oslo_concurrency: { lock_path: `${STATE}/lock` },
  });
}

export const glanceModule: ServiceModule = {
  name: 'glance',
  project: 'glance',
  shortNames: ['g-api'],
  repos: (plan) => [serviceRepo(plan, 'glance', { distroPackage: 'python3-glance' })],
  configFiles: () => [GLANCE_API_CONF],
  steps: (plan) => ({
    configure: [
      {
        id: 'glance:configure',
        title: 'glance-api.conf and the image store',
        async run(ctx) {
          await writeConf(ctx, GLANCE_API_CONF, glanceApiConf(ctx.plan), 'glance');
          await ensureDirs(ctx, 'glance', [STATE, `${STATE}/images`, `${STATE}/tasks_work_dir`, `${STATE}/staging`, `${STATE}/lock`]);
        },
      },
    ],
    start: [
      databaseStep(plan, 'glance', 'glance', ['glance']),
      manageStep({ id: 'glance:db-sync', title: 'glance-manage db_sync', after: ['glance:db'], user: 'glance', argv: (p) => [[binPath(p, 'glance-manage'), 'db_sync']] }),
    ],
  }),
  async clean(ctx) {
    await dropDatabases(ctx, 'glance', ['glance']);
    await removeDirs(ctx, [`${STATE}/images`, `${STATE}/tasks_work_dir`, `${STATE}/staging`]);
  },
  processes: (plan) => [
    {
      name: 'g-api',
      project: 'glance',
      argv: [binPath(plan, 'glance-api'), '--config-file', GLANCE_API_CONF],
      user: 'glance',
      cwd: STATE,
      probe: { kind: 'http', url: `http://${serviceHost(plan)}:9292/` },
      port: 9292,
      after: ['key', 'glance:db-sync'],
      codeFrom: codeFrom(plan),
    },
  ],
  catalog: (plan) => [
    { user: 'glance', extraRoles: ['admin'], service: { name: 'glance', type: 'image', description: 'Glance Image Service' }, url: `http://${serviceHost(plan)}:9292` },
  ],
};
