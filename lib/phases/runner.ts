// The phase runner: devstack's stack.sh order as data.
//
// Phases run one after another; the steps of one phase run concurrently as
// far as their `after` edges allow (bounded by `concurrency`). A step with
// `overlapsUntil` runs on into the next phases, up to the one it names, which
// waits for it; the phases in between wait for it only through `after`. A step whose
// fingerprint matches the one recorded by the last successful run is skipped
// (resume), unless `force`. The first failure stops new steps from starting,
// lets the running ones settle, and surfaces as a StepError naming the phase.

import type { PhaseName } from '../types/step.ts';
import type { StackContext, Step } from '../types/stack.ts';
import { StepError } from '../util/errors.ts';
import type { StepJournal } from './journal.ts';
import type { Reporter } from './reporter.ts';

export interface PhasePlan {
  name: PhaseName;
  steps: Step[];
}

export interface StepTiming {
  phase: PhaseName;
  id: string;
  title: string;
  status: 'done' | 'skipped' | 'failed' | 'not-run';
  ms: number;
}

export interface RunReport {
  phases: { name: PhaseName; ms: number; steps: number; skipped: number }[];
  steps: StepTiming[];
  totalMs: number;
  /** Time from the process's start to the first phase (node start-up, config, plan): the warm converge's floor. */
  setupMs?: number;
  /** Recording every stamped step's stamp after the run. */
  stampsMs?: number;
}

export interface RunnerOptions {
  journal: StepJournal;
  reporter: Reporter;
  force?: boolean;
  /** Maximum steps running at once within a phase (2 cores: keep it small). */
  concurrency?: number;
  /** Checked before each step starts; set by the SIGINT handler. */
  aborted?: () => boolean;
}

export class InterruptedError extends Error {
  constructor() {
    super('interrupted');
    this.name = 'InterruptedError';
  }
}

/**
 * Validate the step graph of one phase: unique ids, known `after` targets (of this phase, or overlapping steps of
 * `earlier` phases), no cycles.
 */
export function checkGraph(phase: PhaseName, steps: Step[], earlier: ReadonlySet<string> = new Set()): void {
  const ids = new Set<string>();
  for (const s of steps) {
    if (ids.has(s.id) || earlier.has(s.id)) throw new Error(`phase ${phase}: duplicate step id '${s.id}'`);
    ids.add(s.id);
  }
  for (const s of steps) {
    for (const a of s.after ?? []) {
      if (!ids.has(a) && !earlier.has(a))
        throw new Error(`phase ${phase}: step '${s.id}' waits for unknown step '${a}'`);
    }
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const byId = new Map(steps.map((s) => [s.id, s]));
  const visit = (id: string, path: string[]): void => {
    const st = state.get(id);
    if (st === 'done' || !byId.has(id)) return;
    if (st === 'visiting') throw new Error(`phase ${phase}: dependency cycle ${[...path, id].join(' -> ')}`);
    state.set(id, 'visiting');
    for (const a of byId.get(id)!.after ?? []) visit(a, [...path, id]);
    state.set(id, 'done');
  };
  for (const s of steps) visit(s.id, []);
}

/**
 * Every phase's graph, where an `after` may also name a step of an earlier phase that overlaps into this one; an
 * overlap must end in a later phase, and no later than the last.
 */
export function checkRun(phases: PhasePlan[]): void {
  const order = phases.map((p) => p.name);
  const overlapping = new Map<string, number>(); // step id -> index of the phase that waits for it
  for (const [i, p] of phases.entries()) {
    for (const [id, until] of overlapping) if (until < i) overlapping.delete(id);
    checkGraph(p.name, p.steps, new Set(overlapping.keys()));
    for (const s of p.steps) {
      if (s.overlapsUntil === undefined) continue;
      const until = order.indexOf(s.overlapsUntil);
      if (until <= i)
        throw new Error(`phase ${p.name}: step '${s.id}' overlaps until ${s.overlapsUntil}, which does not follow`);
      overlapping.set(s.id, until);
    }
  }
}

/**
 * A counting semaphore, so concurrency stays bounded however wide the graph is. Of the steps waiting for a slot,
 * the one with the highest weight (priorities()) goes first: requests made at the same moment are sorted before
 * any is granted.
 */
class Semaphore {
  private waiters: { weight: number; grant: () => void }[] = [];
  private scheduled = false;
  constructor(private free: number) {}
  acquire(weight = 0): Promise<void> {
    return new Promise<void>((grant) => {
      this.waiters.push({ weight, grant });
      this.schedule();
    });
  }
  release(): void {
    this.free++;
    // the steps that waited for the one that ended ask for a slot first
    this.schedule();
  }
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.dispatch();
    });
  }
  private dispatch(): void {
    // stable: equal weights keep their order
    this.waiters.sort((a, b) => b.weight - a.weight);
    while (this.free > 0 && this.waiters.length > 0) {
      this.free--;
      this.waiters.shift()!.grant();
    }
  }
}

/** For each step, how many steps of the run wait for it, directly or through others. */
export function dependents(phases: PhasePlan[]): Map<string, number> {
  const steps = phases.flatMap((p) => p.steps);
  const waitsFor = new Map<string, Set<string>>();
  const closure = (s: Step): Set<string> => {
    let out = waitsFor.get(s.id);
    if (out) return out;
    out = new Set();
    waitsFor.set(s.id, out);
    for (const a of s.after ?? []) {
      out.add(a);
      const dep = byId.get(a);
      if (dep) for (const x of closure(dep)) out.add(x);
    }
    return out;
  };
  const byId = new Map(steps.map((s) => [s.id, s]));
  const count = new Map<string, number>(steps.map((s) => [s.id, 0]));
  for (const s of steps) for (const a of closure(s)) count.set(a, (count.get(a) ?? 0) + 1);
  return count;
}

/** A step's `expectSec`, else a second: most steps write a file, or start a pane that answers in a few. */
const DEFAULT_EXPECT_SEC = 1;

/**
 * For each step, the longest chain of expected seconds (Step.expectSec) from its start to the end of the last step
 * that waits for it: the step that holds up the most time goes first (neutron's 20 s db sync before cinder's 7 s
 * one, though more panes wait for placement's), which the count of dependents alone gets wrong.
 */
export function chainSeconds(phases: PhasePlan[]): Map<string, number> {
  const steps = phases.flatMap((p) => p.steps);
  const waitedBy = new Map<string, Step[]>(steps.map((s) => [s.id, []]));
  for (const s of steps) for (const a of s.after ?? []) waitedBy.get(a)?.push(s);
  const chain = new Map<string, number>();
  const visit = (s: Step): number => {
    const known = chain.get(s.id);
    if (known !== undefined) return known;
    const rest = Math.max(0, ...waitedBy.get(s.id)!.map(visit));
    const total = (s.expectSec ?? DEFAULT_EXPECT_SEC) + rest;
    chain.set(s.id, total);
    return total;
  };
  for (const s of steps) visit(s);
  return chain;
}

/** The order of the steps waiting for a slot: the longest chain first, then the one more steps wait for. */
export function priorities(phases: PhasePlan[]): Map<string, number> {
  const count = dependents(phases);
  const chain = chainSeconds(phases);
  // a run has far fewer than 10000 steps: the count only breaks ties between equal chains
  return new Map([...chain].map(([id, sec]) => [id, sec * 10000 + (count.get(id) ?? 0)]));
}

/** What one run shares across its phases: every step's result so far, the overlapping steps, the first failure. */
interface RunState {
  results: Map<string, Promise<StepTiming>>;
  /** Overlapping steps that have not settled yet. */
  overlapping: Map<string, Step>;
  /** Every overlapping step's id, under the phase that waits for it. */
  due: Map<PhaseName, string[]>;
  failure?: StepError | InterruptedError;
}

export async function runPhases(phases: PhasePlan[], ctx: StackContext, opts: RunnerOptions): Promise<RunReport> {
  checkRun(phases);
  const started = Date.now();
  const report: RunReport = { phases: [], steps: [], totalMs: 0, setupMs: Math.round(performance.now()) };
  const aborted = opts.aborted ?? (() => false);
  const state: RunState = { results: new Map(), overlapping: new Map(), due: new Map() };
  const sem = new Semaphore(Math.max(1, opts.concurrency ?? 4));
  const weights = priorities(phases);
  const carried = () => [...state.overlapping.values()];
  try {
    for (const phase of phases) {
      if (aborted()) throw new InterruptedError();
      const t0 = Date.now();
      await opts.reporter.phaseStart(phase.name, phase.steps, carried());
      const own = startPhase(phase, ctx, opts, aborted, state, sem, weights);
      const due = state.due.get(phase.name) ?? [];
      const ended = await Promise.all([...own.waited, ...due].map((id) => state.results.get(id)!));
      // each step once, in its own phase's place: an overlapping one when the phase that waits for it ends
      report.steps.push(...ended);
      if (state.failure) throw state.failure;
      const ms = Date.now() - t0;
      const ownEnded = ended.filter((t) => t.phase === phase.name);
      report.phases.push({
        name: phase.name,
        ms,
        steps: phase.steps.length,
        skipped: ownEnded.filter((t) => t.status === 'skipped').length,
      });
      await opts.reporter.phaseDone(phase.name, ms, carried());
    }
    const t0 = Date.now();
    await recordStamps(phases, ctx, opts.journal, report.steps);
    report.stampsMs = Date.now() - t0;
  } finally {
    // a failed or interrupted run still lets the overlapping steps it started settle
    await Promise.allSettled(state.results.values());
    report.totalMs = Date.now() - started;
  }
  return report;
}

/**
 * After a whole successful run, the stamp of every stamped step again: a later step may have changed
 * what an earlier one depends on (the accounts seeded after the catalog), and the next run compares
 * against the state this run left.
 */
async function recordStamps(
  phases: PhasePlan[],
  ctx: StackContext,
  journal: StepJournal,
  timings: StepTiming[],
): Promise<void> {
  const stamped = phases.flatMap((p) => p.steps).filter((s) => s.stamp);
  // When every stamped step was skipped, the journal holds exactly the stamps just read: reading them all again
  // (mysql and dpkg-query for each) would only cost a warm converge its time. An unstamped step that changed what
  // a stamp reads (a hook adding a rule) makes that step run once more next time, never skip wrongly.
  const ran = new Set(timings.filter((t) => t.status === 'done').map((t) => t.id));
  if (!stamped.some((s) => ran.has(s.id))) return;
  const stamps = await Promise.all(stamped.map((s) => stampOf(s, ctx)));
  for (const [i, step] of stamped.entries()) {
    const stamp = stamps[i];
    if (stamp !== undefined) journal.markDone(step.id, stamp, 0);
    else journal.forget(step.id);
  }
}

/** A step's stamp; a stamp that cannot be read (the database is down) means "run it". */
async function stampOf(step: Step, ctx: StackContext): Promise<string | undefined> {
  try {
    return await step.stamp?.(ctx);
  } catch {
    return undefined;
  }
}

/**
 * Start every step of `phase`: each waits for its `after` steps, then for a free slot. `waited`: the ids the phase's
 * end waits for (all but the overlapping steps, which a later phase waits for).
 */
function startPhase(
  phase: PhasePlan,
  ctx: StackContext,
  opts: RunnerOptions,
  aborted: () => boolean,
  state: RunState,
  sem: Semaphore,
  weights: ReadonlyMap<string, number>,
): { waited: string[] } {
  const { results } = state;
  const runOne = async (step: Step): Promise<StepTiming> => {
    const deps = await Promise.all((step.after ?? []).map((id) => results.get(id)!));
    const base = { phase: phase.name, id: step.id, title: step.title };
    // a skipped step's ms is what deciding to skip it cost (its stamp's reads): the warm converge's figure
    const checkStart = Date.now();
    if (state.failure || deps.some((d) => d.status === 'failed' || d.status === 'not-run')) {
      opts.reporter.stepNotRun(step);
      return { ...base, status: 'not-run', ms: 0 };
    }
    if (!opts.force && step.fingerprint !== undefined && opts.journal.isDone(step.id, step.fingerprint)) {
      opts.reporter.stepSkipped(step, 'done on an earlier run');
      return { ...base, status: 'skipped', ms: 0 };
    }
    if (!opts.force && step.stamp && !state.failure) {
      const stamp = await stampOf(step, ctx);
      if (stamp !== undefined && opts.journal.isDone(step.id, stamp)) {
        opts.reporter.stepSkipped(step, 'unchanged since it last ran');
        return { ...base, status: 'skipped', ms: Date.now() - checkStart };
      }
    }
    await sem.acquire(weights.get(step.id));
    try {
      if (state.failure || aborted()) {
        state.failure ??= new InterruptedError();
        opts.reporter.stepNotRun(step);
        return { ...base, status: 'not-run', ms: 0 };
      }
      const t0 = Date.now();
      opts.reporter.stepStart(step);
      try {
        await step.run({ ...ctx, progress: (line) => opts.reporter.stepOutput(step.id, line) });
      } catch (err) {
        const ms = Date.now() - t0;
        if (aborted()) state.failure ??= new InterruptedError();
        else state.failure ??= new StepError(phase.name, step.id, err);
        opts.reporter.stepFailed(step, err, ms);
        return { ...base, status: 'failed', ms };
      }
      const ms = Date.now() - t0;
      if (step.fingerprint !== undefined) opts.journal.markDone(step.id, step.fingerprint, ms);
      if (step.stamp) {
        const stamp = await stampOf(step, ctx);
        if (stamp !== undefined) opts.journal.markDone(step.id, stamp, ms);
        else opts.journal.forget(step.id);
      }
      opts.reporter.stepDone(step, ms);
      return { ...base, status: 'done', ms };
    } finally {
      sem.release();
    }
  };

  // Create every promise before awaiting any, so `after` lookups always resolve.
  const ordered = topoOrder(phase.steps);
  for (const step of ordered) {
    const result = runOne(step);
    results.set(step.id, result);
    if (step.overlapsUntil === undefined) continue;
    state.overlapping.set(step.id, step);
    state.due.set(step.overlapsUntil, [...(state.due.get(step.overlapsUntil) ?? []), step.id]);
    void result.finally(() => state.overlapping.delete(step.id));
  }
  return { waited: ordered.filter((s) => s.overlapsUntil === undefined).map((s) => s.id) };
}

/** Steps ordered so that each comes after everything it waits for (stable otherwise). */
export function topoOrder(steps: Step[]): Step[] {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const out: Step[] = [];
  const seen = new Set<string>();
  const visit = (s: Step): void => {
    if (seen.has(s.id)) return;
    seen.add(s.id);
    // a step of an earlier phase is already under way
    for (const a of s.after ?? []) if (byId.has(a)) visit(byId.get(a)!);
    out.push(s);
  };
  steps.forEach(visit);
  return out;
}

/** The timing table printed at the end of a run. */
export function formatTimings(report: RunReport): string {
  const rows = report.phases.map((p) => [p.name, (p.ms / 1000).toFixed(1), `${p.steps}`, `${p.skipped}`]);
  const slow = [...report.steps]
    .filter((s) => s.status === 'done')
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 8)
    .map((s) => [`  ${s.id}`, (s.ms / 1000).toFixed(1), '', '']);
  const header = ['phase', 'seconds', 'steps', 'skipped'];
  const all = [header, ...rows, ['slowest steps', '', '', ''], ...slow];
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const fmt = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [
    fmt(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map(fmt),
    ...(slow.length ? ['', fmt(['slowest steps', '', '', '']), ...slow.map(fmt)] : []),
  ].join('\n');
}
