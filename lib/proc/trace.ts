// Following one request across panes: `./stack.ts trace REQ-ID` and the
// TUI's trace view. oslo.log writes each record's context as
// `[<global_request_id> <request_id> <user identity>]`: the service that
// took the HTTP call (n-api) makes `req-A`; RPC carries req-A to n-cond,
// n-sch and n-cpu as their request id, and HTTP calls to placement or
// neutron carry it as the global id beside their own `req-B`. The trace is
// every record of every pane whose request ids are linked to the given one
// through such pairs, in timestamp order. Pure except traceLogs (reads files).

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** `req-` and a UUID: what oslo.context makes, and what X-OpenStack-Request-ID carries. */
const REQ_ID = /req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/** The global/request pair of oslo.log's context (`None` when there is no global id). */
const CONTEXT = /\[(None|-|req-[0-9a-f-]{36}) (req-[0-9a-f-]{36})[\s\]]/g;

/** oslo.log's `2026-11-30 09:54:32.123` (and ISO 8601 with a T), at the start of a line. */
const STAMP = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,6}))?/;

/** One log record: a timestamped line and the lines up to the next one (a traceback). */
export interface LogRecord {
  pane: string;
  /** Milliseconds of the written wall-clock time (no zone: every pane writes the same local time). */
  time?: number;
  lines: string[];
}

export interface PaneLog {
  pane: string;
  lines: readonly string[];
}

/** The request id a user typed: `req-<uuid>` or the bare UUID; undefined when it is neither. */
export function normalizeRequestId(text: string): string | undefined {
  const t = text.trim().toLowerCase();
  const id = t.startsWith('req-') ? t : `req-${t}`;
  return new RegExp(`^${REQ_ID.source}$`).test(id) ? id : undefined;
}

/** Every request id in a line, in order. */
export function requestIdsIn(line: string): string[] {
  return [...line.matchAll(REQ_ID)].map((m) => m[0]);
}

/** The timestamp a log line starts with, in milliseconds; undefined for a continuation line. */
export function lineTime(line: string): number | undefined {
  const m = STAMP.exec(line);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac = '0'] = m;
  const ms = Number(frac.padEnd(3, '0').slice(0, 3));
  return Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
}

/** Lines into records: a line without a timestamp belongs to the record above it. */
export function splitRecords(pane: string, lines: readonly string[]): LogRecord[] {
  const out: LogRecord[] = [];
  for (const line of lines) {
    const time = lineTime(line);
    const last = out.at(-1);
    if (time === undefined && last) last.lines.push(line);
    else out.push({ pane, time, lines: [line] });
  }
  return out;
}

/** The (global, request) id pairs of oslo.log contexts in a text. */
export function contextPairs(text: string): [string, string][] {
  const pairs: [string, string][] = [];
  for (const m of text.matchAll(CONTEXT)) if (m[1].startsWith('req-')) pairs.push([m[1], m[2]]);
  return pairs;
}

/**
 * The ids that belong to the request: the given one, its global id, and
 * every request whose global id is one of these, until nothing new is added.
 */
export function relatedIds(id: string, pairs: Iterable<[string, string]>): Set<string> {
  const ids = new Set([id]);
  const list = [...pairs];
  let grew = true;
  while (grew) {
    grew = false;
    for (const [global, request] of list) {
      if (ids.has(global) !== ids.has(request)) {
        ids.add(global);
        ids.add(request);
        grew = true;
      }
    }
  }
  return ids;
}

/** A record carrying one of `ids`. */
function carries(record: LogRecord, ids: ReadonlySet<string>): boolean {
  return record.lines.some((l) => requestIdsIn(l).some((x) => ids.has(x)));
}

/**
 * The records of every pane that carry the request (or a request linked to
 * it), ordered by time; records at the same millisecond keep pane order and
 * file order. Records without a time (before a pane's first timestamp) go first.
 */
export function traceRecords(logs: readonly PaneLog[], id: string): LogRecord[] {
  const ids = relatedIds(
    id,
    logs.flatMap((l) => contextPairs(l.lines.join('\n'))),
  );
  const hits = logs.flatMap((l, paneIndex) =>
    splitRecords(l.pane, l.lines)
      .filter((r) => carries(r, ids))
      .map((r, i) => ({ r, paneIndex, i })),
  );
  hits.sort(
    (a, b) =>
      (a.r.time ?? Number.NEGATIVE_INFINITY) - (b.r.time ?? Number.NEGATIVE_INFINITY) ||
      a.paneIndex - b.paneIndex ||
      a.i - b.i,
  );
  return hits.map((h) => h.r);
}

/** `pane | line`, every line of every record, panes padded to one width. */
export function formatTrace(records: readonly LogRecord[]): string[] {
  const width = Math.max(0, ...records.map((r) => r.pane.length));
  return records.flatMap((r) => r.lines.map((l) => `${r.pane.padEnd(width)} | ${l}`));
}

/** Up to `maxBytes` from the end of a file, cut to whole lines; [] when it cannot be read. */
export function readTail(file: string, maxBytes: number): string[] {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return [];
  }
  try {
    const size = fstatSync(fd).size;
    // one byte before the cut, to see whether the cut falls at a line's start
    const start = Math.max(0, size - maxBytes - 1);
    const buf = Buffer.alloc(size - start);
    readSync(fd, buf, 0, buf.length, start);
    const lines = buf.toString('utf8').split('\n');
    if (start > 0) lines.shift(); // the line the cut fell in (or the empty rest of the line before it)
    if (lines.at(-1) === '') lines.pop();
    return lines;
  } finally {
    closeSync(fd);
  }
}

/** Each log's last 64 MiB: a day of debug logging of one service on a dev stack. */
export const TRACE_BYTES_PER_LOG = 64 * 1024 * 1024;

/** The trace of `id` over the panes' log files. */
export function traceLogs(panes: readonly { name: string; logFile: string }[], id: string): LogRecord[] {
  const logs = panes.map((p) => ({ pane: p.name, lines: readTail(p.logFile, TRACE_BYTES_PER_LOG) }));
  return traceRecords(logs, id);
}
