// Errors of the supervision layer. They carry `tail` and `logFile` like
// CommandError, so lib/cli/exit.ts prints the last log lines under a
// failed step.

import { mask } from '../util/secrets.ts';
import type { ProcessRecord } from '../types/process.ts';

/** A pane did not become ready: timed out, or its process exited while we waited. */
export class ReadinessError extends Error {
  constructor(
    readonly pane: string,
    message: string,
    /** The last lines of the pane's log (masked). */
    readonly tail: string[],
    readonly logFile: string,
    /** Set when the process exited while we waited. */
    readonly exit?: ProcessRecord['exit'],
  ) {
    super(mask(message));
    this.name = 'ReadinessError';
  }
}

/** Processes of a pane survived SIGKILL (in D state, or owned by another user we cannot signal). */
export class StopError extends Error {
  constructor(
    readonly pane: string,
    readonly survivors: number[],
  ) {
    super(`${pane}: processes survived SIGKILL: ${survivors.join(', ')}`);
    this.name = 'StopError';
  }
}
