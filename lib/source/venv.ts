// The one venv every service of the source method runs from ($DATA_DIR/venv).
//
// Always made by Debian's /usr/bin/python3 (the pyenv python first on PATH
// cannot import Debian's modules). With SOURCE_DEPS=distro it sees the system
// site-packages, where the distro packages put the services' dependencies.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Shell } from '../types/shell.ts';
import type { SourceDeps } from './settings.ts';

export const SYSTEM_PYTHON = '/usr/bin/python3';

export interface PyvenvCfg {
  home?: string;
  systemSitePackages: boolean;
  version?: string;
}

/** pyvenv.cfg: `key = value` lines. */
export function parsePyvenvCfg(text: string): PyvenvCfg {
  const kv = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\s*([\w-]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (m) kv.set(m[1], m[2]);
  }
  return {
    home: kv.get('home'),
    systemSitePackages: kv.get('include-system-site-packages')?.toLowerCase() === 'true',
    version: kv.get('version') ?? kv.get('version_info'),
  };
}

export type VenvVerdict =
  | { verdict: 'ok' }
  | { verdict: 'create' }
  /** Exists but was made by another python or with the other site-packages setting: remade with --clear. */
  | { verdict: 'recreate'; why: string };

export function judgeVenv(cfg: PyvenvCfg | undefined, hasPython: boolean, deps: SourceDeps): VenvVerdict {
  if (!cfg || !hasPython) return { verdict: 'create' };
  if (cfg.home !== '/usr/bin')
    return { verdict: 'recreate', why: `made by ${cfg.home ?? 'an unknown python'}/python3, not ${SYSTEM_PYTHON}` };
  const want = deps === 'distro';
  if (cfg.systemSitePackages !== want) {
    return {
      verdict: 'recreate',
      why: `include-system-site-packages is ${cfg.systemSitePackages}, SOURCE_DEPS=${deps} needs ${want}`,
    };
  }
  return { verdict: 'ok' };
}

export function venvCreateArgv(venv: string, deps: SourceDeps, clear = false): string[] {
  return [
    SYSTEM_PYTHON,
    '-m',
    'venv',
    ...(deps === 'distro' ? ['--system-site-packages'] : []),
    ...(clear ? ['--clear'] : []),
    venv,
  ];
}

/** The venv's own python, which `pip` and every service script run under. */
export function venvPython(venv: string): string {
  return join(venv, 'bin', 'python');
}

export function readVenv(venv: string): { cfg?: PyvenvCfg; hasPython: boolean } {
  const file = join(venv, 'pyvenv.cfg');
  return {
    cfg: existsSync(file) ? parsePyvenvCfg(readFileSync(file, 'utf8')) : undefined,
    hasPython: existsSync(venvPython(venv)),
  };
}

/** Create (or remake) the venv when needed; returns what was done. */
export async function ensureVenv(sh: Shell, venv: string, deps: SourceDeps): Promise<VenvVerdict> {
  const { cfg, hasPython } = readVenv(venv);
  const v = judgeVenv(cfg, hasPython, deps);
  if (v.verdict !== 'ok') await sh.run(venvCreateArgv(venv, deps, v.verdict === 'recreate'));
  return v;
}
