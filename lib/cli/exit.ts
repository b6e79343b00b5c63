// The only place that turns results and typed errors into exit codes.

import { CommandError, ConfigError, ExitError, StepError, UsageError } from '../util/errors.ts';
import { mask } from '../util/secrets.ts';

export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  /** The stack is up but something was not seeded (e.g. the image). */
  partial: 3,
  /** `status`: at least one pane crashed. */
  crashed: 4,
  interrupted: 130,
} as const;

export function formatError(err: unknown): string {
  if (err instanceof StepError) {
    const lines = [`stack.ts failed in phase '${err.phase}', step '${err.step}'`];
    const cause = err.cause;
    if (cause instanceof CommandError) {
      lines.push(`  command: ${cause.command}`, `  exit code: ${cause.exitCode ?? 'killed by signal'}`);
      if (cause.tail.length) lines.push(`  last ${cause.tail.length} lines:`, ...cause.tail.map((l) => `    ${l}`));
      if (cause.logFile) lines.push(`  full log: ${cause.logFile}`);
    } else {
      lines.push(`  ${cause instanceof Error ? cause.message : String(cause)}`);
      const extra = (cause as { tail?: string[]; logFile?: string }) ?? {};
      if (Array.isArray(extra.tail) && extra.tail.length)
        lines.push('  last log lines:', ...extra.tail.map((l) => `    ${l}`));
      if (extra.logFile) lines.push(`  full log: ${extra.logFile}`);
    }
    return mask(lines.join('\n'));
  }
  if (err instanceof ConfigError || err instanceof UsageError) return mask(`error: ${err.message}`);
  if (err instanceof CommandError) {
    return mask(
      [`error: ${err.message}`, ...err.tail.map((l) => `    ${l}`), err.logFile ? `full log: ${err.logFile}` : '']
        .filter(Boolean)
        .join('\n'),
    );
  }
  if (err instanceof Error) return mask(`error: ${err.stack ?? err.message}`);
  return mask(`error: ${String(err)}`);
}

export function exitWith(result: Promise<number>): void {
  result.then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      if (err instanceof ExitError) {
        if (err.message) process.stderr.write(mask(err.message) + '\n');
        process.exitCode = err.code;
        return;
      }
      process.stderr.write(formatError(err) + '\n');
      process.exitCode = err instanceof UsageError || err instanceof ConfigError ? EXIT.usage : EXIT.failure;
    },
  );
}
