// A Plan for config-generator tests: a local.conf with these passwords (and
// the test's values) resolved by the real resolveConfig, built by the real
// plan builder over the real registry.

import type { Plan } from '../../../lib/types/stack.ts';
import { type TestPlanOptions, testPlan } from '../plan-fixture.ts';

export const PASSWORDS = {
  DATABASE_PASSWORD: 'db p@ss:/word%$',
  RABBIT_PASSWORD: 'rabbit#secret?&',
  SERVICE_PASSWORD: 'svc$pass',
  ADMIN_PASSWORD: 'admin-secret',
};

/** The services of tstack's ML2/OVS stack (Q_AGENT=openvswitch, which makePlan sets unless told otherwise). */
export const DEFAULT_SERVICES = [
  ...['mysql', 'rabbit', 'memcached', 'key', 'g-api', 'placement-api', 'placement-client'],
  ...['n-api', 'n-api-meta', 'n-cond', 'n-sch', 'n-cpu', 'ovsdb-server', 'ovs-vswitchd'],
  ...['q-svc', 'q-agt', 'q-dhcp', 'q-l3', 'q-meta'],
].join(',');

/** The same stack on ML2/OVN, devstack's default backend (Q_AGENT=ovn). */
export const OVN_SERVICES = DEFAULT_SERVICES.replace(
  'q-svc,q-agt,q-dhcp,q-l3,q-meta',
  'q-svc,ovn-northd,ovn-controller,q-ovn-metadata-agent',
);

export function makePlan(
  values: Record<string, string> = {},
  opts: Pick<TestPlanOptions, 'metaSections' | 'method' | 'decisions'> & { services?: string } = {},
): Plan {
  return testPlan(
    { ...PASSWORDS, Q_AGENT: 'openvswitch', ...values },
    { ...opts, services: opts.services ?? DEFAULT_SERVICES },
  );
}
