// Reading a resolved setting: the one way code gets a value out of a
// StackConfig (Plan.get/bool/int delegate here). A name that is not a row of
// the settings catalog throws, so a forgotten row fails the first test that
// reaches the read instead of falling back to a default written at the call.

import type { StackConfig } from '../types/config.ts';
import { trueOrFalse } from './settings.ts';

export function readSetting(config: StackConfig, name: string): string {
  const v = config.catalog.setting(name) ? config.values[name] : undefined;
  if (v === undefined)
    throw new Error(
      `setting ${name} is not in the settings table (core rows: lib/config/settings.ts; a service's: its module)`,
    );
  return v;
}

export function readBool(config: StackConfig, name: string): boolean {
  const b = trueOrFalse(readSetting(config, name));
  if (b === undefined) throw new Error(`setting ${name}=${config.values[name]} is not a boolean`);
  return b;
}

export function readInt(config: StackConfig, name: string): number {
  const v = readSetting(config, name);
  if (!/^-?\d+$/.test(v)) throw new Error(`setting ${name}=${v} is not a whole number`);
  return Number(v);
}
