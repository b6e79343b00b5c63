// What the r and s keys start: restart, stop or start the selected pane
// through the supervisor, one action per pane at a time, reported in the
// status line. Keys return at once; the action settles in the background.

import type { Supervisor } from '../proc/supervisor.ts';
import { mask } from '../util/secrets.ts';
import type { TuiModel } from './model.ts';

export type PaneAction = 'restart' | 'toggle';

export class PaneActions {
  private readonly inflight = new Set<Promise<void>>();
  private readonly busy = new Set<string>();

  constructor(
    private readonly sup: Supervisor,
    private readonly model: TuiModel,
    private readonly refreshStatus: () => Promise<void>,
    /** Called when the status line changed. */
    private readonly changed: () => void,
  ) {}

  /** `restart`, or `toggle`: stop a live pane, start a stopped or crashed one. */
  run(kind: PaneAction): void {
    const { model, sup } = this;
    const pane = model.current();
    if (!pane || model.mode !== 'pane') return;
    const name = pane.name;
    if (this.busy.has(name)) {
      model.message = `${name}: still busy`;
      return;
    }
    this.busy.add(name);
    const running = pane.state === 'ready' || pane.state === 'starting' || pane.state === 'running';
    const p = (async () => {
      if (kind === 'toggle' && running) {
        model.message = `stopping ${name}…`;
        this.changed();
        await sup.stop(name);
        model.message = `${name} stopped`;
        return;
      }
      model.message = `${kind === 'restart' ? 'restarting' : 'starting'} ${name}…`;
      this.changed();
      if (kind === 'restart') await sup.restart(name);
      else await sup.startRecorded(name);
      await this.refreshStatus();
      await sup.waitReady(name);
      model.message = `${name} ${pane.state === 'running' || !sup.record(name).spec.probe ? 'running' : 'ready'}`;
    })()
      .catch((err: unknown) => {
        model.message = mask(`${name}: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`);
      })
      .finally(() => {
        this.busy.delete(name);
        this.inflight.delete(p);
        return this.refreshStatus().catch(() => undefined);
      });
    this.inflight.add(p);
  }

  /** Every action started so far has settled. */
  async idle(): Promise<void> {
    while (this.inflight.size) await Promise.allSettled([...this.inflight]);
  }
}
