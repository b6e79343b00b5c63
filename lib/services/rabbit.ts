// RabbitMQ as a pane, bound to loopback and named rabbit@localhost so it does
// not depend on the host name. The stackrabbit user is made once the broker
// answers; `guest` is deleted.

import { stepStamp } from '../source/stamp.ts';
import type { Plan, ServiceModule } from '../types/stack.ts';
import { deleteRabbitUser, ensureRabbitUser } from '../system/rabbit.ts';
import { afterPanes, rabbitHost, secret } from './common.ts';
import { settingGroup } from '../config/settings.ts';

export const RABBITMQ_ENV_CONF = '/etc/rabbitmq/rabbitmq-env.conf';
const HOME = '/var/lib/rabbitmq';

/** AMQP port of the broker, in rabbitmq-env.conf and every transport_url. */
export const rabbitPort = (plan: Plan): number => plan.int('RABBIT_PORT');

function erlIp(host: string): string {
  return `{${host.split('.').join(',')}}`;
}

/** rabbitmq-env.conf: read by the server and by rabbitmqctl, so both agree on the node name. */
export function rabbitmqEnvConf(plan: Plan): string {
  const host = rabbitHost(plan);
  const dist = /^\d+\.\d+\.\d+\.\d+$/.test(host) ? erlIp(host) : '{127,0,0,1}';
  return [
    '# Written by tstack',
    'NODENAME=rabbit@localhost',
    `NODE_IP_ADDRESS=${host}`,
    `NODE_PORT=${rabbitPort(plan)}`,
    `export ERL_EPMD_ADDRESS=${host}`,
    `SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface ${dist}"`,
    `CTL_ERL_ARGS="-kernel inet_dist_use_interface ${dist}"`,
    '',
  ].join('\n');
}

export const rabbitModule: ServiceModule = {
  name: 'rabbit',
  installWave: 'early',
  project: 'infra',
  shortNames: ['rabbit'],
  settings: settingGroup('database and messaging', [
    {
      name: 'RABBIT_PORT',
      type: 'int',
      default: '5672',
      description: 'AMQP port of RabbitMQ (in every transport_url).',
    },
  ]),
  passwords: ['RABBIT_PASSWORD'],
  configFiles: () => [RABBITMQ_ENV_CONF],
  steps: (plan) => ({
    configure: [
      {
        id: 'rabbit:configure',
        title: 'RabbitMQ node settings',
        async run(ctx) {
          await ctx.writeFile(RABBITMQ_ENV_CONF, rabbitmqEnvConf(ctx.plan), { mode: 0o644 });
          await ctx.sh.run([
            'install',
            '-d',
            '-o',
            'rabbitmq',
            '-g',
            'rabbitmq',
            '-m',
            '0750',
            '/var/log/rabbitmq',
            HOME,
          ]);
        },
      },
    ],
    start: [
      {
        id: 'rabbit:user',
        title: 'RabbitMQ user (guest removed)',
        after: afterPanes(plan, 'rabbit'),
        // users live in the node's mnesia directory: a new one (after --clean) needs the user again
        stamp: stepStamp((p) => ({
          paths: [`${HOME}/mnesia/rabbit@localhost`],
          values: [p.get('RABBIT_USERID'), p.get('RABBIT_PASSWORD')],
        })),
        async run(ctx) {
          const user = ctx.plan.get('RABBIT_USERID');
          const r = await ensureRabbitUser(ctx.sh, user, secret(ctx.plan, 'RABBIT_PASSWORD'));
          ctx.log.info(`rabbit user ${user}: ${r}`);
        },
      },
    ],
  }),
  async stop(ctx) {
    // epmd is started by the first Erlang node on the host (the broker, or rabbitmqctl run by a
    // probe) and daemonises; with no node registered any more it exits on request
    const r = await ctx.sh.run(['/usr/bin/epmd', '-kill'], {
      allowFailure: true,
      env: { ERL_EPMD_ADDRESS: '127.0.0.1' },
    });
    if (r.code === 0) ctx.log.info('rabbit: epmd stopped');
  },
  async clean(ctx) {
    await deleteRabbitUser(ctx.sh, ctx.plan.get('RABBIT_USERID'));
  },
  processes: (plan) => [
    {
      name: 'rabbit',
      project: 'infra',
      // the /usr/sbin wrapper redirects output to a startup_log when run as rabbitmq; the real script logs to the pane
      argv: ['/usr/lib/rabbitmq/bin/rabbitmq-server'],
      user: 'rabbitmq',
      cwd: HOME,
      env: { HOME, ERL_EPMD_ADDRESS: rabbitHost(plan), RABBITMQ_LOGS: '-' },
      // Readiness from the broker's own log, not `rabbitmqctl await_startup`: the CLI starts epmd
      // itself when none runs yet, and an epmd started by a probe belongs to no pane.
      probe: { kind: 'log', pattern: 'Server startup complete' },
      port: rabbitPort(plan),
      codeFrom: 'package',
      stopGraceSec: 30,
    },
  ],
};
