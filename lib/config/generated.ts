// The random-value idioms devstack users write in local.conf, done without running a command:
// `NAME=$(openssl rand -hex N)` (the random password devstack itself made before generate_hex_string) and
// `NAME=$(uuidgen)`. bash would make a new value on every run, which breaks a stack whose databases hold the
// old one; tstack makes it once and saves it with the passwords (.localrc.password), so a re-run keeps it.
// Any other command substitution is an error that says what to write instead.

import { randomBytes, randomUUID } from 'node:crypto';
import type { SourcePos } from '../types/config.ts';
import { ConfigError } from '../util/errors.ts';

export type Idiom = { kind: 'hex'; bytes: number } | { kind: 'uuid' };

/** Makes (or finds the saved) value of `NAME=<idiom>`. */
export type Generator = (name: string, idiom: Idiom) => string;

const MAX_HEX_BYTES = 256;

export function parseIdiom(command: string): Idiom | undefined {
  const hex = /^openssl\s+rand\s+-hex\s+(\d+)$/.exec(command.trim());
  if (hex) {
    const bytes = Number(hex[1]);
    return bytes >= 1 && bytes <= MAX_HEX_BYTES ? { kind: 'hex', bytes } : undefined;
  }
  return /^uuidgen(\s+(-r|--random))?$/.test(command.trim()) ? { kind: 'uuid' } : undefined;
}

export function freshValue(idiom: Idiom): string {
  return idiom.kind === 'hex' ? randomBytes(idiom.bytes).toString('hex') : randomUUID();
}

/** A saved value still has the shape the idiom makes (else local.conf changed: make a new one). */
export function fitsIdiom(value: string, idiom: Idiom): boolean {
  if (idiom.kind === 'hex') return new RegExp(`^[0-9a-f]{${idiom.bytes * 2}}$`).test(value);
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(value);
}

// The whole right-hand side, optionally in double quotes: $(cmd) or `cmd`.
const WHOLE = /^("?)(?:\$\(([^()`]*)\)|`([^`]*)`)\1$/;

/**
 * The value of `name=rhs` when rhs is one of the idioms as a whole; undefined for anything else (expandWord
 * then expands it, or explains why a command substitution is refused).
 */
export function generatedValue(name: string, rhs: string, generator: Generator | undefined): string | undefined {
  const m = WHOLE.exec(rhs);
  if (!m) return undefined;
  const idiom = parseIdiom(m[2] ?? m[3]);
  if (!idiom) return undefined;
  return (generator ?? ((_n, i) => freshValue(i)))(name, idiom);
}

/** Why `$(command)` (or a backquoted one) is refused, and what to write instead. */
export function substitutionError(command: string, pos: SourcePos): ConfigError {
  const cmd = command.trim();
  const shown = `$(${cmd})`;
  let instead: string;
  if (parseIdiom(cmd)) {
    instead =
      `write it as a whole value on its own, NAME=${shown}: tstack makes the value once and saves it in ` +
      '.localrc.password (no command runs)';
  } else if (/^(hostname|ip|ifconfig|host|getent)\b/.test(cmd)) {
    instead =
      'write the address or name itself (HOST_IP and SERVICE_HOST are detected from the default route when unset)';
  } else if (/^(whoami|id)\b/.test(cmd)) {
    instead = 'write the user name itself (STACK_USER defaults to stack)';
  } else {
    instead =
      'write the value itself; for a random value write NAME=$(openssl rand -hex N) or NAME=$(uuidgen) on a line ' +
      'of its own (made once and saved in .localrc.password)';
  }
  return new ConfigError(
    `command substitution ${shown} is not run (tstack runs no commands from local.conf): ${instead}`,
    pos,
  );
}
