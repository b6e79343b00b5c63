// The TTY view of a run: one listr2 task tree per phase. The runner keeps the
// scheduling (dependencies, resume, concurrency); listr2 only draws it.

import { Listr, PRESET_TIMER, type ListrTaskWrapper } from 'listr2';
import type { PhaseName, Step } from '../services/types.ts';
import { mask } from '../util/secrets.ts';
import type { Reporter } from './reporter.ts';

interface Handle {
  task?: ListrTaskWrapper<unknown, any, any>;
  resolve: () => void;
  reject: (e: unknown) => void;
  pendingSkip?: string;
}

export class ListrReporter implements Reporter {
  private handles = new Map<string, Handle>();
  private running?: Promise<unknown>;

  async phaseStart(phase: PhaseName, steps: Step[]): Promise<void> {
    const tasks = steps.map((step) => {
      let handle!: Handle;
      const done = new Promise<void>((resolve, reject) => {
        handle = { resolve, reject };
      });
      done.catch(() => {}); // the failure is reported by the runner, not as an unhandled rejection
      this.handles.set(step.id, handle);
      return {
        title: step.title,
        task: async (_ctx: unknown, task: ListrTaskWrapper<unknown, any, any>) => {
          handle.task = task;
          if (handle.pendingSkip !== undefined) task.skip(handle.pendingSkip);
          await done;
        },
      };
    });
    const listr = new Listr([{ title: `${phase}`, task: (_ctx, t) => t.newListr(tasks, { concurrent: true, exitOnError: false }) }], {
      registerSignalListeners: false,
      exitOnError: false,
      rendererOptions: { collapseSubtasks: false, collapseSkips: false, timer: PRESET_TIMER },
    });
    this.running = listr.run().catch(() => {});
  }

  async phaseDone(): Promise<void> {
    await this.running;
  }

  stepStart(step: Step): void {
    const h = this.handles.get(step.id);
    if (h?.task) h.task.title = step.title;
  }
  stepOutput(stepId: string, line: string): void {
    const h = this.handles.get(stepId);
    if (h?.task) h.task.output = mask(line);
  }
  stepDone(step: Step): void {
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
