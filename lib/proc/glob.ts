// Pane name patterns for `restart n-*`, `stop q-*`: shell-style `*` and `?`.

import { UsageError } from '../util/errors.ts';

export function globToRegExp(pattern: string): RegExp {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`);
}

export function matchesAny(name: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => globToRegExp(p).test(name));
}

/**
 * The panes named by `patterns`, in the order of `names` (start order),
 * each once. A pattern that matches nothing is a usage error that lists the
 * panes, so a typo never passes silently.
 */
export function selectPanes(patterns: readonly string[], names: readonly string[]): string[] {
  if (patterns.length === 0)
    throw new UsageError(`name a pane (or a glob such as 'n-*'); panes: ${names.join(' ') || '(none)'}`);
  const unknown = patterns.filter((p) => !names.some((n) => globToRegExp(p).test(n)));
  if (unknown.length) {
    throw new UsageError(
      `no pane matches ${unknown.map((u) => `'${u}'`).join(', ')}; panes: ${names.join(' ') || '(none recorded)'}`,
    );
  }
  return names.filter((n) => matchesAny(n, patterns));
}
