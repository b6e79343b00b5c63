// memcached: keystone's token cache and keystonemiddleware's cache.

import type { ServiceModule } from '../types/stack.ts';
import { serviceHost } from './common.ts';

export const memcachedModule: ServiceModule = {
  name: 'memcached',
  project: 'infra',
  shortNames: ['memcached'],
  processes: (plan) => [
    {
      name: 'memcached',
      project: 'infra',
      argv: ['/usr/bin/memcached', '-l', serviceHost(plan), '-p', '11211', '-m', '64', '-c', '1024', '-v'],
      user: 'memcache',
      probe: { kind: 'tcp', host: serviceHost(plan), port: 11211 },
      port: 11211,
      codeFrom: 'package',
    },
  ],
};
