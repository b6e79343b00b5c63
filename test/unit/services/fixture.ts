// A Plan for config-generator tests: the settings a real run would resolve,
// built by the real plan builder over the real registry.

import type { MetaSection, StackConfig } from '../../../lib/types/config.ts';
import { buildPlan } from '../../../lib/plan/plan.ts';
import type { Plan } from '../../../lib/types/stack.ts';

export const PASSWORDS = {
  DATABASE_PASSWORD: 'db p@ss:/word%$',
  RABBIT_PASSWORD: 'rabbit#secret?&',
  SERVICE_PASSWORD: 'svc$pass',
  ADMIN_PASSWORD: 'admin-secret',
};

export const DEFAULT_SERVICES =
  'mysql,rabbit,memcached,key,g-api,placement-api,placement-client,n-api,n-api-meta,n-cond,n-sch,n-cpu,ovsdb-server,ovs-vswitchd,q-svc,q-agt,q-dhcp,q-l3,q-meta';

export function makePlan(values: Record<string, string> = {}, opts: { services?: string; metaSections?: MetaSection[]; method?: 'distro' | 'source' } = {}): Plan {
  const all: Record<string, string> = {
    DEST: '/opt/stack',
    DATA_DIR: '/opt/stack/data',
    LOGDIR: '/opt/stack/logs',
    SERVICE_DIR: '/opt/stack/status',
    SERVICE_HOST: '127.0.0.1',
    SERVICE_LOCAL_HOST: '127.0.0.1',
    DATABASE_HOST: '127.0.0.1',
    RABBIT_HOST: '127.0.0.1',
    RABBIT_USERID: 'stackrabbit',
    MEMCACHE_SERVERS: '127.0.0.1:11211',
    REGION_NAME: 'RegionOne',
    API_WORKERS: '1',
    SERVICE_TIMEOUT: '60',
    ENABLE_DEBUG_LOG_LEVEL: 'True',
    RECREATE_DATABASES: 'False',
    VIRT_DRIVER: 'fake',
    LIBVIRT_TYPE: 'kvm',
    PUBLIC_BRIDGE: 'br-ex',
    PUBLIC_PHYSICAL_NETWORK: 'public',
    NOVA_CONF: '/etc/nova/nova.conf',
    NOVA_CPU_CONF: '/etc/nova/nova-compute.conf',
    NEUTRON_CONF: '/etc/neutron/neutron.conf',
    Q_PLUGIN_CONF_FILE: 'etc/neutron/plugins/ml2/ml2_conf.ini',
    REQUIREMENTS_REPO: 'https://opendev.org/openstack/requirements.git',
    REQUIREMENTS_BRANCH: 'master',
    ...PASSWORDS,
    ...values,
  };
  const services = (opts.services ?? DEFAULT_SERVICES).split(',');
  const config: StackConfig = {
    values: all,
    enabledServices: services,
    plugins: [],
    metaSections: opts.metaSections ?? [],
    unknownVariables: [],
    origins: {},
  };
  const method = opts.method ?? 'distro';
  return buildPlan(config, { method, reason: 'test' });
}
