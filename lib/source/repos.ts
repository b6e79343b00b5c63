// Which git repositories the source method checks out, and where from.
//
// Services declare theirs as data (ServiceModule.repos; the plan turns each
// into a RepoSpec with serviceRepo() below); this module adds the requirements
// repo (for upper-constraints) and the libraries named in LIBS_FROM_GIT, whose
// <PREFIX>_REPO/_BRANCH overrides are settings rows too (libraryRows()).

import { join } from 'node:path';
import type { Plan } from '../types/stack.ts';
import type { RepoSpec } from '../types/service.ts';
import type { Setting } from '../types/config.ts';
import { repoPrefix, repoRows } from '../config/catalog.ts';
import { sourceSettings } from './settings.ts';

/**
 * Libraries LIBS_FROM_GIT may name: devstack's override prefix
 * (`OSLOCFG_REPO`, `OSLOCFG_BRANCH`) and the Debian package that ships the
 * same code (checked on Debian 12 with `dpkg -S`).
 */
export const LIBRARIES: Readonly<Record<string, { prefix: string; distroPackage: string }>> = {
  automaton: { prefix: 'AUTOMATON', distroPackage: 'python3-automaton' },
  castellan: { prefix: 'CASTELLAN', distroPackage: 'python3-castellan' },
  cliff: { prefix: 'CLIFF', distroPackage: 'python3-cliff' },
  debtcollector: { prefix: 'DEBTCOLLECTOR', distroPackage: 'python3-debtcollector' },
  futurist: { prefix: 'FUTURIST', distroPackage: 'python3-futurist' },
  glance_store: { prefix: 'GLANCE_STORE', distroPackage: 'python3-glance-store' },
  keystoneauth1: { prefix: 'KEYSTONEAUTH', distroPackage: 'python3-keystoneauth1' },
  keystonemiddleware: { prefix: 'KEYSTONEMIDDLEWARE', distroPackage: 'python3-keystonemiddleware' },
  'neutron-lib': { prefix: 'NEUTRON_LIB', distroPackage: 'python3-neutron-lib' },
  openstacksdk: { prefix: 'OPENSTACKSDK', distroPackage: 'python3-openstacksdk' },
  'os-brick': { prefix: 'OS_BRICK', distroPackage: 'python3-os-brick' },
  'os-resource-classes': { prefix: 'OS_RESOURCE_CLASSES', distroPackage: 'python3-os-resource-classes' },
  'os-traits': { prefix: 'OS_TRAITS', distroPackage: 'python3-os-traits' },
  'os-vif': { prefix: 'OS_VIF', distroPackage: 'python3-os-vif' },
  'osc-lib': { prefix: 'OSC_LIB', distroPackage: 'python3-osc-lib' },
  'oslo.cache': { prefix: 'OSLOCACHE', distroPackage: 'python3-oslo.cache' },
  'oslo.concurrency': { prefix: 'OSLOCON', distroPackage: 'python3-oslo.concurrency' },
  'oslo.config': { prefix: 'OSLOCFG', distroPackage: 'python3-oslo.config' },
  'oslo.context': { prefix: 'OSLOCTX', distroPackage: 'python3-oslo.context' },
  'oslo.db': { prefix: 'OSLODB', distroPackage: 'python3-oslo.db' },
  'oslo.i18n': { prefix: 'OSLOI18N', distroPackage: 'python3-oslo.i18n' },
  'oslo.log': { prefix: 'OSLOLOG', distroPackage: 'python3-oslo.log' },
  'oslo.messaging': { prefix: 'OSLOMSG', distroPackage: 'python3-oslo.messaging' },
  'oslo.middleware': { prefix: 'OSLOMID', distroPackage: 'python3-oslo.middleware' },
  'oslo.policy': { prefix: 'OSLOPOLICY', distroPackage: 'python3-oslo.policy' },
  'oslo.privsep': { prefix: 'OSLOPRIVSEP', distroPackage: 'python3-oslo.privsep' },
  'oslo.reports': { prefix: 'OSLOREPORTS', distroPackage: 'python3-oslo.reports' },
  'oslo.rootwrap': { prefix: 'OSLORWRAP', distroPackage: 'python3-oslo.rootwrap' },
  'oslo.serialization': { prefix: 'OSLOSERIALIZATION', distroPackage: 'python3-oslo.serialization' },
  'oslo.service': { prefix: 'OSLOSERVICE', distroPackage: 'python3-oslo.service' },
  'oslo.upgradecheck': { prefix: 'OSLOUPGRADECHECK', distroPackage: 'python3-oslo.upgradecheck' },
  'oslo.utils': { prefix: 'OSLOUTILS', distroPackage: 'python3-oslo.utils' },
  'oslo.versionedobjects': { prefix: 'OSLOVERSIONEDOBJECTS', distroPackage: 'python3-oslo.versionedobjects' },
  osprofiler: { prefix: 'OSPROFILER', distroPackage: 'python3-osprofiler' },
  pycadf: { prefix: 'PYCADF', distroPackage: 'python3-pycadf' },
  'python-cinderclient': { prefix: 'CINDERCLIENT', distroPackage: 'python3-cinderclient' },
  'python-glanceclient': { prefix: 'GLANCECLIENT', distroPackage: 'python3-glanceclient' },
  'python-keystoneclient': { prefix: 'KEYSTONECLIENT', distroPackage: 'python3-keystoneclient' },
  'python-neutronclient': { prefix: 'NEUTRONCLIENT', distroPackage: 'python3-neutronclient' },
  'python-novaclient': { prefix: 'NOVACLIENT', distroPackage: 'python3-novaclient' },
  'python-openstackclient': { prefix: 'OPENSTACKCLIENT', distroPackage: 'python3-openstackclient' },
  stevedore: { prefix: 'STEVEDORE', distroPackage: 'python3-stevedore' },
  taskflow: { prefix: 'TASKFLOW', distroPackage: 'python3-taskflow' },
  tooz: { prefix: 'TOOZ', distroPackage: 'python3-tooz' },
};

/** The override rows of every library LIBS_FROM_GIT may name (devstack's GITREPO/GITBRANCH entries). */
export function libraryRows(): Setting[] {
  return repoRows(
    Object.entries(LIBRARIES).map(([name, l]) => ({ name, prefix: l.prefix })),
    'libraries (LIBS_FROM_GIT)',
  );
}

type PlanView = Pick<Plan, 'get' | 'bool' | 'int' | 'dirs'>;

/**
 * The RepoSpec of a project: `<PREFIX>_REPO` at `<PREFIX>_BRANCH` in
 * $DEST/<name> (the rows' defaults: $GIT_BASE/openstack/<name>.git and
 * TARGET_BRANCH). The plan calls this for each ServiceModule.repos entry.
 */
export function serviceRepo(
  plan: PlanView,
  name: string,
  opts: { distroPackage?: string; prefix?: string } = {},
): RepoSpec {
  const prefix = repoPrefix({ name, prefix: opts.prefix });
  return {
    name,
    url: plan.get(`${prefix}_REPO`),
    ref: plan.get(`${prefix}_BRANCH`),
    dir: join(plan.dirs.dest, name),
    distroPackage: opts.distroPackage,
  };
}

/**
 * Libraries named in LIBS_FROM_GIT (`ALL` = every library in LIBRARIES). A
 * name tstack does not list has no override rows: it is cloned from
 * $GIT_BASE/openstack/<name>.git at TARGET_BRANCH, packaged as python3-<name>.
 */
export function libraryRepos(plan: PlanView): RepoSpec[] {
  const s = sourceSettings(plan);
  const wanted = s.libsFromGit.includes('ALL') ? Object.keys(LIBRARIES) : s.libsFromGit;
  return [...new Set(wanted)].map((n) => {
    const known = LIBRARIES[n];
    if (known) return serviceRepo(plan, n, known);
    const url = `${s.gitBase}/openstack/${n}.git`;
    return {
      name: n,
      url,
      ref: s.targetBranch,
      dir: join(s.dest, n),
      distroPackage: `python3-${n.replace(/^python-/, '')}`,
    };
  });
}

/** openstack/requirements, for upper-constraints.txt (only needed when pip resolves dependencies). */
export function requirementsRepo(plan: PlanView): RepoSpec {
  const s = sourceSettings(plan);
  return {
    name: 'requirements',
    url: s.requirementsRepo,
    ref: s.requirementsBranch,
    dir: join(s.dest, 'requirements'),
  };
}

export interface SourceRepos {
  /** Cloned but not installed (requirements). */
  dataRepos: RepoSpec[];
  /** Installed editable, libraries first so the services' dependencies resolve to them. */
  installRepos: RepoSpec[];
}

/**
 * Everything the source method checks out: the plan's service repos plus
 * LIBS_FROM_GIT, and the requirements repo only when pip resolves
 * dependencies (with SOURCE_DEPS=distro nothing reads upper-constraints, and
 * an offline GIT_BASE may not even have it).
 */
export function sourceRepos(plan: PlanView & Pick<Plan, 'repos'>): SourceRepos {
  const s = sourceSettings(plan);
  const isRequirements = (r: RepoSpec) => r.name === 'requirements';
  const seen = new Set<string>();
  const uniq = (r: RepoSpec): boolean => (seen.has(r.dir) ? false : (seen.add(r.dir), true));
  const dataRepos =
    s.sourceDeps === 'pip' ? [plan.repos.find(isRequirements) ?? requirementsRepo(plan)].filter(uniq) : [];
  const installRepos = [...libraryRepos(plan), ...plan.repos.filter((r) => !isRequirements(r))].filter(uniq);
  return { dataRepos, installRepos };
}

/**
 * The checkouts a pane of `project` runs code from, with the source method:
 * the project's own (nova for n-api and n-cpu alike) and every LIBS_FROM_GIT
 * library; the supervisor restarts the pane when one of them moves on.
 */
export function paneCodeDirs(plan: PlanView & Pick<Plan, 'repos'>, project: string): string[] {
  const libraries = new Set(libraryRepos(plan).map((r) => r.dir));
  return sourceRepos(plan)
    .installRepos.filter((r) => r.name === project || libraries.has(r.dir))
    .map((r) => r.dir);
}
