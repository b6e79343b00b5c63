// The settings the source method reads, gathered once into a typed record.
//
// Values come from plan.config.values (every known setting and every unknown
// variable of local.conf), with devstack's defaults as fallbacks: per-library
// overrides such as OSLOCFG_REPO are not rows of the settings table, so a
// missing row must not be an error here.

import { join } from 'node:path';
import type { Plan } from '../types/stack.ts';
import { isTrue, valueOr } from '../plan/values.ts';

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

export function sourceSettings(plan: Pick<Plan, 'config' | 'dirs'>): SourceSettings {
  const dest = plan.dirs.dest;
  const gitBase = valueOr(plan, 'GIT_BASE', 'https://opendev.org').replace(/\/+$/, '');
  const targetBranch = valueOr(plan, 'TARGET_BRANCH', 'master');
  const depth = Number.parseInt(valueOr(plan, 'GIT_DEPTH', '0'), 10);
  const deps = valueOr(plan, 'SOURCE_DEPS', 'pip');
  return {
    dest,
    dataDir: plan.dirs.dataDir,
    gitBase,
    targetBranch,
    gitDepth: Number.isFinite(depth) && depth > 0 ? depth : 0,
    reclone: isTrue(plan.config.values.RECLONE),
    offline: isTrue(plan.config.values.OFFLINE),
    errorOnClone: isTrue(plan.config.values.ERROR_ON_CLONE),
    libsFromGit: valueOr(plan, 'LIBS_FROM_GIT', '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    sourceDeps: deps === 'distro' ? 'distro' : 'pip',
    requirementsRepo: valueOr(plan, 'REQUIREMENTS_REPO', `${gitBase}/openstack/requirements.git`),
    requirementsBranch: valueOr(plan, 'REQUIREMENTS_BRANCH', targetBranch),
    constraintsFile: valueOr(plan, 'PIP_UPPER_CONSTRAINTS_FILE', join(dest, 'requirements', 'upper-constraints.txt')),
  };
}
