// A deliberately small argv parser: `--flag`, `--key value`, `--key=value`,
// `-f`, and positionals. Unknown flags are checked by each command.

import { UsageError } from '../util/errors.ts';
import type { ParsedArgs } from '../types/command.ts';

/** Flags that take a value; all others are booleans. */
const VALUED = new Set(['config', 'lines', 'n', 'regex']);
const SHORT: Record<string, string> = { h: 'help', f: 'follow', a: 'all', n: 'lines' };

export function parseArgs(argv: string[]): ParsedArgs {
  const out: ParsedArgs = { positional: [], flags: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      out.positional.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const key = eq > 0 ? a.slice(2, eq) : a.slice(2);
      if (eq > 0) out.flags[key] = a.slice(eq + 1);
      else if (VALUED.has(key)) {
        if (i + 1 >= argv.length) throw new UsageError(`--${key} needs a value`);
        out.flags[key] = argv[++i];
      } else out.flags[key] = true;
    } else if (a.startsWith('-') && a.length > 1) {
      for (const ch of a.slice(1)) {
        const key = SHORT[ch];
        if (!key) throw new UsageError(`unknown option -${ch}`);
        if (VALUED.has(key)) {
          if (i + 1 >= argv.length) throw new UsageError(`-${ch} needs a value`);
          out.flags[key] = argv[++i];
        } else out.flags[key] = true;
      }
    } else out.positional.push(a);
  }
  return out;
}

/** Reject flags a command does not understand, so typos do not pass silently. */
export function checkFlags(args: ParsedArgs, allowed: string[]): void {
  for (const k of Object.keys(args.flags)) {
    if (k !== 'help' && !allowed.includes(k)) throw new UsageError(`unknown option --${k}`);
  }
}
