// Text for `status` and the TUI (pure).

import type { PaneStatus } from '../types/process.ts';

export function formatUptime(sec: number | undefined): string {
  if (sec === undefined) return '-';
  if (sec < 60) return `${sec}s`;
  if (sec < 3600) return `${Math.floor(sec / 60)}m${String(sec % 60).padStart(2, '0')}s`;
  if (sec < 86400) return `${Math.floor(sec / 3600)}h${String(Math.floor((sec % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(sec / 86400)}d${String(Math.floor((sec % 86400) / 3600)).padStart(2, '0')}h`;
}

export function formatBytes(n: number | undefined): string {
  if (n === undefined) return '-';
  if (n < 1024 * 1024) return `${Math.round(n / 1024)}K`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)}M`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)}G`;
}

/** "exit 3 at 12:01:05", "SIGKILL at ...", "exit code unknown". */
export function formatExit(exit: PaneStatus['exit']): string {
  if (!exit) return 'exit code unknown';
  const at = exit.at.replace(/^\d{4}-\d{2}-\d{2}T(\d{2}:\d{2}:\d{2}).*$/, '$1');
  return `${exit.signal ? exit.signal : `exit ${exit.code}`} at ${at}`;
}

export function formatStatusTable(rows: PaneStatus[]): string {
  const head = ['PANE', 'PROJECT', 'STATE', 'PID', 'UPTIME', 'READY', 'RSS', 'PORT', ''];
  const body = rows.map((r) => [
    r.name,
    r.project,
    r.state,
    r.pid === undefined ? '-' : String(r.pid),
    formatUptime(r.uptimeSec),
    r.ready ? 'yes' : 'no',
    formatBytes(r.rssBytes),
    r.port === undefined ? '-' : String(r.port),
    r.state === 'crashed' ? formatExit(r.exit) : '',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  return [head, ...body]
    .map((cols) =>
      cols
        .map((c, i) => c.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
