// Seeding reads a few settings that the settings table may not (yet) list;
// devstack's defaults apply when a value is missing or empty.

import type { Plan } from '../types/stack.ts';
import { valueOr } from '../plan/values.ts';

/** Where clients reach keystone: SERVICE_HOST (services listen there), else loopback. */
export function keystoneUrl(plan: Plan): string {
  const host = valueOr(plan, 'SERVICE_HOST', '127.0.0.1');
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `${valueOr(plan, 'SERVICE_PROTOCOL', 'http')}://${h}:5000/v3`;
}

export function regionName(plan: Plan): string {
  return valueOr(plan, 'REGION_NAME', 'RegionOne');
}
