// A Plan for config-generator tests: a local.conf with these passwords (and
// the test's values) resolved by the real resolveConfig, built by the real
// plan builder over the real registry.

import type { MetaSection } from '../../../lib/types/config.ts';
import type { Plan } from '../../../lib/types/stack.ts';
import { testPlan } from '../plan-fixture.ts';

export const PASSWORDS = {
  DATABASE_PASSWORD: 'db p@ss:/word%$',
  RABBIT_PASSWORD: 'rabbit#secret?&',
  SERVICE_PASSWORD: 'svc$pass',
  ADMIN_PASSWORD: 'admin-secret',
};

export const DEFAULT_SERVICES = [
  ...['mysql', 'rabbit', 'memcached', 'key', 'g-api', 'placement-api', 'placement-client'],
  ...['n-api', 'n-api-meta', 'n-cond', 'n-sch', 'n-cpu', 'ovsdb-server', 'ovs-vswitchd'],
  ...['q-svc', 'q-agt', 'q-dhcp', 'q-l3', 'q-meta'],
].join(',');

export function makePlan(
  values: Record<string, string> = {},
  opts: { services?: string; metaSections?: MetaSection[]; method?: 'distro' | 'source' } = {},
): Plan {
  return testPlan(
    { ...PASSWORDS, ...values },
    { services: opts.services ?? DEFAULT_SERVICES, metaSections: opts.metaSections, method: opts.method },
  );
}
