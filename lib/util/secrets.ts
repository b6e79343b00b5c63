// One process-wide registry of secret values. Everything that reaches a
// terminal, a log or an error message goes through mask(), so a password
// never appears anywhere, in any of the forms it is written in.

import { shellSingleQuote } from './shell-quote.ts';

const secrets = new Set<string>();

/** Register a secret. Its URL-encoded, shell-quoted, JSON and oslo.config forms are masked too. */
export function addSecret(value: string | undefined): void {
  if (!value || value.length < 3) return; // masking "a" would shred every line
  secrets.add(value);
  secrets.add(encodeURIComponent(value));
  secrets.add(encodeURIComponent(value).replace(/%20/g, '+'));
  secrets.add(shellSingleQuote(value));
  secrets.add(JSON.stringify(value).slice(1, -1));
  // oslo.config's form (osloString): `$` doubled
  secrets.add(value.replace(/\$/g, '$$$$'));
}

export function clearSecrets(): void {
  secrets.clear();
}

export const MASK = '******';

/** Replace every registered secret in `text` with MASK, longest first. */
export function mask(text: string): string {
  if (secrets.size === 0 || !text) return text;
  const sorted = [...secrets].sort((a, b) => b.length - a.length);
  let out = text;
  for (const s of sorted) {
    if (out.includes(s)) out = out.split(s).join(MASK);
  }
  return out;
}
