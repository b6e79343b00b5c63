// The TTY view of a run: one listr2 task tree per phase. The runner keeps the
// scheduling (dependencies, resume, concurrency); listr2 only draws it.

import { Listr, type ListrRendererFactory, type ListrTaskWrapper } from 'listr2';
import type { PhaseName } from '../types/step.ts';
import type { Step } from '../types/stack.ts';
import { mask } from '../util/secrets.ts';
import type { Reporter } from './reporter.ts';

/** A listr task as the default renderer (a terminal) or its simple fallback gives it to us. */
type Task = ListrTaskWrapper<unknown, ListrRendererFactory, ListrRendererFactory>;

interface Handle {
  task?: Task;
  resolve: () => void;
  reject: (e: unknown) => void;
  pendingSkip?: string;
  /** A title set before listr handed us the task (steps may start first). */
  pendingTitle?: string;
}

export class ListrReporter implements Reporter {
  private handles = new Map<string, Handle>();
  private started = new Set<string>();
  private running?: Promise<unknown>;

  async phaseStart(phase: PhaseName, steps: Step[], carried: Step[] = []): Promise<void> {
    // steps of an earlier phase still running are drawn again here: one listr at a time owns the terminal
    const tasks = [...carried, ...steps].map((s) => this.task(s));
    const listr = new Listr(
      [{ title: `${phase}`, task: (_ctx, t) => t.newListr(tasks, { concurrent: true, exitOnError: false }) }],
      {
        registerSignalListeners: false,
        exitOnError: false,
        rendererOptions: { collapseSubtasks: false, collapseSkips: false },
      },
    );
    this.running = listr.run().catch(() => {});
  }

  /** A listr task that ends when the runner says the step has ended. */
  private task(step: Step) {
    let handle!: Handle;
    const done = new Promise<void>((resolve, reject) => {
      handle = { resolve, reject };
    });
    done.catch(() => {}); // the failure is reported by the runner, not as an unhandled rejection
    this.handles.set(step.id, handle);
    const started = this.started.has(step.id);
    return {
      // listr starts every task at once; the runner decides when a step really
      // starts, so until then the title says it is waiting for its turn.
      title: started ? `${step.title} (running on from an earlier phase)` : `${step.title} (waiting)`,
      task: async (_ctx: unknown, task: Task) => {
        handle.task = task;
        if (handle.pendingTitle !== undefined) task.title = handle.pendingTitle;
        if (handle.pendingSkip !== undefined) task.skip(handle.pendingSkip);
        await done;
      },
    };
  }

  async phaseDone(_phase: PhaseName, _ms: number, carried: Step[] = []): Promise<void> {
    // the overlapping steps leave this phase's tree, still running; the next phase's tree draws them on
    for (const step of carried) {
      this.setTitle(step.id, `${step.title} (runs on into the next phase)`);
      this.handles.get(step.id)?.resolve();
    }
    await this.running;
  }

  private setTitle(id: string, title: string): void {
    const h = this.handles.get(id);
    if (!h) return;
    if (h.task) h.task.title = title;
    else h.pendingTitle = title;
  }
  stepStart(step: Step): void {
    this.started.add(step.id);
    this.setTitle(step.id, step.title);
  }
  stepOutput(stepId: string, line: string): void {
    const h = this.handles.get(stepId);
    if (h?.task) h.task.output = mask(line);
  }
  stepDone(step: Step, ms: number): void {
    // The step's own time, not listr's (which would include the wait for its dependencies).
    this.setTitle(step.id, `${step.title} [${(ms / 1000).toFixed(1)}s]`);
    this.handles.get(step.id)?.resolve();
  }
  stepSkipped(step: Step, why: string): void {
    const h = this.handles.get(step.id);
    if (!h) return;
    if (h.task) h.task.skip(why);
    else h.pendingSkip = why;
    h.resolve();
  }
  stepFailed(step: Step, err: unknown): void {
    this.handles.get(step.id)?.reject(err);
  }
  stepNotRun(step: Step): void {
    this.stepSkipped(step, 'not run');
  }
  async close(): Promise<void> {
    await this.running;
  }
}
