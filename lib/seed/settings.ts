// The keystone URL and region the seeding clients use (rows of the settings
// catalog: SERVICE_HOST, SERVICE_PROTOCOL, keystone's KEYSTONE_SERVICE_PORT, REGION_NAME).

import type { Plan } from '../types/stack.ts';

/** Where clients reach keystone: SERVICE_HOST, where the services listen. */
export function keystoneUrl(plan: Plan): string {
  const host = plan.get('SERVICE_HOST');
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `${plan.get('SERVICE_PROTOCOL')}://${h}:${plan.int('KEYSTONE_SERVICE_PORT')}/v3`;
}

export function regionName(plan: Plan): string {
  return plan.get('REGION_NAME');
}
