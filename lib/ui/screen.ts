// The blessed TUI, put together: the layout (layout.ts), painting on a timer
// from LogFeed rings, never blessed's Log widget (paint.ts), polling the logs
// and the supervisor's records and /proc (poll.ts), the keys (keys.ts) and
// the pane actions they start (actions.ts). Quitting leaves every service
// running: the TUI is only a view plus restart/stop buttons.

import type blessed from 'blessed';
import { Supervisor } from '../proc/supervisor.ts';
import { UsageError } from '../util/errors.ts';
import { PaneActions } from './actions.ts';
import { LogFeed, type FeedOptions } from './feed.ts';
import { handleKey, type KeyInfo, type KeyTarget } from './keys.ts';
import { createLayout } from './layout.ts';
import { TuiModel } from './model.ts';
import { Painter } from './paint.ts';
import { Poller } from './poll.ts';
import { traceLogs } from '../proc/trace.ts';

export interface TuiOptions {
  stateDir: string;
  logDir: string;
  /** Use this supervisor instead of one built from stateDir/logDir. */
  supervisor?: Supervisor;
  input?: NodeJS.ReadableStream & { isTTY?: boolean };
  output?: NodeJS.WritableStream & { isTTY?: boolean };
  /** For the CI check (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** terminfo name or file; default: blessed's choice from $TERM. */
  terminal?: string;
  /** Paint (and log poll) interval, ms. */
  paintMs?: number;
  /** Pane state refresh interval, ms. */
  statusMs?: number;
  feed?: FeedOptions;
}

export interface TuiHandle {
  screen: blessed.Widgets.Screen;
  model: TuiModel;
  feed: LogFeed;
  /** Resolves when the user quits. */
  done: Promise<void>;
  /** Read logs and pane states now and paint (tests, instead of waiting for the timers). */
  refresh(): Promise<void>;
  /** Actions (restart, stop, start) started from keys have settled. */
  idle(): Promise<void>;
  /** The screen as plain text, one string per row. */
  text(): string;
  quit(): void;
}

/** No screen without a terminal on both ends, and never with CI=true. */
export function canOpenTui(input: { isTTY?: boolean }, output: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  const ci = (env.CI ?? '').toLowerCase();
  if (ci === 'true' || ci === '1') return false;
  return Boolean(input.isTTY && output.isTTY);
}

export function createTui(opts: TuiOptions): TuiHandle {
  const input = opts.input ?? process.stdin;
  const output = opts.output ?? process.stdout;
  const env = opts.env ?? process.env;
  if (!canOpenTui(input, output, env)) throw new UsageError('the TUI needs a terminal (no TTY, or CI=true)');
  // Under tmux/screen blessed would draw line characters through the ACS
  // charset, which breaks on many setups; UTF-8 terminals do not need it.
  if (env.NCURSES_NO_UTF8_ACS === undefined && /utf-?8/i.test(`${env.LANG}${env.LC_ALL}${env.LC_CTYPE}`)) {
    process.env.NCURSES_NO_UTF8_ACS = '1';
  }

  const sup = opts.supervisor ?? new Supervisor({ stateDir: opts.stateDir, logDir: opts.logDir });
  const feed = new LogFeed(opts.feed);
  const model = new TuiModel();
  const layout = createLayout({ input, output, terminal: opts.terminal });
  const { screen } = layout;
  const painter = new Painter(layout, model, feed);
  const markDirty = () => {
    painter.dirty = true;
  };
  const poller = new Poller(sup, feed, model, markDirty);
  const actions = new PaneActions(sup, model, () => poller.refreshStatus(), markDirty);

  const paintTimer = setInterval(() => {
    poller.pollLogs();
    if (painter.dirty) painter.paint();
  }, opts.paintMs ?? 100);
  const statusTimer = setInterval(() => void poller.refreshStatus().catch(() => undefined), opts.statusMs ?? 1000);

  let quit!: () => void;
  const done = new Promise<void>((resolve) => {
    quit = () => {
      clearInterval(paintTimer);
      clearInterval(statusTimer);
      screen.destroy();
      resolve();
    };
  });

  const keys: KeyTarget = {
    model,
    viewRing: () => painter.viewRing(),
    logHeight: () => painter.logHeight(),
    act: (kind) => actions.run(kind),
    trace: (id) => model.openTrace(id, traceLogs(model.panes, id), painter.logHeight()),
  };
  screen.on('keypress', (ch: string | undefined, key: KeyInfo | undefined) => {
    if (handleKey(ch, key, keys) === 'quit') quit();
    else painter.paint();
  });
  screen.on('resize', markDirty);

  const refresh = async () => {
    await poller.refreshStatus();
    poller.pollLogs();
    painter.paint();
  };
  void refresh().catch(() => undefined);

  return {
    screen,
    model,
    feed,
    done,
    refresh,
    idle: () => actions.idle(),
    text: () => screenText(screen),
    quit: () => quit(),
  };
}

/** Plain-text rows of the screen buffer (`screen.lines` is not in @types/blessed). */
export function screenText(screen: blessed.Widgets.Screen): string {
  const lines = (screen as unknown as { lines: Array<Array<[number, string]>> }).lines;
  return lines
    .map((row) =>
      row
        .map((cell) => cell[1])
        .join('')
        .trimEnd(),
    )
    .join('\n');
}
