// Polling: new log lines from the panes' files (every paint tick) and the
// panes' states from the supervisor's records and /proc (every status tick).
// Either marks the screen dirty only when what is shown changed.

import { commandLine, type Supervisor } from '../proc/supervisor.ts';
import { registerSpecSecrets } from '../proc/secrets.ts';
import { mask } from '../util/secrets.ts';
import type { LogFeed } from './feed.ts';
import type { PaneView, TuiModel } from './model.ts';

export class Poller {
  private statusRunning: Promise<void> | undefined;

  constructor(
    private readonly sup: Supervisor,
    private readonly feed: LogFeed,
    private readonly model: TuiModel,
    /** Called when something shown changed (the painter's dirty flag). */
    private readonly changed: () => void,
  ) {}

  /** Read what the log files gained; a change matters when the view shows that pane (or all). */
  pollLogs(): void {
    const { model } = this;
    const changed = this.feed.poll();
    if (changed.size && (model.mode === 'all' || (model.selected && changed.has(model.selected)))) this.changed();
  }

  /** Pane states and commands; one refresh at a time, callers during one share it. */
  refreshStatus(): Promise<void> {
    this.statusRunning ??= (async () => {
      try {
        const records = this.sup.records();
        const states = await this.sup.status();
        this.feed.sync(records.map((r) => ({ name: r.spec.name, logFile: r.logFile })));
        const views: PaneView[] = states.map((st) => {
          const rec = records.find((r) => r.spec.name === st.name)!;
          registerSpecSecrets(rec.spec);
          return { ...st, command: mask(commandLine(rec.spec)), logFile: rec.logFile };
        });
        this.model.setPanes(views);
        this.changed();
      } finally {
        this.statusRunning = undefined;
      }
    })();
    return this.statusRunning;
  }
}
