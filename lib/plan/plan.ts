// StackConfig + method + service modules -> Plan: which modules run, their
// panes in start order, the checkouts and the distro packages. Reads only
// the files/debs lists; changes nothing.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StackConfig } from '../types/config.ts';
import type { ProcessSpec } from '../types/process.ts';
import type { InstallWave, Plan, ServiceModule } from '../types/stack.ts';
import { SERVICE_MODULES } from '../services/registry.ts';
import { readBool, readInt, readSetting } from '../config/read.ts';
import { TOP_DIR } from '../util/paths.ts';
import { paneCodeDirs, serviceRepo, sourceRepos } from '../source/repos.ts';
import { sourcePackages } from '../source/index.ts';
import type { MethodChoice, PlanDecision, PlanDirs } from '../types/plan.ts';

export interface BuildPlanOptions {
  /** Where stack.ts lives; files/debs is read from here. */
  topDir?: string;
  /** Settings chosen from probes of the machine (LIBVIRT_TYPE). */
  decisions?: PlanDecision[];
}

/** A devstack package list: one package per line, `#` comments and blank lines ignored. */
export function parsePackageList(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean)
    .flatMap((l) => l.split(/\s+/));
}

export function readPackageList(topDir: string, moduleName: string): string[] {
  const file = join(topDir, 'files', 'debs', moduleName);
  return existsSync(file) ? parsePackageList(readFileSync(file, 'utf8')) : [];
}

/**
 * Start order: each pane after the panes in its `after` list, otherwise in
 * registry order. `after` names that are not in the plan (a disabled
 * service) impose nothing.
 */
export function orderProcesses(specs: readonly ProcessSpec[]): ProcessSpec[] {
  const names = new Set(specs.map((s) => s.name));
  const done = new Set<string>();
  const out: ProcessSpec[] = [];
  const pending = [...specs];
  while (pending.length > 0) {
    const i = pending.findIndex((s) => (s.after ?? []).every((a) => !names.has(a) || done.has(a)));
    if (i < 0) {
      const waits = pending.map((s) => `${s.name} (after ${(s.after ?? []).join(', ')})`);
      throw new Error(`panes wait for each other: ${waits.join('; ')}`);
    }
    const [next] = pending.splice(i, 1);
    out.push(next);
    done.add(next.name);
  }
  return out;
}

function unique<T>(items: T[], key: (t: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((t) => {
    const k = key(t);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export function buildPlan(
  config: StackConfig,
  method: MethodChoice,
  modules: readonly ServiceModule[] = SERVICE_MODULES,
  opts: BuildPlanOptions = {},
): Plan {
  const topDir = opts.topDir ?? TOP_DIR;
  const get = (name: string): string => readSetting(config, name);
  const enabled = new Set(config.enabledServices);
  const isEnabled = (shortName: string) => enabled.has(shortName);
  // Services devstack enables implicitly (libvirt for n-cpu with VIRT_DRIVER=libvirt).
  for (const m of modules) {
    if (m.impliedBy?.({ config, get, isEnabled })) for (const n of m.shortNames) enabled.add(n);
  }
  const dirs: PlanDirs = {
    dest: get('DEST'),
    dataDir: get('DATA_DIR'),
    logDir: get('LOGDIR'),
    stateDir: get('SERVICE_DIR'),
    filesDir: join(topDir, 'files'),
    topDir,
  };
  const plan: Plan = {
    config,
    get,
    bool: (name) => readBool(config, name),
    int: (name) => readInt(config, name),
    isEnabled,
    method,
    decisions: opts.decisions ?? [],
    dirs,
    services: modules.filter((m) => m.shortNames.some((n) => enabled.has(n))),
    processes: [],
    repos: [],
    packages: [],
    waves: { early: { modules: [], packages: [] }, late: { modules: [], packages: [] } },
  };

  // A module's pane named after one of its short names runs only when that name is enabled
  // (n-cpu off on a controller-only node); other panes follow the module.
  const specs = plan.services.flatMap((m) =>
    m.processes(plan).filter((p) => !m.shortNames.includes(p.name) || enabled.has(p.name)),
  );
  const duplicate = specs.find((s, i) => specs.findIndex((t) => t.name === s.name) !== i);
  if (duplicate) throw new Error(`two panes are named '${duplicate.name}'`);
  plan.processes = orderProcesses(specs);
  // ENABLE_KSM: every pane's memory may be merged (lib/system/ksm.ts switches ksmd on)
  if (plan.bool('ENABLE_KSM')) plan.processes = plan.processes.map((p) => ({ ...p, memoryMerge: true }));

  if (method.method === 'source') {
    // The service repos, plus LIBS_FROM_GIT, plus requirements only when pip
    // resolves dependencies (lib/source/repos.ts decides; one source of truth).
    plan.repos = unique(
      plan.services.flatMap((m) => (m.repos ?? []).map((r) => serviceRepo(plan, r.name, r))),
      (r) => r.name,
    );
    const { dataRepos, installRepos } = sourceRepos(plan);
    plan.repos = [...dataRepos, ...installRepos];
    plan.processes = plan.processes.map((p) =>
      p.codeFrom === 'checkout' ? { ...p, codeDirs: paneCodeDirs(plan, p.project) } : p,
    );
  }

  const modulePackages = (m: ServiceModule) => [...readPackageList(topDir, m.name), ...(m.extraPackages?.(plan) ?? [])];
  plan.packages = unique(
    [...plan.services.flatMap(modulePackages), ...(method.method === 'source' ? sourcePackages(plan) : [])],
    (p) => p,
  );
  plan.waves = installWaves(plan, modulePackages);
  return plan;
}

/**
 * The apt runs around the main one (ServiceModule.installWave), for a distro install; from source, none. The early
 * wave carries every module's earlyPackages too; the late one only what no module of another wave lists.
 */
function installWaves(plan: Plan, packagesOf: (m: ServiceModule) => string[]): Plan['waves'] {
  const distro = plan.method.method === 'distro';
  const inWave = (w: InstallWave) => (distro ? plan.services.filter((m) => m.installWave === w) : []);
  const [early, late] = [inWave('early'), inWave('late')];
  const planned = new Set(plan.packages);
  const earlyPackages = [
    ...new Set([...early.flatMap(packagesOf), ...plan.services.flatMap((m) => m.earlyPackages?.(plan) ?? [])]),
  ]
    .filter((p) => planned.has(p))
    .sort();
  const others = new Set([...earlyPackages, ...plan.services.filter((m) => !late.includes(m)).flatMap(packagesOf)]);
  const latePackages = [...new Set(late.flatMap(packagesOf))].filter((p) => !others.has(p)).sort();
  return {
    early: { modules: early.map((m) => m.name), packages: earlyPackages },
    late: { modules: late.map((m) => m.name), packages: latePackages },
  };
}

/**
 * The packages of modules that install without Recommends (libvirt: with them,
 * libvirt-daemon and qemu-system-x86 pull in some 170 packages of GUI,
 * GStreamer and Mesa that a headless compute host never uses).
 */
export function withoutRecommends(plan: Plan): Set<string> {
  const out = new Set<string>();
  for (const m of plan.services) {
    if (m.installRecommends !== false) continue;
    for (const p of [...readPackageList(plan.dirs.topDir, m.name), ...(m.extraPackages?.(plan) ?? [])]) out.add(p);
  }
  return out;
}
