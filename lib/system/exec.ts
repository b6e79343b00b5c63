// The one door through which tstack runs short-lived commands (apt, git,
// *-manage, mysql). Long-running panes go through lib/proc/supervisor.ts.
//
// Every command's output is appended to the stack log, masked; a failure
// throws CommandError with the masked command, exit code and last 20 lines.

import { execa } from 'execa';
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { CommandError } from '../util/errors.ts';
import { mask } from '../util/secrets.ts';
import { shellQuote } from '../util/shell-quote.ts';
import type { RunOptions, RunResult, Shell } from '../types/shell.ts';

/** Prefix argv so it runs as `user` with that user's groups. */
export function asUser(argv: string[], user?: string): string[] {
  if (!user || user === 'root') return argv;
  return ['setpriv', `--reuid=${user}`, `--regid=${user}`, '--init-groups', '--', ...argv];
}

export const TAIL_LINES = 20;

// Commands run in their own process group (detached): a terminal's Ctrl-C goes
// to the whole foreground group, and would otherwise kill the mysql client, db
// sync or dpkg of a step in flight, failing it, when the first Ctrl-C means
// "let the steps in flight settle". The groups in flight are kept here so an
// abort (second Ctrl-C) or an unexpected exit can still end them.
const inFlight = new Set<number>();

/** End every command still running (its whole process group); for the abort path. */
export function killRunningCommands(signal: NodeJS.Signals = 'SIGTERM'): number {
  let n = 0;
  for (const pgid of inFlight) {
    try {
      process.kill(-pgid, signal);
      n++;
    } catch {
      // already gone
    }
  }
  return n;
}

let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // execa's own clean-up does not cover detached children
  process.on('exit', () => killRunningCommands('SIGTERM'));
}

/** The real shell: execa, logging to `logFile`. */
export class SystemShell implements Shell {
  constructor(readonly logFile?: string) {
    if (logFile) mkdirSync(dirname(logFile), { recursive: true });
  }

  private log(text: string): void {
    if (this.logFile) appendFileSync(this.logFile, mask(text));
  }

  async run(argv: string[], opts: RunOptions = {}): Promise<RunResult> {
    const full = asUser(argv, opts.user);
    const shown = mask(shellQuote(full));
    this.log(`\n$ ${shown}\n`);
    const child = execa(full[0], full.slice(1), {
      env: { LC_ALL: 'C.UTF-8', ...opts.env },
      cwd: opts.cwd,
      input: opts.input,
      stdin: opts.input === undefined ? 'ignore' : undefined,
      all: true,
      reject: false,
      timeout: opts.timeoutSec ? opts.timeoutSec * 1000 : undefined,
      stripFinalNewline: true,
      lines: false,
      detached: true,
    });
    installExitHook();
    const pgid = child.pid;
    if (pgid !== undefined) inFlight.add(pgid);
    const lines: string[] = [];
    if (child.all) {
      let partial = '';
      child.all.on('data', (chunk: Buffer) => {
        const text = partial + chunk.toString();
        const parts = text.split('\n');
        partial = parts.pop() ?? '';
        for (const l of parts) {
          const m = mask(l);
          lines.push(m);
          if (lines.length > 2000) lines.splice(0, 1000);
          this.log(m + '\n');
          opts.onLine?.(m);
        }
      });
      child.all.on('end', () => {
        if (partial) {
          const m = mask(partial);
          lines.push(m);
          this.log(m + '\n');
          opts.onLine?.(m);
        }
      });
    }
    const r = await child.finally(() => {
      if (pgid !== undefined) inFlight.delete(pgid);
    });
    const code = typeof r.exitCode === 'number' ? r.exitCode : r.failed ? 1 : 0;
    if (r.timedOut) lines.push(`(killed after ${opts.timeoutSec}s timeout)`);
    if (r.failed && r.exitCode === undefined && !r.timedOut) lines.push(mask(r.shortMessage ?? 'failed to start'));
    this.log(`# exit ${code}\n`);
    if (code !== 0 && !opts.allowFailure) {
      throw new CommandError(shown, code, lines.slice(-TAIL_LINES), this.logFile);
    }
    return {
      code,
      stdout: String(r.stdout ?? ''),
      stderr: String(r.stderr ?? ''),
      ...(r.timedOut ? { timedOut: true } : {}),
    };
  }
}
