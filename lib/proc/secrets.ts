// A process started from `attach` or `status` did not read the passwords, so
// the secret registry is empty. Before a command line is shown, register
// the values that look like secrets in the spec itself: env values and
// `--password x`/`password=x` style arguments.

import { addSecret } from '../util/secrets.ts';
import type { ProcessSpec } from '../types/process.ts';

const SECRET_NAME = /pass(word|wd)?|secret|token|credential|api[_-]?key/i;

/** The values in a spec that look like secrets (pure). */
export function specSecrets(spec: ProcessSpec): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(spec.env ?? {})) if (SECRET_NAME.test(k)) out.push(v);
  spec.argv.forEach((a, i) => {
    const eq = /^-{0,2}([A-Za-z0-9_.-]+)=(.+)$/.exec(a);
    if (eq && SECRET_NAME.test(eq[1])) out.push(eq[2]);
    else if (/^--?[A-Za-z0-9_.-]+$/.test(a) && SECRET_NAME.test(a) && i + 1 < spec.argv.length)
      out.push(spec.argv[i + 1]);
  });
  // Passwords embedded in URLs (transport_url, connection strings on the command line).
  for (const a of [...spec.argv, ...Object.values(spec.env ?? {})]) {
    for (const m of a.matchAll(/:\/\/[^:/@\s]+:([^@\s]+)@/g)) out.push(decodeURIComponentSafe(m[1]));
  }
  return out;
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export function registerSpecSecrets(spec: ProcessSpec): void {
  for (const s of specSecrets(spec)) addSecret(s);
}
