// Readiness probes: one attempt each, answering "ready yet?". The waiting
// loop (timeout, fail fast when the process dies) is in supervisor.ts.

import { spawn } from 'node:child_process';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { connect } from 'node:net';
import { asUser } from '../system/exec.ts';
import type { Probe } from '../types/process.ts';

/** devstack's wait_for_service: anything that answers, except 503 and server errors. */
export function httpStatusReady(status: number, expect?: number[]): boolean {
  if (expect?.length) return expect.includes(status);
  return status < 500 && status !== 503;
}

export interface ProbeAttempt {
  ready: boolean;
  /** Why not ready, for the timeout message ("connection refused", "HTTP 503"...). */
  detail?: string;
}

async function httpAttempt(url: string, expect: number[] | undefined, timeoutMs: number): Promise<ProbeAttempt> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    await res.body?.cancel();
    return httpStatusReady(res.status, expect) ? { ready: true } : { ready: false, detail: `HTTP ${res.status}` };
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    return { ready: false, detail: cause?.code ?? (err as Error).message };
  }
}

function tcpAttempt(host: string, port: number, timeoutMs: number): Promise<ProbeAttempt> {
  return new Promise((resolve) => {
    const sock = connect({ host, port });
    const done = (r: ProbeAttempt) => {
      sock.destroy();
      resolve(r);
    };
    sock.setTimeout(timeoutMs, () => done({ ready: false, detail: 'connect timeout' }));
    sock.once('connect', () => done({ ready: true }));
    sock.once('error', (e: NodeJS.ErrnoException) => done({ ready: false, detail: e.code ?? e.message }));
  });
}

function commandAttempt(argv: string[], user: string | undefined, timeoutMs: number): Promise<ProbeAttempt> {
  return new Promise((resolve) => {
    const full = asUser(argv, user);
    const child = spawn(full[0], full.slice(1), { stdio: 'ignore', timeout: timeoutMs, killSignal: 'SIGKILL' });
    child.once('error', (e: NodeJS.ErrnoException) => resolve({ ready: false, detail: e.code ?? e.message }));
    child.once('exit', (code, signal) =>
      resolve(code === 0 ? { ready: true } : { ready: false, detail: signal ? `killed by ${signal}` : `exit ${code}` }),
    );
  });
}

/**
 * Scans a log file for a pattern from a byte offset on, remembering where it
 * stopped, so each attempt reads only new bytes. Partial last lines are kept
 * until their newline arrives.
 */
export class LogScanner {
  private partial = '';
  private readonly re: RegExp;

  constructor(
    readonly file: string,
    private offset: number,
    pattern: string,
  ) {
    this.re = new RegExp(pattern);
  }

  attempt(): ProbeAttempt {
    let fd: number;
    try {
      fd = openSync(this.file, 'r');
    } catch {
      return { ready: false, detail: 'no log file' };
    }
    try {
      const size = fstatSync(fd).size;
      if (size < this.offset) this.offset = 0; // truncated: start over
      const buf = Buffer.alloc(64 * 1024);
      while (this.offset < size) {
        const n = readSync(fd, buf, 0, Math.min(buf.length, size - this.offset), this.offset);
        if (n <= 0) break;
        this.offset += n;
        const lines = (this.partial + buf.toString('utf8', 0, n)).split('\n');
        this.partial = lines.pop() ?? '';
        if (lines.some((l) => this.re.test(l))) return { ready: true };
      }
      return { ready: false, detail: `no line matching /${this.re.source}/ yet` };
    } finally {
      closeSync(fd);
    }
  }
}

/** Creates the attempt function for a probe; log probes keep their scan position between attempts. */
export function prober(
  probe: Probe,
  logFile: string,
  logOffset: number,
  attemptTimeoutMs = 2000,
): () => Promise<ProbeAttempt> {
  switch (probe.kind) {
    case 'http':
      return () => httpAttempt(probe.url, probe.expectStatus, attemptTimeoutMs);
    case 'tcp':
      return () => tcpAttempt(probe.host, probe.port, attemptTimeoutMs);
    case 'command':
      return () => commandAttempt(probe.argv, probe.user, Math.max(attemptTimeoutMs, 10_000));
    case 'log': {
      const scanner = new LogScanner(logFile, logOffset, probe.pattern);
      return async () => scanner.attempt();
    }
  }
}

/** One-line description for messages: `http://127.0.0.1:5000/v3`, `tcp 127.0.0.1:5672`... */
export function describeProbe(probe: Probe): string {
  switch (probe.kind) {
    case 'http':
      return `GET ${probe.url}`;
    case 'tcp':
      return `tcp ${probe.host}:${probe.port}`;
    case 'command':
      return `command ${probe.argv.join(' ')}`;
    case 'log':
      return `log line /${probe.pattern}/`;
  }
}
