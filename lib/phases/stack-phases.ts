// Assemble the whole run from the plan: devstack's stack.sh order as data.
//
//   pre-install  module hooks
//   install      apt (or nothing when all installed), source checkouts + venv; on a distro install, the
//                infrastructure (early modules: mysql, rabbit, memcached, keystone) is installed first and
//                configured, initialised and started here, while apt installs the rest; the dashboard's
//                packages (late modules) install last, while the next phases run
//   configure    every module writes its config files whole
//   post-config  local.conf [[post-config|file]] merged last
//   init         databases, db syncs, keystone bootstrap
//   start        panes in dependency order, each waiting for its probe;
//                keystone's catalog right after `key`, before the other APIs
//   extra        seeding (accounts, flavors, networks, images, clouds.yaml, openrc)
//   post-extra, test-config   module hooks and local.conf merges; the user's hooks end post-extra

import { contentDigest } from '../system/files.ts';
import type { Plan, Step } from '../types/stack.ts';
import type { ProcessRecord, ProcessSpec } from '../types/process.ts';
import { PHASES, type PhaseName } from '../types/step.ts';
import type { PhasePlan } from './runner.ts';
import { EARLY_APT_STEP, LATE_APT_STEP, LATE_UNTIL } from '../system/apt.ts';
import { ACCOUNTS_STEP } from '../seed/accounts.ts';

/** What starts and waits for a pane; the supervisor in production. */
export interface PaneStarter {
  /** Resolves to the record; `restartedFor` says why a running pane was replaced. */
  start(spec: ProcessSpec): Promise<Pick<ProcessRecord, 'restartedFor'> | undefined>;
  waitReady(name: string, timeoutSec?: number): Promise<void>;
}

/** The parts of a run that come from other subsystems, injected so this stays testable. */
export interface PhaseSources {
  install: Step[]; // apt + source steps
  catalog?: Step; // keystone service users and endpoints
  seed: Step[]; // phase extra
  /** Merge of local.conf meta-sections for a phase (post-config, extra, post-extra, test-config). */
  merge?: (phase: 'post-config' | 'extra' | 'post-extra' | 'test-config') => Step | undefined;
  /** The user's hooks (local.sh, local.ts, extras.d/*.ts): last in post-extra, once the stack is up. */
  hooks?: Step[];
  panes: PaneStarter;
}

/** Projects whose panes need keystone's catalog before they start. */
const NEEDS_NO_CATALOG = new Set(['infra', 'keystone']);

/** The config files of the module that owns `pane` (what its processes read). */
export function paneConfigFiles(plan: Plan, pane: string): string[] {
  return plan.services.find((m) => m.shortNames.includes(pane))?.configFiles?.(plan) ?? [];
}

/** sha256 over the files that exist (path and content); undefined when none does. */
export const configDigest = contentDigest;

export function startSteps(plan: Plan, panes: PaneStarter, catalogId?: string): Step[] {
  const names = new Set(plan.processes.map((p) => p.name));
  const timeout = plan.int('SERVICE_TIMEOUT');
  return plan.processes.map((p) => ({
    id: `start:${p.name}`,
    title: `start ${p.name}`,
    after: [
      ...(p.after ?? []).filter((a) => names.has(a)).map((a) => `start:${a}`),
      // entries with a ':' are start-phase step ids (db sync, bootstrap) the pane needs first
      ...(p.after ?? []).filter((a) => a.includes(':')),
      ...(catalogId && !NEEDS_NO_CATALOG.has(p.project) ? [catalogId] : []),
    ],
    run: async (ctx) => {
      // read when the step runs: the configure phase has written the files by then
      const digest = configDigest(paneConfigFiles(plan, p.name));
      const rec = await panes.start(digest ? { ...p, configDigest: digest } : p);
      if (rec?.restartedFor === 'code')
        ctx.log.info(`${p.name}: restarted, the code in ${p.codeDirs?.join(', ')} changed since it started`);
      else if (rec?.restartedFor === 'spec') ctx.log.info(`${p.name}: restarted, its command or config files changed`);
      if (p.probe) await panes.waitReady(p.name, p.readyTimeoutSec ?? timeout);
    },
  }));
}

/** The phases the early modules' steps are moved out of, into install; the last one waits for them. */
const HOISTED: readonly PhaseName[] = ['configure', 'post-config', 'init', 'start'];

/**
 * The early modules' configure, init and start steps (their panes' starts and keystone's catalog included)
 * move into the install phase, where they run after the early apt wave and alongside the main one. No phase
 * boundary holds them back any more: each waits for its own `after` and for its module's steps of earlier phases
 * (keepModuleOrder), so MariaDB and RabbitMQ start while keystone's key repositories are written (7 s of
 * keystone-manage). They overlap the next phases up to `start` (overlapsUntil): a later step that needs one of
 * them says so in `after`, as the other services' database and pane steps do for mysql and key.
 */
function hoistEarlyStart(byPhase: Map<PhaseName, Step[]>, early: ReadonlySet<string>): void {
  const install = byPhase.get('install')!;
  if (early.size === 0 || !install.some((s) => s.id === EARLY_APT_STEP)) return;
  const hoisted = new Set<string>();
  for (const phase of HOISTED) {
    const [moved, kept] = partition(byPhase.get(phase)!, (s) => early.has(s.id));
    for (const s of moved) {
      const local = (s.after ?? []).filter((a) => !hoisted.has(a));
      const stray = local.find((a) => !moved.some((m) => m.id === a));
      if (stray) throw new Error(`step ${s.id} starts early, but waits for ${stray}, which does not`);
      install.push({ ...s, after: [EARLY_APT_STEP, ...(s.after ?? [])], overlapsUntil: HOISTED[HOISTED.length - 1] });
    }
    for (const s of moved) hoisted.add(s.id);
    byPhase.set(phase, kept);
  }
  // after `start` they have all ended
  for (const phase of PHASES.slice(PHASES.indexOf(HOISTED[HOISTED.length - 1]) + 1)) {
    byPhase.set(
      phase,
      byPhase.get(phase)!.map((s) => (s.after ? { ...s, after: s.after.filter((a) => !hoisted.has(a)) } : s)),
    );
  }
}

/**
 * The late modules' steps up to `start` wait for their packages: the late apt wave, which overlaps into them.
 * They overlap too, as the wave does, up to `extra` (LATE_UNTIL): no phase before it waits for the dashboard, and
 * the seeding starts once the APIs it needs are up.
 */
function waitForLateWave(byPhase: Map<PhaseName, Step[]>, late: ReadonlySet<string>): void {
  if (!byPhase.get('install')!.some((s) => s.id === LATE_APT_STEP)) return;
  for (const phase of HOISTED) {
    byPhase.set(
      phase,
      byPhase
        .get(phase)!
        .map((s) =>
          late.has(s.id) ? { ...s, after: [LATE_APT_STEP, ...(s.after ?? [])], overlapsUntil: LATE_UNTIL } : s,
        ),
    );
  }
}

/**
 * A module's steps that overlap later phases (moved early, or waiting for the late wave) no longer come before its
 * later steps by phase order alone: each later step of the module waits for them by name.
 */
function keepModuleOrder(
  byPhase: Map<PhaseName, Step[]>,
  own: ReadonlyMap<string, ReadonlyMap<PhaseName, string[]>>,
  overlapping: ReadonlySet<string>,
): void {
  const waits = new Map<string, string[]>();
  for (const phases of own.values()) {
    const before: string[] = [];
    for (const phase of HOISTED) {
      const ids = phases.get(phase) ?? [];
      for (const id of ids) if (before.length) waits.set(id, [...before]);
      before.push(...ids.filter((id) => overlapping.has(id)));
    }
  }
  for (const [phase, steps] of byPhase) {
    byPhase.set(
      phase,
      steps.map((s) => {
        const add = (waits.get(s.id) ?? []).filter((a) => !(s.after ?? []).includes(a));
        return add.length ? { ...s, after: [...(s.after ?? []), ...add] } : s;
      }),
    );
  }
}

function partition<T>(items: readonly T[], test: (t: T) => boolean): [T[], T[]] {
  return [items.filter(test), items.filter((t) => !test(t))];
}

export function buildPhases(plan: Plan, src: PhaseSources): PhasePlan[] {
  const byPhase = new Map<PhaseName, Step[]>(PHASES.map((p) => [p, []]));
  // the ids of the early and the late modules' steps up to `start`, their panes' starts included
  const wave = { early: new Set<string>(), late: new Set<string>() };
  const panesOf = { early: new Set<string>(), late: new Set<string>() };
  // each module's steps up to `start` by the phase they come from, its panes' starts under `start`
  const own = new Map<string, Map<PhaseName, string[]>>();
  for (const m of plan.services) {
    const steps = m.steps?.(plan) ?? {};
    for (const phase of PHASES) byPhase.get(phase)!.push(...(steps[phase] ?? []));
    own.set(m.name, new Map(HOISTED.map((phase) => [phase, (steps[phase] ?? []).map((s) => s.id)])));
    own
      .get(m.name)!
      .get('start')!
      .push(...m.processes(plan).map((p) => `start:${p.name}`));
    // a step that needs only the early wave joins it when the early modules start early (a distro install)
    if (plan.waves.early.modules.length > 0) {
      for (const phase of HOISTED) for (const s of steps[phase] ?? []) if (s.earlyWave) wave.early.add(s.id);
    }
    const w = (['early', 'late'] as const).find((w) => plan.waves[w].modules.includes(m.name));
    if (!w) continue;
    for (const phase of HOISTED) for (const s of steps[phase] ?? []) wave[w].add(s.id);
    for (const p of m.processes(plan)) panesOf[w].add(p.name);
  }
  byPhase.get('install')!.unshift(...src.install);
  const start = byPhase.get('start')!;
  const catalog = src.catalog && plan.processes.some((p) => p.name === 'key') ? src.catalog : undefined;
  const paneSteps = startSteps(plan, src.panes, catalog?.id);
  for (const s of paneSteps) {
    for (const w of ['early', 'late'] as const) if (panesOf[w].has(s.id.slice('start:'.length))) wave[w].add(s.id);
  }
  start.unshift(...paneSteps);
  const early = wave.early;
  let seed = src.seed;
  if (catalog) {
    start.push({ ...catalog, after: [...(catalog.after ?? []), 'start:key'] });
    // the service users and endpoints, and devstack's accounts, need nothing but keystone
    const accounts = seed.find((s) => s.id === ACCOUNTS_STEP);
    if (early.has('start:key')) {
      early.add(catalog.id);
      if (accounts) {
        start.push({ ...accounts, after: [...(accounts.after ?? []), catalog.id] });
        early.add(accounts.id);
        seed = seed.filter((s) => s !== accounts);
      }
    }
  }
  byPhase.get('extra')!.push(...seed);
  hoistEarlyStart(byPhase, early);
  waitForLateWave(byPhase, wave.late);
  keepModuleOrder(byPhase, own, new Set([...early, ...wave.late]));
  for (const phase of ['post-config', 'extra', 'post-extra', 'test-config'] as const) {
    const merge = src.merge?.(phase);
    if (!merge) continue;
    // Merges run after everything else of their phase: local.conf wins.
    const others = byPhase.get(phase)!.map((s) => s.id);
    byPhase.get(phase)!.push({ ...merge, after: [...(merge.after ?? []), ...others] });
  }
  const hooks = src.hooks ?? [];
  if (hooks.length) {
    // devstack runs local.sh after post-extra's work, before test-config
    const others = byPhase.get('post-extra')!.map((s) => s.id);
    byPhase.get('post-extra')!.push(...hooks.map((h) => ({ ...h, after: [...(h.after ?? []), ...others] })));
  }
  return PHASES.map((name) => ({ name, steps: byPhase.get(name)! }));
}

/** `--dry-run`: the phases and step titles that would run. */
export function formatPhases(phases: PhasePlan[]): string {
  const lines: string[] = ['Phases:'];
  for (const p of phases) {
    lines.push(`  ${p.name} (${p.steps.length} step${p.steps.length === 1 ? '' : 's'})`);
    for (const s of p.steps) lines.push(`    - ${s.title}${s.after?.length ? `  [after ${s.after.join(', ')}]` : ''}`);
  }
  return lines.join('\n');
}
