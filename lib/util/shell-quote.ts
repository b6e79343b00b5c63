// POSIX shell quoting, written once: the password file and openrc are sourced
// by bash, commands are shown (and the supervisor's wrapper is written) the
// way a user would type them, and mask() must know a secret's quoted form.

/** Single-quoted for sh: every string survives as it is; `'` becomes `'\''`. */
export function shellSingleQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** One word as a user would type it: bare when sh gives none of its characters a meaning. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : shellSingleQuote(word);
}

/** An argv as one command line. */
export function shellQuote(argv: readonly string[]): string {
  return argv.map(shellWord).join(' ');
}
