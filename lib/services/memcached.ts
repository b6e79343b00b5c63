// memcached: keystone's token cache and keystonemiddleware's cache.

import type { ServiceModule } from '../types/stack.ts';
import { settingGroup } from '../config/settings.ts';
import { localHost } from './common.ts';

export const MEMCACHED_PORT = 11211;

export const memcachedModule: ServiceModule = {
  name: 'memcached',
  installWave: 'early',
  project: 'infra',
  shortNames: ['memcached'],
  settings: settingGroup('database and messaging', [
    {
      name: 'MEMCACHE_SERVERS',
      type: 'string',
      default: `\${SERVICE_LOCAL_HOST}:${MEMCACHED_PORT}`,
      description: "memcached for keystone tokens and the services' caches.",
    },
  ]),
  processes: (plan) => [
    {
      name: 'memcached',
      project: 'infra',
      argv: [
        '/usr/bin/memcached',
        '-l',
        // its clients are on this machine (MEMCACHE_SERVERS); an open memcached would serve tokens to anyone
        localHost(plan),
        '-p',
        String(MEMCACHED_PORT),
        '-m',
        '64',
        '-c',
        '1024',
        '-v',
      ],
      user: 'memcache',
      probe: { kind: 'tcp', host: localHost(plan), port: MEMCACHED_PORT },
      port: MEMCACHED_PORT,
      codeFrom: 'package',
    },
  ],
};
