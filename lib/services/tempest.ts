// Tempest, off by default as in devstack (`enable_service tempest`): Debian's
// tempest package plus the plugins Debian has for the enabled services, the
// workspace $DEST/tempest where `./stack.ts tempest` runs it (stestr keeps
// its results there), and $TEMPEST_CONFIG written in the test-config phase,
// once the cloud is seeded: the ids it names exist only then. local.conf's
// [[test-config|$TEMPEST_CONFIG]] blocks are merged in, and the phase's
// merge step applies them again last (no change: same result).

import { join } from 'node:path';
import type { Plan, ServiceModule } from '../types/stack.ts';
import { settingGroup } from '../config/settings.ts';
import { renderIni, mergeIni } from '../util/ini.ts';
import { cinderBackends } from './cinder/backends.ts';
import { metaSectionsFor } from './common.ts';
import { tempestConf, tempestStateDir } from './tempest/conf.ts';
import { gatherFacts } from './tempest/facts.ts';

/** Debian's plugin package per service short name (devstack installs plugins through TEMPEST_PLUGINS). */
export const TEMPEST_PLUGIN_PACKAGES: Readonly<Record<string, string>> = {
  key: 'keystone-tempest-plugin',
  'g-api': 'glance-tempest-plugin',
  'c-api': 'cinder-tempest-plugin',
  'q-svc': 'neutron-tempest-plugin',
  horizon: 'horizon-tempest-plugin',
};

/** devstack's TEMPEST_DIR: the workspace (.stestr.conf, .stestr results, tempest.log). */
export function tempestDir(dest: string): string {
  return join(dest, 'tempest');
}

export const tempestConfigPath = (plan: Plan): string => plan.get('TEMPEST_CONFIG');

export function tempestPlugins(plan: Pick<Plan, 'isEnabled'>): string[] {
  return Object.entries(TEMPEST_PLUGIN_PACKAGES)
    .filter(([service]) => plan.isEnabled(service))
    .map(([, pkg]) => pkg);
}

export const tempestModule: ServiceModule = {
  name: 'tempest',
  // its steps come after `start`: its packages install while the services start
  installWave: 'late',
  project: 'tempest',
  shortNames: ['tempest'],
  settings: [
    ...settingGroup('services', [
      {
        name: 'BUILD_TIMEOUT',
        type: 'int',
        default: '196',
        description: 'Seconds tempest waits for a server or volume to change state (and for ssh to a guest).',
      },
      {
        name: 'TEMPEST_CONCURRENCY',
        type: 'int',
        default: '0',
        description: '`./stack.ts tempest` workers; 0: one per CPU (devstack: nproc).',
      },
    ]),
    ...settingGroup('config files', [
      {
        name: 'TEMPEST_CONFIG',
        type: 'path',
        default: '${DEST}/tempest/etc/tempest.conf',
        description: 'tempest.conf, written when tempest is enabled; target of [[test-config|$TEMPEST_CONFIG]].',
      },
    ]),
  ],
  passwords: ['ADMIN_PASSWORD'],
  extraPackages: (plan) => tempestPlugins(plan),
  configFiles: (plan) => [tempestConfigPath(plan)],
  steps: () => ({
    configure: [
      {
        id: 'tempest:workspace',
        title: 'tempest workspace and state directory',
        async run(ctx) {
          const dir = tempestDir(ctx.plan.dirs.dest);
          await ctx.sh.run(['install', '-d', '-m', '0755', dir, join(dir, 'etc'), tempestStateDir(ctx.plan)]);
        },
      },
    ],
    'test-config': [
      {
        id: 'tempest:configure',
        title: 'tempest.conf from the plan and the cloud (images, flavors, networks, extensions)',
        async run(ctx) {
          const plan = ctx.plan;
          const backends = plan.isEnabled('c-vol') ? cinderBackends(plan) : [];
          const facts = await gatherFacts(await ctx.openstack(), plan, backends);
          const path = tempestConfigPath(plan);
          const doc = mergeIni(tempestConf(plan, facts), metaSectionsFor(plan, path, 'test-config'));
          await ctx.sh.run(['install', '-d', '-m', '0755', join(path, '..')]);
          // it holds the admin password: root only, like .localrc.password
          await ctx.writeFile(
            path,
            renderIni(doc, 'Written by tstack; local.conf [[test-config|...]] blocks merged.'),
            {
              mode: 0o600,
            },
          );
          ctx.log.info(
            `tempest.conf: image ${facts.imageRef}, flavor ${facts.flavorRef}, public network ` +
              `${facts.publicNetworkId ?? '(none)'}, ${facts.networkExtensions.length} network extensions`,
          );
        },
      },
    ],
  }),
  processes: () => [],
};
