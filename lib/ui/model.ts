// The TUI's state and how it turns into text, without blessed: which pane
// is selected, what the log view shows (follow or anchored), search, help.
// screen.ts feeds it keys and data and paints what it returns.

import { formatBytes, formatExit, formatUptime } from '../proc/format.ts';
import type { PaneState, PaneStatus } from '../types/process.ts';
import { formatTrace, requestIdsIn, type LogRecord } from '../proc/trace.ts';
import { LogRing } from './log-ring.ts';
import { cleanLine, clip, escapeTags, stripSgr, wrapText } from './text.ts';

/** Group order in the pane list; other projects follow alphabetically. */
export const PROJECT_ORDER = [
  'infra',
  'keystone',
  'glance',
  'placement',
  'nova',
  'neutron',
  'cinder',
  'swift',
  'horizon',
];

export const STATE_MARK: Record<PaneState, string> = {
  ready: '{green-fg}+{/green-fg}',
  running: '{cyan-fg}*{/cyan-fg}',
  starting: '{yellow-fg}~{/yellow-fg}',
  crashed: '{red-fg}!{/red-fg}',
  stopped: '{gray-fg}-{/gray-fg}',
};

export interface PaneView extends PaneStatus {
  /** The command line to rerun by hand, already masked. */
  command: string;
  logFile: string;
}

export type ListRow = { kind: 'group'; project: string } | { kind: 'pane'; pane: PaneView };

export function groupPanes(panes: PaneView[]): ListRow[] {
  const rank = (p: string) => {
    const i = PROJECT_ORDER.indexOf(p);
    return i < 0 ? PROJECT_ORDER.length : i;
  };
  const projects = [...new Set(panes.map((p) => p.project))].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const rows: ListRow[] = [];
  for (const project of projects) {
    rows.push({ kind: 'group', project });
    for (const pane of panes.filter((p) => p.project === project)) rows.push({ kind: 'pane', pane });
  }
  return rows;
}

export interface Search {
  query: string;
  /** Absolute line number of the current hit in the viewed ring. */
  hit?: number;
}

/** The trace view: one request's lines from every pane, by time (lib/proc/trace.ts). */
export interface TraceView {
  id: string;
  ring: LogRing;
  panes: string[];
  /** The view to go back to. */
  from: 'pane' | 'all';
}

export class TuiModel {
  panes: PaneView[] = [];
  selected?: string;
  /** Log view: one pane, all panes merged, or one request's trace. */
  mode: 'pane' | 'all' | 'trace' = 'pane';
  trace?: TraceView;
  /** What the text being typed is for: `/` a search, `T` (or `t` on no id) a request id. */
  inputKind: 'search' | 'trace' = 'search';
  /** Absolute line number just past the bottom of the view; undefined = follow the tail. */
  anchor?: number;
  search?: Search;
  /** Text being typed after `/`. */
  input?: string;
  help = false;
  message = '';

  setPanes(panes: PaneView[]): void {
    this.panes = groupPanes(panes).flatMap((r) => (r.kind === 'pane' ? [r.pane] : []));
    if (!this.selected || !this.panes.some((p) => p.name === this.selected)) this.selected = this.panes[0]?.name;
  }

  current(): PaneView | undefined {
    return this.panes.find((p) => p.name === this.selected);
  }

  get follow(): boolean {
    return this.anchor === undefined;
  }

  move(delta: number): void {
    if (!this.panes.length) return;
    const i = Math.max(
      0,
      this.panes.findIndex((p) => p.name === this.selected),
    );
    const next = Math.min(this.panes.length - 1, Math.max(0, i + delta));
    if (this.panes[next].name !== this.selected) {
      this.selected = this.panes[next].name;
      this.mode = 'pane';
      this.trace = undefined;
      this.anchor = undefined;
      this.search = undefined;
    }
  }

  toggleAll(): void {
    this.mode = this.mode === 'all' ? 'pane' : 'all';
    this.trace = undefined;
    this.anchor = undefined;
    this.search = undefined;
  }

  /**
   * The request id the view points at: on the search hit, else on the
   * newest visible line that has one.
   */
  requestIdInView(ring: LogRing | undefined, height: number): string | undefined {
    if (!ring) return undefined;
    const hit = this.search?.hit;
    if (hit !== undefined) return requestIdsIn(ring.get(hit) ?? '')[0];
    const end = this.anchor ?? ring.total;
    for (let i = end - 1; i >= Math.max(ring.first, end - height); i--) {
      const ids = requestIdsIn(ring.get(i) ?? '');
      if (ids.length) return ids[0];
    }
    return undefined;
  }

  /** Show a request's trace from its first line; `t` or Esc goes back. */
  openTrace(id: string, records: readonly LogRecord[], height: number): void {
    const lines = formatTrace(records);
    const ring = new LogRing(Math.max(1, lines.length));
    for (const l of lines) ring.push(cleanLine(l));
    const from = this.mode === 'trace' ? (this.trace?.from ?? 'pane') : this.mode;
    this.trace = { id, ring, panes: [...new Set(records.map((r) => r.pane))], from };
    this.mode = 'trace';
    this.search = undefined;
    this.anchor = undefined;
    this.top(ring, height);
    this.message = lines.length ? `${records.length} records of ${id}` : `no pane log mentions ${id}`;
  }

  closeTrace(): void {
    this.mode = this.trace?.from ?? 'pane';
    this.trace = undefined;
    this.anchor = undefined;
    this.search = undefined;
  }

  toggleFollow(ring: LogRing | undefined): void {
    this.anchor = this.follow ? (ring?.total ?? 0) : undefined;
  }

  scroll(ring: LogRing | undefined, delta: number, height: number): void {
    if (!ring) return;
    const end = this.anchor ?? ring.total;
    const next = Math.max(Math.min(ring.first + height, ring.total), end + delta);
    this.anchor = next >= ring.total ? undefined : next;
  }

  top(ring: LogRing | undefined, height: number): void {
    if (ring) this.anchor = Math.min(ring.total, ring.first + height);
    if (ring && this.anchor === ring.total) this.anchor = undefined;
  }

  /** Search towards older lines (`/`, `n`) or newer ones (`N`); centres the hit and stops following. */
  find(ring: LogRing | undefined, height: number, direction: 'older' | 'newer' = 'older'): boolean {
    if (!ring || !this.search?.query) return false;
    const q = this.search.query.toLowerCase();
    const test = (l: string) => stripSgr(l).toLowerCase().includes(q);
    const from = this.search.hit ?? this.anchor ?? ring.total;
    const hit = direction === 'older' ? ring.findBack(from - 1, test) : ring.findForward(from + 1, test);
    if (hit === undefined) {
      this.message = `no ${direction === 'older' ? 'older' : 'newer'} match for '${this.search.query}'`;
      return false;
    }
    this.search.hit = hit;
    this.anchor = Math.min(ring.total, Math.max(hit + 1, hit + Math.floor(height / 2)));
    this.message = `match at line ${hit + 1}`;
    return true;
  }

  /** The visible log lines as blessed-tagged text, each clipped to `width`. */
  logLines(ring: LogRing | undefined, width: number, height: number): string[] {
    if (!ring) return [];
    const end = this.anchor ?? ring.total;
    const from = Math.max(ring.first, end - height);
    const hit = this.search?.hit;
    const out: string[] = [];
    for (let i = from; i < end; i++) {
      const line = ring.get(i) ?? '';
      if (i === hit) out.push(`{black-fg}{yellow-bg}${escapeTags(clip(stripSgr(line), width))}{/yellow-bg}{/black-fg}`);
      else out.push(escapeTags(clip(line, width)));
    }
    return out;
  }

  /** The pane list: group headers, one line per pane with its state mark, scrolled to keep the selection visible. */
  listLines(width: number, height: number): string[] {
    const rows = groupPanes(this.panes);
    const lines: string[] = [];
    let selRow = 0;
    for (const r of rows) {
      if (r.kind === 'group') {
        lines.push(`{bold}${escapeTags(r.project.slice(0, width))}{/bold}`);
        continue;
      }
      const p = r.pane;
      const state = p.state;
      const nameWidth = Math.max(1, width - 4 - state.length);
      const name = p.name.length > nameWidth ? p.name.slice(0, nameWidth - 1) + '…' : p.name.padEnd(nameWidth);
      const text = `${STATE_MARK[state]} ${escapeTags(name)} ${state}`;
      if (p.name === this.selected && this.mode === 'pane') {
        selRow = lines.length;
        lines.push(`{inverse} ${text} {/inverse}`);
      } else lines.push(` ${text}`);
    }
    if (lines.length <= height) return lines;
    const start = Math.min(Math.max(0, selRow - Math.floor(height / 2)), lines.length - height);
    return lines.slice(start, start + height);
  }

  /** Header: what is shown, its state, and the command line to rerun it by hand. */
  headerLines(width: number, merged: number, cmdRows = 2): string[] {
    const flags = `${this.follow ? 'follow' : 'paused'}${this.search ? `  /${this.search.query}` : ''}`;
    if (this.mode === 'trace' && this.trace) {
      const t = this.trace;
      return [
        escapeTags(clip(` trace ${t.id} (${t.ring.total} lines: ${t.panes.join(', ') || 'none'})  [${flags}]`, width)),
        clip(" every pane's lines of this request and its global request id, by time; t or Esc: back", width),
      ];
    }
    if (this.mode === 'all') {
      return [
        clip(` all panes merged (${merged})  [${flags}]`, width),
        clip(' each line is prefixed with its pane; a: back to one pane', width),
      ];
    }
    const p = this.current();
    if (!p) return [' no panes recorded', ''];
    const bits = [`${p.name}`, `[${p.project}]`, p.state];
    if (p.pid) bits.push(`pid ${p.pid}`);
    if (p.uptimeSec !== undefined) bits.push(`up ${formatUptime(p.uptimeSec)}`);
    if (p.rssBytes !== undefined) bits.push(`rss ${formatBytes(p.rssBytes)}`);
    if (p.port) bits.push(`port ${p.port}`);
    if (p.state === 'crashed') bits.push(formatExit(p.exit));
    return [
      escapeTags(clip(` ${bits.join('  ')}  [${flags}]`, width)),
      ...wrapText(` $ ${p.command}`, width, cmdRows).map(escapeTags),
    ];
  }

  statusLine(width: number): string {
    if (this.input !== undefined) {
      const prompt = this.inputKind === 'trace' ? `${this.message ? `${this.message}; ` : ''}trace request id: ` : '/';
      return escapeTags(clip(`${prompt}${this.input}`, width));
    }
    const keys = 'j/k select  r restart  s stop/start  / search  n/N next  f follow  a all  t trace  ? help  q quit';
    return escapeTags(clip(this.message ? `${this.message}  |  ${keys}` : keys, width));
  }
}

export const HELP_TEXT = [
  'tstack panes',
  '',
  '  j / k, arrows   select a pane',
  '  r               restart the selected pane (stop, start, wait for ready)',
  '  s               stop it, or start it when stopped or crashed',
  '  /               search the log (towards older lines); Enter to search, Esc to cancel',
  '  n / N           next older / newer match',
  '  f               follow the tail on/off',
  '  PgUp / PgDn     scroll; g top, G bottom (follow)',
  '  a               all panes merged, each line prefixed with its pane',
  '  t               trace the request id on the search hit (or the newest line showing one): every',
  "                  pane's lines of that request, by time; t or Esc goes back",
  '  T               type a request id to trace',
  '  ?               this help (any key closes it)',
  '  q, Ctrl-C       quit; the services keep running (./unstack.ts stops them)',
  '',
  'marks: + ready  ~ starting  * running (no probe)  ! crashed  - stopped',
  'the header shows the command line: rerun it by hand (under pdb) after s stops the pane',
];
