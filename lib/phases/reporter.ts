// How the runner shows progress: plain timestamped lines (no TTY, CI=true)
// or a listr2 task tree on a TTY. The runner only talks to this interface.

import type { PhaseName } from '../types/step.ts';
import type { Step } from '../types/stack.ts';
import { mask } from '../util/secrets.ts';

export interface Reporter {
  /** `carried`: steps of earlier phases that overlap into this one and have not ended (overlapsUntil). */
  phaseStart(phase: PhaseName, steps: Step[], carried?: Step[]): void | Promise<void>;
  /** `carried`: the overlapping steps that run on into the next phase. */
  phaseDone(phase: PhaseName, ms: number, carried?: Step[]): void | Promise<void>;
  stepStart(step: Step): void;
  /** A progress line from inside a step (download percent, apt output...). */
  stepOutput(stepId: string, line: string): void;
  stepDone(step: Step, ms: number): void;
  stepSkipped(step: Step, why: string): void;
  stepFailed(step: Step, err: unknown, ms: number): void;
  stepNotRun(step: Step): void;
  /** Called once when the run ends, so a renderer can release the terminal. */
  close(): Promise<void>;
}

const secs = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

/** `HH:MM:SS [phase] message` lines: greppable, and honest about time. */
export class PlainReporter implements Reporter {
  private phaseOf = new Map<string, PhaseName>();
  private lastOutput = new Map<string, number>();

  constructor(
    private readonly write: (line: string) => void = (l) => process.stdout.write(l + '\n'),
    /** Progress lines from one step are shown at most this often (ms). */
    private readonly outputEveryMs = 2000,
  ) {}

  private line(phase: string, msg: string): void {
    const t = new Date().toISOString().slice(11, 19);
    this.write(mask(`${t} [${phase}] ${msg}`));
  }

  phaseStart(phase: PhaseName, steps: Step[]): void {
    for (const s of steps) this.phaseOf.set(s.id, phase);
    this.line(phase, `phase ${phase}: ${steps.length} step${steps.length === 1 ? '' : 's'}`);
  }
  phaseDone(phase: PhaseName, ms: number, carried: Step[] = []): void {
    const on = carried.length ? ` (${carried.length} step(s) run on)` : '';
    this.line(phase, `phase ${phase} done in ${secs(ms)}${on}`);
  }
  stepStart(step: Step): void {
    this.line(this.phaseOf.get(step.id) ?? '?', `${step.title} ...`);
  }
  stepOutput(stepId: string, line: string): void {
    const now = Date.now();
    if (now - (this.lastOutput.get(stepId) ?? 0) < this.outputEveryMs) return;
    this.lastOutput.set(stepId, now);
    this.line(this.phaseOf.get(stepId) ?? '?', `  ${stepId}: ${line}`);
  }
  stepDone(step: Step, ms: number): void {
    this.line(this.phaseOf.get(step.id) ?? '?', `${step.title}: done (${secs(ms)})`);
  }
  stepSkipped(step: Step, why: string): void {
    this.line(this.phaseOf.get(step.id) ?? '?', `${step.title}: skipped (${why})`);
  }
  stepFailed(step: Step, err: unknown, ms: number): void {
    const msg = err instanceof Error ? err.message : String(err);
    this.line(this.phaseOf.get(step.id) ?? '?', `${step.title}: FAILED after ${secs(ms)}: ${msg}`);
  }
  stepNotRun(step: Step): void {
    this.line(
      this.phaseOf.get(step.id) ?? '?',
      `${step.title}: not run (an earlier step failed or the run was interrupted)`,
    );
  }
  async close(): Promise<void> {}
}
