// The TUI's state and how it turns into text, without blessed: which pane
// is selected, what the log view shows (follow or anchored), search, help.
// screen.ts feeds it keys and data and paints what it returns.

import { formatBytes, formatExit, formatUptime } from '../proc/format.ts';
import type { PaneState, PaneStatus } from '../types/process.ts';
import type { LogRing } from './log-ring.ts';
import { clip, escapeTags, stripSgr, wrapText } from './text.ts';

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

export class TuiModel {
  panes: PaneView[] = [];
  selected?: string;
  /** Log view: one pane or all panes merged. */
  mode: 'pane' | 'all' = 'pane';
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
      this.anchor = undefined;
      this.search = undefined;
    }
  }

  toggleAll(): void {
    this.mode = this.mode === 'all' ? 'pane' : 'all';
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
    if (this.input !== undefined) return escapeTags(clip(`/${this.input}`, width));
    const keys = 'j/k select  r restart  s stop/start  / search  n/N next  f follow  a all  ? help  q quit';
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
  '  ?               this help (any key closes it)',
  '  q, Ctrl-C       quit; the services keep running (./unstack.ts stops them)',
  '',
  'marks: + ready  ~ starting  * running (no probe)  ! crashed  - stopped',
  'the header shows the command line: rerun it by hand (under pdb) after s stops the pane',
];
