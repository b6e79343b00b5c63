// Find a running (or last) stack's directories without prompting for
// anything: `status`, `restart`, `attach` and `unstack.ts` start here.
// `up` writes .stackenv beside stack.ts; without it we fall back to the
// defaults ($DEST from the environment, else /opt/stack).

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TOP_DIR } from '../util/paths.ts';

export interface StackEnv {
  dest: string;
  dataDir: string;
  logDir: string;
  /** $SERVICE_DIR: panes/<pane>.json and steps.json. */
  stateDir: string;
  /** The local.conf used by the last run. */
  localConf?: string;
}

/** `TSTACK_STACKENV` overrides the location (tests point it at a temp stack). */
export function stackEnvPath(topDir = TOP_DIR, env: NodeJS.ProcessEnv = process.env): string {
  return env.TSTACK_STACKENV || join(topDir, '.stackenv');
}

export function writeStackEnv(env: StackEnv, topDir = TOP_DIR): void {
  writeFileSync(stackEnvPath(topDir), JSON.stringify(env, null, 2) + '\n');
}

export function locateStack(opts: { topDir?: string; env?: NodeJS.ProcessEnv } = {}): StackEnv {
  const topDir = opts.topDir ?? TOP_DIR;
  const env = opts.env ?? process.env;
  const file = stackEnvPath(topDir, env);
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as StackEnv;
  const dest = env.DEST || '/opt/stack';
  const dataDir = env.DATA_DIR || join(dest, 'data');
  return {
    dest,
    dataDir,
    logDir: env.LOGDIR || join(dest, 'logs'),
    stateDir: env.SERVICE_DIR || join(dest, 'status'),
  };
}
