// Find a running (or last) stack's directories without prompting for
// anything: `status`, `restart`, `attach` and `unstack.ts` start here.
// `up` writes .stackenv beside stack.ts; without it the directories come
// from local.conf, the environment and the defaults (never a prompt).

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TOP_DIR } from '../util/paths.ts';
import type { HostFacts } from '../types/config.ts';
import { loadSettings, localConfPathFor } from './resolve.ts';

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

export function locateStack(opts: {
  host: HostFacts;
  topDir?: string;
  env?: NodeJS.ProcessEnv;
  configPath?: string;
}): StackEnv {
  const topDir = opts.topDir ?? TOP_DIR;
  const env = opts.env ?? process.env;
  const file = stackEnvPath(topDir, env);
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as StackEnv;
  // No record of a run: the directories local.conf (or the environment, or the defaults) names.
  const v = loadSettings(['DEST', 'DATA_DIR', 'LOGDIR', 'SERVICE_DIR'], {
    topDir,
    env,
    configPath: opts.configPath,
    host: opts.host,
  });
  return {
    dest: v.DEST,
    dataDir: v.DATA_DIR,
    logDir: v.LOGDIR,
    stateDir: v.SERVICE_DIR,
    localConf: localConfPathFor({ topDir, configPath: opts.configPath }),
  };
}
