// The blessed TUI: pane list (left), the selected pane's log (right), a
// header with the command line, a status line. Logs come from LogFeed rings
// and are painted on a timer (never blessed's Log widget); pane states come
// from the supervisor's records and /proc. Quitting leaves every service
// running: the TUI is only a view plus restart/stop buttons.

import blessed from 'blessed';
import { commandLine, Supervisor } from '../proc/supervisor.ts';
import { registerSpecSecrets } from '../proc/secrets.ts';
import { UsageError } from '../util/errors.ts';
import { mask } from '../util/secrets.ts';
import { LogFeed, type FeedOptions } from './feed.ts';
import type { LogRing } from './log-ring.ts';
import { HELP_TEXT, TuiModel, type PaneView } from './model.ts';

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

const LIST_WIDTH = 30;
const HEADER_ROWS = 3;

export function createTui(opts: TuiOptions): TuiHandle {
  const input = opts.input ?? process.stdin;
  const output = opts.output ?? process.stdout;
  const env = opts.env ?? process.env;
  if (!canOpenTui(input, output, env)) throw new UsageError('the TUI needs a terminal (no TTY, or CI=true)');
  // Under tmux/screen blessed would draw line characters through the ACS
  // charset, which breaks on many setups; UTF-8 terminals do not need it.
  if (env.NCURSES_NO_UTF8_ACS === undefined && /utf-?8/i.test(`${env.LANG}${env.LC_ALL}${env.LC_CTYPE}`)) process.env.NCURSES_NO_UTF8_ACS = '1';

  const sup = opts.supervisor ?? new Supervisor({ stateDir: opts.stateDir, logDir: opts.logDir });
  const feed = new LogFeed(opts.feed);
  const model = new TuiModel();

  const screen = blessed.screen({
    input: input as never,
    output: output as never,
    terminal: opts.terminal,
    smartCSR: true,
    warnings: false,
    fullUnicode: false,
    autoPadding: false,
    title: 'tstack',
  });
  const header = blessed.box({ parent: screen, top: 0, left: 0, width: '100%', height: HEADER_ROWS, tags: true, wrap: false, style: { bg: 'blue', fg: 'white' } });
  const list = blessed.box({ parent: screen, top: HEADER_ROWS, left: 0, width: LIST_WIDTH, height: `100%-${HEADER_ROWS + 1}`, tags: true, wrap: false });
  const sep = blessed.box({ parent: screen, top: HEADER_ROWS, left: LIST_WIDTH, width: 1, height: `100%-${HEADER_ROWS + 1}`, wrap: false, style: { fg: 'gray' } });
  const log = blessed.box({ parent: screen, top: HEADER_ROWS, left: LIST_WIDTH + 1, width: `100%-${LIST_WIDTH + 1}`, height: `100%-${HEADER_ROWS + 1}`, tags: true, wrap: false });
  const status = blessed.box({ parent: screen, bottom: 0, left: 0, width: '100%', height: 1, tags: true, wrap: false, style: { bg: 'gray', fg: 'black' } });
  const help = blessed.box({
    parent: screen,
    top: 'center',
    left: 'center',
    width: 92,
    height: HELP_TEXT.length + 2,
    border: 'line',
    content: HELP_TEXT.join('\n'),
    hidden: true,
    wrap: false,
  });

  const viewRing = (): LogRing | undefined => (model.mode === 'all' ? feed.merged : model.selected ? feed.ring(model.selected) : undefined);
  const logHeight = () => Math.max(1, Number(log.height));

  let dirty = true;
  const paint = () => {
    dirty = false;
    const cols = Number(screen.width);
    const h = logHeight();
    header.setContent(model.headerLines(cols, feed.merged.total).join('\n'));
    list.setContent(model.listLines(LIST_WIDTH - 1, h).join('\n'));
    sep.setContent(Array(h).fill('│').join('\n'));
    log.setContent(model.logLines(viewRing(), Number(log.width), h).join('\n'));
    status.setContent(model.statusLine(cols));
    if (model.help) help.show();
    else help.hide();
    screen.render();
  };

  const pollLogs = () => {
    const changed = feed.poll();
    if (changed.size && (model.mode === 'all' || (model.selected && changed.has(model.selected)))) dirty = true;
  };

  let statusRunning: Promise<void> | undefined;
  const refreshStatus = (): Promise<void> => {
    statusRunning ??= (async () => {
      try {
        const records = sup.records();
        const states = await sup.status();
        feed.sync(records.map((r) => ({ name: r.spec.name, logFile: r.logFile })));
        const views: PaneView[] = states.map((st) => {
          const rec = records.find((r) => r.spec.name === st.name)!;
          registerSpecSecrets(rec.spec);
          return { ...st, command: mask(commandLine(rec.spec)), logFile: rec.logFile };
        });
        model.setPanes(views);
        dirty = true;
      } finally {
        statusRunning = undefined;
      }
    })();
    return statusRunning;
  };

  const inflight = new Set<Promise<void>>();
  const busy = new Set<string>();
  const act = (kind: 'restart' | 'toggle') => {
    const pane = model.current();
    if (!pane || model.mode !== 'pane') return;
    const name = pane.name;
    if (busy.has(name)) {
      model.message = `${name}: still busy`;
      return;
    }
    busy.add(name);
    const running = pane.state === 'ready' || pane.state === 'starting' || pane.state === 'running';
    const p = (async () => {
      if (kind === 'toggle' && running) {
        model.message = `stopping ${name}…`;
        dirty = true;
        await sup.stop(name);
        model.message = `${name} stopped`;
        return;
      }
      model.message = `${kind === 'restart' ? 'restarting' : 'starting'} ${name}…`;
      dirty = true;
      if (kind === 'restart') await sup.restart(name);
      else await sup.startRecorded(name);
      await refreshStatus();
      await sup.waitReady(name);
      model.message = `${name} ${pane.state === 'running' || !sup.record(name).spec.probe ? 'running' : 'ready'}`;
    })()
      .catch((err: unknown) => {
        model.message = mask(`${name}: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`);
      })
      .finally(() => {
        busy.delete(name);
        inflight.delete(p);
        return refreshStatus().catch(() => undefined);
      });
    inflight.add(p);
  };

  let quit!: () => void;
  const done = new Promise<void>((resolve) => {
    quit = () => {
      clearInterval(paintTimer);
      clearInterval(statusTimer);
      screen.destroy();
      resolve();
    };
  });

  screen.on('keypress', (ch: string | undefined, key: { name?: string; full?: string; ctrl?: boolean } | undefined) => {
    const name = key?.name ?? '';
    const h = logHeight();
    if (key?.full === 'C-c') return quit();
    if (model.help) {
      model.help = false;
    } else if (model.input !== undefined) {
      if (name === 'enter' || name === 'return') {
        const q = model.input;
        model.input = undefined;
        if (q) {
          model.search = { query: q };
          model.find(viewRing(), h, 'older');
        } else model.search = undefined;
      } else if (name === 'escape') model.input = undefined;
      else if (name === 'backspace') model.input = model.input.slice(0, -1);
      else if (ch && ch >= ' ' && !key?.ctrl) model.input += ch;
    } else {
      model.message = '';
      switch (ch ?? '') {
        case 'q':
          return quit();
        case 'j':
          model.move(1);
          break;
        case 'k':
          model.move(-1);
          break;
        case 'r':
          act('restart');
          break;
        case 's':
          act('toggle');
          break;
        case '/':
          model.input = '';
          break;
        case 'n':
          model.find(viewRing(), h, 'older');
          break;
        case 'N':
          model.find(viewRing(), h, 'newer');
          break;
        case 'f':
          model.toggleFollow(viewRing());
          break;
        case 'a':
          model.toggleAll();
          break;
        case '?':
          model.help = true;
          break;
        case 'g':
          model.top(viewRing(), h);
          break;
        case 'G':
          model.anchor = undefined;
          break;
        default:
          if (name === 'down') model.move(1);
          else if (name === 'up') model.move(-1);
          else if (name === 'pageup') model.scroll(viewRing(), -(h - 1), h);
          else if (name === 'pagedown') model.scroll(viewRing(), h - 1, h);
          else if (name === 'escape') model.search = undefined;
      }
    }
    paint();
  });
  screen.on('resize', () => {
    dirty = true;
  });

  const paintTimer = setInterval(() => {
    pollLogs();
    if (dirty) paint();
  }, opts.paintMs ?? 100);
  const statusTimer = setInterval(() => void refreshStatus().catch(() => undefined), opts.statusMs ?? 1000);

  const refresh = async () => {
    await refreshStatus();
    pollLogs();
    paint();
  };
  void refresh().catch(() => undefined);

  return {
    screen,
    model,
    feed,
    done,
    refresh,
    idle: async () => {
      while (inflight.size) await Promise.allSettled([...inflight]);
    },
    text: () => screenText(screen),
    quit: () => quit(),
  };
}

/** Plain-text rows of the screen buffer (`screen.lines` is not in @types/blessed). */
export function screenText(screen: blessed.Widgets.Screen): string {
  const lines = (screen as unknown as { lines: Array<Array<[number, string]>> }).lines;
  return lines.map((row) => row.map((cell) => cell[1]).join('').trimEnd()).join('\n');
}
