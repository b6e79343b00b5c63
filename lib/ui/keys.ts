// The keys: what each does to the model (selection, scrolling, search,
// follow, help) or which pane action it starts. The screen paints after
// every key except the ones that quit.

import type { LogRing } from './log-ring.ts';
import type { TuiModel } from './model.ts';
import type { PaneAction } from './actions.ts';
import { normalizeRequestId } from '../proc/trace.ts';

export interface KeyInfo {
  name?: string;
  full?: string;
  ctrl?: boolean;
}

export interface KeyTarget {
  model: TuiModel;
  /** The log shown on the right. */
  viewRing(): LogRing | undefined;
  /** Rows of the log box (page size). */
  logHeight(): number;
  act(kind: PaneAction): void;
  /** Open the trace view of a request id (reads every pane's log). */
  trace(id: string): void;
}

/** Apply one keypress; `quit` when the user asked to leave (q, Ctrl-C), else `paint`. */
export function handleKey(ch: string | undefined, key: KeyInfo | undefined, t: KeyTarget): 'quit' | 'paint' {
  const { model } = t;
  const name = key?.name ?? '';
  if (key?.full === 'C-c') return 'quit';
  if (model.help) model.help = false;
  else if (model.input !== undefined) searchInput(ch, key, t);
  else {
    model.message = '';
    if (ch === 'q') return 'quit';
    command(ch ?? '', name, t);
  }
  return 'paint';
}

/** Typing a search after `/` (or a request id after `T`): enter searches older lines, escape cancels. */
function searchInput(ch: string | undefined, key: KeyInfo | undefined, t: KeyTarget): void {
  const { model } = t;
  const name = key?.name ?? '';
  if (model.input === undefined) return;
  if (name === 'enter' || name === 'return') {
    const q = model.input;
    model.input = undefined;
    if (model.inputKind === 'trace') {
      const id = normalizeRequestId(q);
      if (id) t.trace(id);
      else if (q) model.message = `'${q}' is not a request id (req- and a UUID)`;
    } else if (q) {
      model.search = { query: q };
      model.find(t.viewRing(), t.logHeight(), 'older');
    } else model.search = undefined;
  } else if (name === 'escape') model.input = undefined;
  else if (name === 'backspace') model.input = model.input.slice(0, -1);
  else if (ch && ch >= ' ' && !key?.ctrl) model.input += ch;
}

function command(ch: string, name: string, t: KeyTarget): void {
  const { model } = t;
  const h = t.logHeight();
  switch (ch) {
    case 'j':
      model.move(1);
      break;
    case 'k':
      model.move(-1);
      break;
    case 'r':
      t.act('restart');
      break;
    case 's':
      t.act('toggle');
      break;
    case '/':
      model.input = '';
      model.inputKind = 'search';
      break;
    case 't':
      if (model.mode === 'trace') model.closeTrace();
      else traceInView(t);
      break;
    case 'T':
      model.input = '';
      model.inputKind = 'trace';
      break;
    case 'n':
      model.find(t.viewRing(), h, 'older');
      break;
    case 'N':
      model.find(t.viewRing(), h, 'newer');
      break;
    case 'f':
      model.toggleFollow(t.viewRing());
      break;
    case 'a':
      model.toggleAll();
      break;
    case '?':
      model.help = true;
      break;
    case 'g':
      model.top(t.viewRing(), h);
      break;
    case 'G':
      model.anchor = undefined;
      break;
    default:
      if (name === 'down') model.move(1);
      else if (name === 'up') model.move(-1);
      else if (name === 'pageup') model.scroll(t.viewRing(), -(h - 1), h);
      else if (name === 'pagedown') model.scroll(t.viewRing(), h - 1, h);
      else if (name === 'escape') {
        if (model.search) model.search = undefined;
        else if (model.mode === 'trace') model.closeTrace();
      }
  }
}

/** `t`: the request id the view points at, else ask for one. */
function traceInView(t: KeyTarget): void {
  const id = t.model.requestIdInView(t.viewRing(), t.logHeight());
  if (id) t.trace(id);
  else {
    t.model.input = '';
    t.model.inputKind = 'trace';
    t.model.message = 'no request id in view';
  }
}
