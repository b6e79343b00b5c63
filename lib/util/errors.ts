// Typed errors. Only the entry points (lib/cli/*) turn them into exit codes;
// library code throws and never calls process.exit.

import type { SourcePos } from '../types/config.ts';
import { mask } from './secrets.ts';

/** A mistake in local.conf or the settings: always names `file:line`. */
export class ConfigError extends Error {
  constructor(
    message: string,
    readonly pos?: SourcePos,
  ) {
    super(mask(pos ? `${pos.file}:${pos.line}: ${message}` : message));
    this.name = 'ConfigError';
  }
}

/** A command that failed during a step. */
export class CommandError extends Error {
  constructor(
    /** The command as a masked, shell-quoted string. */
    readonly command: string,
    readonly exitCode: number | null,
    /** The last lines of its output (masked). */
    readonly tail: string[],
    /** The full log of the command. */
    readonly logFile?: string,
  ) {
    super(mask(`command failed (exit ${exitCode ?? 'signal'}): ${command}`));
    this.name = 'CommandError';
  }
}

/** A failed phase step, wrapping the cause with the phase and step names. */
export class StepError extends Error {
  constructor(
    readonly phase: string,
    readonly step: string,
    readonly cause: unknown,
  ) {
    super(mask(`${phase}: ${step}: ${cause instanceof Error ? cause.message : String(cause)}`));
    this.name = 'StepError';
  }
}

/** The user asked for something that cannot be done (bad argument, unknown pane...). */
export class UsageError extends Error {
  constructor(message: string) {
    super(mask(message));
    this.name = 'UsageError';
  }
}

/** Exit with a specific code after printing nothing more (the message was already shown). */
export class ExitError extends Error {
  constructor(
    readonly code: number,
    message = '',
  ) {
    super(message);
    this.name = 'ExitError';
  }
}
