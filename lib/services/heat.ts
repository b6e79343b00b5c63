// Heat, as devstack's lib/heat ran it: panes `h-api` (orchestration API),
// `h-api-cfn` (CloudFormation API), both heat's own eventlet servers, and
// `h-eng`. The stack domain, its admin and heat's roles are made through
// keystone's API (heat/domain.ts) before the engine starts.

import { createHash } from 'node:crypto';
import type { Plan, ServiceModule } from '../types/stack.ts';
import type { ProcessSpec } from '../types/process.ts';
import { binPath } from '../source/paths.ts';
import { codeFrom } from '../source/index.ts';
import { iniDoc, osloString, type IniDoc } from '../util/ini.ts';
import { addSecret } from '../util/secrets.ts';
import { settingGroup } from '../config/settings.ts';
import { keystoneAuthUrl, keystoneUrl, regionName, serviceUrl } from '../config/urls.ts';
import {
  afterPanes,
  apiWorkers,
  databaseClientFile,
  databaseClientStep,
  databaseStep,
  databaseUrl,
  debug,
  dropDatabases,
  enabledPanes,
  ensureDirs,
  keystoneAuthtoken,
  manageStep,
  listenAddress,
  secret,
  transportUrl,
  writeConf,
  declinePkgTools,
} from './common.ts';
import { STACK_DOMAIN, STACK_DOMAIN_ADMIN, ensureHeatDomain, userIdPasswordCheck } from './heat/domain.ts';

const STATE = '/var/lib/heat';
/** devstack's HEAT_AUTH_CACHE_DIR. */
const CACHE = '/var/cache/heat';

export const heatConfPath = (plan: Plan): string => plan.get('HEAT_CONF');
export const heatApiPort = (plan: Plan): number => plan.int('HEAT_API_PORT');
export const heatCfnPort = (plan: Plan): number => plan.int('HEAT_API_CFN_PORT');
/** Where heat's servers and clients reach the CloudFormation API (metadata, wait conditions). */
export const heatCfnUrl = (plan: Plan): string => serviceUrl(plan, heatCfnPort(plan));

/**
 * heat.conf's auth_encryption_key encrypts the credentials heat keeps for
 * deferred operations; it must stay the same across runs and be 32
 * characters. devstack makes a new one each run (and so breaks stacks kept
 * in the database); tstack derives it from SERVICE_PASSWORD instead.
 */
export function authEncryptionKey(plan: Plan): string {
  const key = createHash('sha256')
    .update('tstack heat auth_encryption_key\0')
    .update(secret(plan, 'SERVICE_PASSWORD'))
    .digest('hex')
    .slice(0, 32);
  addSecret(key);
  return key;
}

/**
 * oslo.log's default_log_levels plus heat.engine.service at DEBUG: the engine
 * logs that it is up ("Service <id> is started") only at DEBUG, and h-eng's
 * readiness probe waits for that line.
 */
const ENGINE_LOG_LEVELS = [
  ...['amqp=WARN', 'amqplib=WARN', 'boto=WARN', 'qpid=WARN', 'sqlalchemy=WARN', 'suds=INFO'],
  ...['oslo.messaging=INFO', 'oslo_messaging=INFO', 'iso8601=WARN'],
  ...['requests.packages.urllib3.connectionpool=WARN', 'urllib3.connectionpool=WARN', 'websocket=WARN'],
  ...['requests.packages.urllib3.util.retry=WARN', 'urllib3.util.retry=WARN', 'keystonemiddleware=WARN'],
  ...['routes.middleware=WARN', 'stevedore=WARN', 'taskflow=WARN', 'keystoneauth=WARN', 'oslo.cache=INFO'],
  ...['oslo_policy=INFO', 'dogpile.core.dogpile=INFO', 'heat.engine.service=DEBUG'],
];
export const ENGINE_READY = 'Service [0-9a-f-]+ is (started|updated)';

export function heatConf(plan: Plan): IniDoc {
  const host = listenAddress(plan);
  const cfn = heatCfnUrl(plan);
  return iniDoc({
    DEFAULT: {
      debug: debug(plan),
      default_log_levels: debug(plan) ? undefined : ENGINE_LOG_LEVELS.join(','),
      transport_url: transportUrl(plan),
      heat_metadata_server_url: cfn,
      heat_waitcondition_server_url: `${cfn}/v1/waitcondition`,
      region_name_for_services: regionName(plan),
      auth_encryption_key: osloString(authEncryptionKey(plan)),
      // the domain by name: the config is written before keystone runs (devstack wrote its id afterwards)
      stack_user_domain_name: STACK_DOMAIN,
      stack_domain_admin: STACK_DOMAIN_ADMIN,
      stack_domain_admin_password: osloString(secret(plan, 'SERVICE_PASSWORD')),
      // heat's default is max(4, CPUs) engines of ~100 MB each; API_WORKERS (1 on 2 cores) serve a dev stack
      num_engine_workers: apiWorkers(plan),
    },
    database: { connection: databaseUrl(plan, 'heat', 'heat') },
    keystone_authtoken: keystoneAuthtoken(plan, 'heat'),
    // deferred operations (autoscaling, signals) run as the stack owner through trusts given to this user
    trustee: {
      auth_type: 'password',
      auth_url: keystoneUrl(plan),
      username: 'heat',
      password: osloString(secret(plan, 'SERVICE_PASSWORD')),
      user_domain_name: 'Default',
    },
    clients_keystone: { auth_uri: keystoneUrl(plan) },
    // the CloudFormation API checks EC2-style signatures against keystone
    ec2authtoken: { auth_uri: keystoneAuthUrl(plan) },
    heat_api: { bind_host: host, bind_port: heatApiPort(plan), workers: apiWorkers(plan) },
    heat_api_cfn: { bind_host: host, bind_port: heatCfnPort(plan), workers: apiWorkers(plan) },
    cache: { enabled: true, backend: 'dogpile.cache.memory' },
    oslo_concurrency: { lock_path: `${STATE}/lock` },
  });
}

function apiPane(plan: Plan, name: string, script: string, port: number): ProcessSpec {
  return {
    name,
    project: 'heat',
    argv: [binPath(plan, script), '--config-file', heatConfPath(plan)],
    user: 'heat',
    cwd: STATE,
    probe: { kind: 'http', url: `${serviceUrl(plan, port)}/` },
    port,
    after: ['key', 'heat:db-sync'],
    codeFrom: codeFrom(plan),
  };
}

export const heatModule: ServiceModule = {
  name: 'heat',
  project: 'heat',
  shortNames: ['h-api', 'h-api-cfn', 'h-eng'],
  settings: [
    ...settingGroup('services', [
      { name: 'HEAT_API_PORT', type: 'int', default: '8004', description: 'Port of the orchestration API.' },
      {
        name: 'HEAT_API_CFN_PORT',
        type: 'int',
        default: '8000',
        description: 'Port of the CloudFormation API (also metadata and wait conditions for guests).',
      },
    ]),
    ...settingGroup('config files', [
      { name: 'HEAT_CONF', type: 'path', default: '/etc/heat/heat.conf', description: 'heat.conf.' },
    ]),
  ],
  repos: [{ name: 'heat', distroPackage: 'python3-heat' }],
  debconf: declinePkgTools('heat', ['configure_db', 'configure_rabbit', 'configure_ksat'], 'heat-api'),
  configFiles: (plan) => [heatConfPath(plan), databaseClientFile('heat')],
  steps: (plan) => ({
    configure: [
      {
        id: 'heat:configure',
        title: 'heat.conf',
        async run(ctx) {
          await writeConf(ctx, heatConfPath(ctx.plan), heatConf(ctx.plan), 'heat');
          await ensureDirs(ctx, 'heat', [STATE, `${STATE}/lock`, CACHE]);
        },
      },
      databaseClientStep('heat', 'heat'),
    ],
    start: [
      databaseStep(plan, 'heat', 'heat', ['heat']),
      manageStep({
        id: 'heat:db-sync',
        expectSec: 8,
        title: 'heat-manage db_sync',
        after: ['heat:db'],
        user: 'heat',
        argv: (p) => [[binPath(p, 'heat-manage'), '--config-file', heatConfPath(p), 'db_sync']],
      }),
      {
        id: 'heat:domain',
        title: `keystone domain ${STACK_DOMAIN}, ${STACK_DOMAIN_ADMIN}, roles heat_stack_owner and heat_stack_user`,
        after: [...afterPanes(plan, 'key'), ...(plan.isEnabled('key') ? ['keystone:catalog'] : [])],
        async run(ctx) {
          const client = await ctx.openstack();
          const r = await ensureHeatDomain(client, secret(ctx.plan, 'SERVICE_PASSWORD'), {
            resetPassword: ctx.force,
            passwordWorks: userIdPasswordCheck(client.endpoint('identity')),
          });
          ctx.log.info(`heat domain: ${r.created.length ? `created ${r.created.join(', ')}` : 'unchanged'}`);
        },
      },
    ],
  }),
  async clean(ctx) {
    await dropDatabases(ctx, 'heat', ['heat']);
  },
  processes: (plan) =>
    enabledPanes(plan, [
      apiPane(plan, 'h-api', 'heat-api', heatApiPort(plan)),
      apiPane(plan, 'h-api-cfn', 'heat-api-cfn', heatCfnPort(plan)),
      {
        name: 'h-eng',
        project: 'heat',
        argv: [binPath(plan, 'heat-engine'), '--config-file', heatConfPath(plan)],
        user: 'heat',
        cwd: STATE,
        probe: { kind: 'log', pattern: ENGINE_READY },
        after: [...(plan.isEnabled('rabbit') ? ['rabbit', 'rabbit:user'] : []), 'heat:db-sync', 'heat:domain'],
        codeFrom: codeFrom(plan),
      },
    ]),
  catalog: (plan) => [
    {
      user: 'heat',
      extraRoles: ['admin'],
      service: { name: 'heat', type: 'orchestration', description: 'Heat Orchestration Service' },
      url: serviceUrl(plan, heatApiPort(plan), '/v1/$(project_id)s'),
    },
    {
      user: 'heat',
      extraRoles: ['admin'],
      service: { name: 'heat-cfn', type: 'cloudformation', description: 'Heat CloudFormation Service' },
      url: `${heatCfnUrl(plan)}/v1`,
    },
  ],
};
