import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  contextPairs,
  formatTrace,
  lineTime,
  normalizeRequestId,
  readTail,
  relatedIds,
  splitRecords,
  traceLogs,
  traceRecords,
} from '../../../lib/proc/trace.ts';

const A = 'req-0a1b2c3d-0000-4000-8000-00000000000a'; // n-api's request: RPC carries it as the request id
const P = 'req-0a1b2c3d-0000-4000-8000-0000000000b1'; // placement's own id for n-sch's call (global: A)
const Q = 'req-0a1b2c3d-0000-4000-8000-0000000000c1'; // neutron's own id for n-cpu's call (global: A)
const OTHER = 'req-0a1b2c3d-0000-4000-8000-0000000000ff';

// oslo.log's default context format: [global_request_id request_id user project domain ...]
const line = (t: string, pid: number, level: string, logger: string, global: string, req: string, msg: string) =>
  `2026-11-30 ${t} ${pid} ${level} ${logger} [${global} ${req} admin admin - - default default] ${msg}`;

const LOGS = [
  {
    pane: 'n-api',
    lines: [
      '[uwsgi] spawned uWSGI worker 1',
      line('10:00:00.100', 11, 'INFO', 'nova.api.openstack.requestlog', 'None', A, 'POST /v2.1/servers'),
      line('10:00:00.900', 11, 'INFO', 'nova.api.openstack.requestlog', 'None', OTHER, 'GET /v2.1/servers'),
    ],
  },
  {
    pane: 'n-sch',
    lines: [line('10:00:00.300', 12, 'DEBUG', 'nova.scheduler.manager', 'None', A, 'Starting to schedule')],
  },
  {
    pane: 'placement-api',
    lines: [
      line('10:00:00.400', 13, 'INFO', 'placement.requestlog', A, P, 'GET /allocation_candidates'),
      line('10:00:00.410', 13, 'DEBUG', 'placement.handlers', 'None', P, 'found 1 candidate'),
    ],
  },
  {
    pane: 'n-cpu',
    lines: [
      line('10:00:00.700', 14, 'ERROR', 'nova.compute.manager', 'None', A, 'Instance failed to spawn'),
      'Traceback (most recent call last):',
      '  File "x.py", line 1, in f',
      line('10:00:01.000', 14, 'DEBUG', 'nova.compute.manager', 'None', OTHER, 'unrelated'),
    ],
  },
  {
    pane: 'q-svc',
    lines: [line('10:00:00.600', 15, 'INFO', 'neutron.wsgi', A, Q, 'PUT /v2.0/ports/x')],
  },
];

describe('request ids', () => {
  it('takes req-<uuid> or the bare uuid, in any case; refuses anything else', () => {
    expect(normalizeRequestId(A)).toBe(A);
    expect(normalizeRequestId(` ${A.slice(4).toUpperCase()} `)).toBe(A);
    expect(normalizeRequestId('req-123')).toBeUndefined();
    expect(normalizeRequestId('n-api')).toBeUndefined();
  });

  it("reads oslo.log's global/request pairs, skipping None", () => {
    expect(contextPairs(LOGS[2].lines.join('\n'))).toEqual([[A, P]]);
    expect(contextPairs(LOGS[0].lines.join('\n'))).toEqual([]);
  });

  it("links a request to its global id and to every request carrying it, from any member's id", () => {
    const pairs: [string, string][] = [
      [A, P],
      [A, Q],
    ];
    expect([...relatedIds(A, pairs)].sort()).toEqual([A, P, Q].sort());
    expect([...relatedIds(P, pairs)].sort()).toEqual([A, P, Q].sort());
    expect([...relatedIds(OTHER, pairs)]).toEqual([OTHER]);
  });
});

describe('records', () => {
  it("parses oslo.log's timestamp (and ISO with a T) to the millisecond", () => {
    expect(lineTime('2026-11-30 10:00:00.123 1 INFO x')).toBe(Date.UTC(2026, 10, 30, 10, 0, 0, 123));
    expect(lineTime('2026-11-30T10:00:00.5Z x')).toBe(Date.UTC(2026, 10, 30, 10, 0, 0, 500));
    expect(lineTime('  File "x.py", line 1')).toBeUndefined();
  });

  it('keeps a traceback with the record above it', () => {
    const r = splitRecords('n-cpu', LOGS[3].lines);
    expect(r.map((x) => x.lines.length)).toEqual([3, 1]);
  });
});

describe('traceRecords', () => {
  it("merges every pane's lines of the request by time, tracebacks included, nothing else", () => {
    const out = formatTrace(traceRecords(LOGS, A));
    expect(out.map((l) => l.split(' | ')[0].trim())).toEqual([
      'n-api',
      'n-sch',
      'placement-api',
      'placement-api',
      'q-svc',
      'n-cpu',
      'n-cpu',
      'n-cpu',
    ]);
    expect(out.join('\n')).not.toContain(OTHER);
    expect(out[6]).toBe('n-cpu         | Traceback (most recent call last):');
  });

  it("finds the same request from placement's own id", () => {
    expect(traceRecords(LOGS, P).length).toBe(traceRecords(LOGS, A).length);
  });

  it('is empty for an id no log has', () => {
    expect(traceRecords(LOGS, 'req-0a1b2c3d-0000-4000-8000-000000000000')).toEqual([]);
  });

  it('reads the pane log files, a tail cut to whole lines', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tstack-trace-'));
    try {
      const files = LOGS.map((l) => {
        const file = join(dir, `${l.pane}.log`);
        writeFileSync(file, `${l.lines.join('\n')}\n`);
        return { name: l.pane, logFile: file };
      });
      expect(traceLogs([...files, { name: 'gone', logFile: join(dir, 'gone.log') }], A).length).toBe(6);
      const small = join(dir, 'small.log');
      writeFileSync(small, 'aaaa\nbbbb\ncc\n');
      expect(readTail(small, 100)).toEqual(['aaaa', 'bbbb', 'cc']);
      expect(readTail(small, 8)).toEqual(['bbbb', 'cc']);
      expect(readTail(small, 6)).toEqual(['cc']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
