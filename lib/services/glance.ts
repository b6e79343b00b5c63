// Glance with the file store (pane `g-api`, glance's own eventlet server:
// Debian's glance-api under uwsgi needs chunked-input tuning for uploads and
// gains nothing here).

import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Plan, ServiceModule } from '../types/stack.ts';
import { binPath } from '../source/paths.ts';
import { iniDoc, type IniDoc } from '../util/ini.ts';
import { codeFrom } from '../source/index.ts';
import { inProcessUnlessMany, settingGroup } from '../config/settings.ts';
import {
  databaseClientFile,
  databaseClientStep,
  databaseStep,
  databaseUrl,
  debug,
  ensureDirs,
  keystoneAuthtoken,
  manageStep,
  listenAddress,
  writeConf,
  dropDatabases,
  removeDirs,
  declinePkgTools,
} from './common.ts';
import { serviceUrl } from '../config/urls.ts';

const STATE = '/var/lib/glance';

export const glanceApiConfPath = (plan: Plan): string => plan.get('GLANCE_API_CONF');
export const glancePort = (plan: Plan): number => plan.int('GLANCE_SERVICE_PORT');
/** The image API as other services reach it (cinder's glance_api_servers, the catalog). */
export const glanceUrl = (plan: Plan): string => serviceUrl(plan, glancePort(plan));

/** The JSON metadata definitions: Debian's /etc/glance/metadefs, or the checkout's etc/metadefs. */
/** The tables db_load_metadefs fills. */
const METADEF_TABLES = [
  'metadef_namespaces',
  'metadef_namespace_resource_types',
  'metadef_objects',
  'metadef_properties',
  'metadef_resource_types',
  'metadef_tags',
];

/** The definitions db_load_metadefs reads: a new package's changed or added files make it run again. */
function jsonFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => join(dir, f));
}

export function metadefsDir(plan: Plan): string {
  return plan.method.method === 'source' ? `${plan.dirs.dest}/glance/etc/metadefs` : '/etc/glance/metadefs';
}

export function glanceApiConf(plan: Plan): IniDoc {
  return iniDoc({
    DEFAULT: {
      debug: debug(plan),
      bind_host: listenAddress(plan),
      bind_port: glancePort(plan),
      workers: plan.int('GLANCE_WORKERS'),
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
  settings: [
    ...settingGroup('services', [
      { name: 'GLANCE_SERVICE_PORT', type: 'int', default: '9292', description: 'Port of the image API.' },
    ]),
    ...settingGroup('tuning', [
      {
        name: 'GLANCE_WORKERS',
        type: 'int',
        default: (get) => inProcessUnlessMany(get('API_WORKERS')),
        defaultDoc: '$API_WORKERS when above 1, else 0',
        description:
          "glance-api's worker processes (workers; devstack's uwsgi runs $API_WORKERS). 0 serves the API in " +
          "glance-api's own process instead of forking one copy of it.",
      },
    ]),
    ...settingGroup('config files', [
      {
        name: 'GLANCE_API_CONF',
        type: 'path',
        default: '/etc/glance/glance-api.conf',
        description: 'glance-api.conf.',
      },
    ]),
  ],
  repos: [{ name: 'glance', distroPackage: 'python3-glance' }],
  debconf: declinePkgTools('glance', ['configure_db', 'configure_rabbit', 'configure_ksat'], 'glance-api'),
  configFiles: (plan) => [glanceApiConfPath(plan), databaseClientFile('glance')],
  steps: (plan) => ({
    configure: [
      {
        id: 'glance:configure',
        title: 'glance-api.conf and the image store',
        async run(ctx) {
          await writeConf(ctx, glanceApiConfPath(ctx.plan), glanceApiConf(ctx.plan), 'glance');
          await ensureDirs(ctx, 'glance', [
            STATE,
            `${STATE}/images`,
            `${STATE}/tasks_work_dir`,
            `${STATE}/staging`,
            `${STATE}/lock`,
          ]);
        },
      },
      databaseClientStep('glance', 'glance'),
    ],
    start: [
      databaseStep(plan, 'glance', 'glance', ['glance']),
      manageStep({
        id: 'glance:db-sync',
        expectSec: 5,
        title: 'glance-manage db_sync',
        after: ['glance:db'],
        user: 'glance',
        argv: (p) => [[binPath(p, 'glance-manage'), 'db_sync']],
        stamp: (p) => ({ repos: glanceModule.repos, schemas: ['glance'], files: glanceModule.configFiles!(p) }),
      }),
      // devstack's init_glance: the metadata definitions Horizon's "Update Metadata" screens and nova's
      // flavor/image properties come from (GET /v2/metadefs/...); existing namespaces are kept on a re-run
      manageStep({
        id: 'glance:metadefs',
        expectSec: 5,
        title: 'glance-manage db_load_metadefs',
        after: ['glance:db-sync'],
        user: 'glance',
        argv: (p) => [
          [binPath(p, 'glance-manage'), '--config-file', glanceApiConfPath(p), 'db_load_metadefs', metadefsDir(p)],
        ],
        // two seconds of python on every run otherwise (the longest step of a warm converge): skipped while
        // the code, the definitions' files and the tables they were loaded into are unchanged
        stamp: (p) => ({
          repos: glanceModule.repos,
          schemas: ['glance'],
          tables: METADEF_TABLES.map((t) => `glance.${t}`),
          files: [...glanceModule.configFiles!(p), ...jsonFiles(metadefsDir(p))],
        }),
      }),
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
      argv: [binPath(plan, 'glance-api'), '--config-file', glanceApiConfPath(plan)],
      user: 'glance',
      cwd: STATE,
      probe: { kind: 'http', url: `${glanceUrl(plan)}/` },
      port: glancePort(plan),
      after: ['key', 'glance:metadefs'],
      codeFrom: codeFrom(plan),
    },
  ],
  catalog: (plan) => [
    {
      user: 'glance',
      extraRoles: ['admin'],
      service: { name: 'glance', type: 'image', description: 'Glance Image Service' },
      url: glanceUrl(plan),
    },
  ],
};
