// The door for short-lived commands, as an interface: lib/system/exec.ts
// implements it (SystemShell); tests pass recording fakes.

export interface RunOptions {
  /** Run as this user (via setpriv, like the panes). */
  user?: string;
  /** Added to this process's environment; undefined removes an inherited variable. */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Text fed to stdin (e.g. SQL for mysql). Never logged. */
  input?: string;
  /** Do not throw on a non-zero exit; the caller inspects `code`. */
  allowFailure?: boolean;
  /** Kill the command after this many seconds. */
  timeoutSec?: number;
  /** Called with each output line (already masked), for progress display. */
  onLine?: (line: string) => void;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  /** The command was killed at `timeoutSec` (then `code` is non-zero). */
  timedOut?: boolean;
}

/** Side effects behind an interface so steps can be tested with a recording fake. */
export interface Shell {
  run(argv: string[], opts?: RunOptions): Promise<RunResult>;
}
