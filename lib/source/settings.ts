// The settings the source method reads, gathered once into a typed record.
// Every one is a row of the core settings table (lib/config/settings.ts).

import type { Plan } from '../types/stack.ts';

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

export function sourceSettings(plan: Pick<Plan, 'get' | 'bool' | 'int' | 'dirs'>): SourceSettings {
  const depth = plan.int('GIT_DEPTH');
  return {
    dest: plan.dirs.dest,
    dataDir: plan.dirs.dataDir,
    gitBase: plan.get('GIT_BASE').replace(/\/+$/, ''),
    targetBranch: plan.get('TARGET_BRANCH'),
    gitDepth: Math.max(depth, 0),
    reclone: plan.bool('RECLONE'),
    offline: plan.bool('OFFLINE'),
    errorOnClone: plan.bool('ERROR_ON_CLONE'),
    libsFromGit: plan
      .get('LIBS_FROM_GIT')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    sourceDeps: plan.get('SOURCE_DEPS') === 'distro' ? 'distro' : 'pip',
    requirementsRepo: plan.get('REQUIREMENTS_REPO'),
    requirementsBranch: plan.get('REQUIREMENTS_BRANCH'),
    constraintsFile: plan.get('PIP_UPPER_CONSTRAINTS_FILE'),
  };
}
