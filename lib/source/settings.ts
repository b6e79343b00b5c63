// The settings the source method reads, gathered once into a typed record.
//
// Values come from plan.config.values (every known setting and every unknown
// variable of local.conf), with devstack's defaults as fallbacks: per-library
// overrides such as OSLOCFG_REPO are not rows of the settings table, so a
// missing row must not be an error here.

import { join } from 'node:path';
import type { Plan } from '../plan/types.ts';

export type SourceDeps = 'pip' | 'distro';

export interface SourceSettings {
  dest: string;
  dataDir: string;
  gitBase: string;
  /** Branch used when <SVC>_BRANCH is unset (devstack's TARGET_BRANCH). */
  targetBranch: string;
  /** 0 = full history. */
  gitDepth: number;
  reclone: boolean;
  offline: boolean;
  errorOnClone: boolean;
  /** Library names from LIBS_FROM_GIT; `ALL` is expanded by repos.ts. */
  libsFromGit: string[];
  sourceDeps: SourceDeps;
  requirementsRepo: string;
  requirementsBranch: string;
  /** The upper-constraints file pip is constrained by (SOURCE_DEPS=pip). */
  constraintsFile: string;
}

const TRUE = new Set(['1', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE']);

/** devstack's trueorfalse over a raw value: anything else is false. */
export function isTrue(value: string | undefined): boolean {
  return value !== undefined && TRUE.has(value.trim());
}

/** A raw value, or the fallback when unset or empty. */
export function valueOf(plan: Pick<Plan, 'config'>, name: string, fallback: string): string {
  const v = plan.config.values[name];
  return v === undefined || v === '' ? fallback : v;
}

export function sourceSettings(plan: Pick<Plan, 'config' | 'dirs'>): SourceSettings {
  const dest = plan.dirs.dest;
  const gitBase = valueOf(plan, 'GIT_BASE', 'https://opendev.org').replace(/\/+$/, '');
  const targetBranch = valueOf(plan, 'TARGET_BRANCH', 'master');
  const depth = Number.parseInt(valueOf(plan, 'GIT_DEPTH', '0'), 10);
  const deps = valueOf(plan, 'SOURCE_DEPS', 'pip');
  return {
    dest,
    dataDir: plan.dirs.dataDir,
    gitBase,
    targetBranch,
    gitDepth: Number.isFinite(depth) && depth > 0 ? depth : 0,
    reclone: isTrue(plan.config.values.RECLONE),
    offline: isTrue(plan.config.values.OFFLINE),
    errorOnClone: isTrue(plan.config.values.ERROR_ON_CLONE),
    libsFromGit: valueOf(plan, 'LIBS_FROM_GIT', '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    sourceDeps: deps === 'distro' ? 'distro' : 'pip',
    requirementsRepo: valueOf(plan, 'REQUIREMENTS_REPO', `${gitBase}/openstack/requirements.git`),
    requirementsBranch: valueOf(plan, 'REQUIREMENTS_BRANCH', targetBranch),
    constraintsFile: valueOf(plan, 'PIP_UPPER_CONSTRAINTS_FILE', join(dest, 'requirements', 'upper-constraints.txt')),
  };
}
