// Reading a setting with a fallback: the one helper every subsystem uses for
// values that may be unset or empty (a plugin's knob, a plan built by a test).

import type { Plan } from '../types/stack.ts';

/** A setting's value, or `fallback` when it is unset or empty. */
export function valueOr(plan: Pick<Plan, 'config'>, name: string, fallback = ''): string {
  const v = plan.config.values[name];
  return v === undefined || v === '' ? fallback : v;
}

const TRUE = new Set(['1', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE']);

/** devstack's trueorfalse over a raw value: anything else is false. */
export function isTrue(value: string | undefined): boolean {
  return value !== undefined && TRUE.has(value.trim());
}

/** A boolean setting, or `fallback` when it is unset or empty. */
export function flagOr(plan: Pick<Plan, 'config'>, name: string, fallback: boolean): boolean {
  const v = plan.config.values[name];
  return v === undefined || v === '' ? fallback : isTrue(v);
}
