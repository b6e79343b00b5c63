// All checkouts of a stack, several at a time, each reporting its progress.
// A failed checkout does not stop the others; the caller gets every outcome
// and decides (the install step fails after all have finished).

import type { RepoSpec } from '../types/service.ts';
import type { Shell } from '../types/shell.ts';
import { mapLimit } from '../util/concurrency.ts';
import { CheckoutError, syncCheckout, type CheckoutAction, type CloneSettings } from './git.ts';

export type CheckoutPhase = 'queued' | 'inspecting' | 'fetching' | 'cloning' | 'checking-out' | 'done' | 'failed';

export interface CheckoutProgress {
  repo: string;
  phase: CheckoutPhase;
  /** Percent of the current git stage, when git reported one. */
  percent?: number;
  /** `Receiving objects`, a summary when done, the error when failed. */
  detail?: string;
  /** How many checkouts have finished (done or failed), and of how many. */
  finished: number;
  total: number;
}

export interface CheckoutOutcome {
  repo: RepoSpec;
  action?: CheckoutAction;
  /** The commit checked out afterwards. */
  head?: string;
  seconds: number;
  error?: string;
}

/** Checkouts at once: a handful saturates a link without tripping remote rate limits. */
export const DEFAULT_CONCURRENCY = 4;

/**
 * git's progress line (`Receiving objects:  45% (9/20)`), from output whose
 * in-place updates arrive joined by carriage returns.
 */
export function parseGitProgress(line: string): { stage: string; percent: number } | undefined {
  const last = line.split('\r').filter(Boolean).pop() ?? '';
  const m = /(?:remote: )?([A-Za-z ]+):\s+(\d{1,3})%/.exec(last);
  return m ? { stage: m[1].trim(), percent: Number(m[2]) } : undefined;
}

/** One line saying what happened to a checkout. */
export function describeOutcome(o: CheckoutOutcome): string {
  const at = o.head ? ` at ${o.head.slice(0, 10)}` : '';
  const t = `${o.seconds.toFixed(1)} s`;
  if (o.error) return `${o.repo.name}: FAILED (${t}): ${o.error}`;
  const a = o.action!;
  switch (a.action) {
    case 'clone':
      return `${o.repo.name}: cloned ${o.repo.url} ${o.repo.ref}${at} (${t})`;
    case 'update':
      return `${o.repo.name}: updated to ${o.repo.ref}${at}${a.fetched ? '' : ' (offline)'} (${t})`;
    case 'keep':
      return `${o.repo.name}: ${a.summary} (${t})`;
    case 'fail':
      return `${o.repo.name}: FAILED: ${a.message}`;
  }
}

export async function syncCheckouts(
  repos: readonly RepoSpec[],
  settings: CloneSettings,
  deps: { sh: Shell; concurrency?: number; onProgress?: (p: CheckoutProgress) => void },
): Promise<CheckoutOutcome[]> {
  let finished = 0;
  const total = repos.length;
  const emit = (repo: string, phase: CheckoutPhase, extra: { percent?: number; detail?: string } = {}) =>
    deps.onProgress?.({ repo, phase, finished, total, ...extra });
  for (const r of repos) emit(r.name, 'queued');
  return mapLimit(repos, deps.concurrency ?? DEFAULT_CONCURRENCY, async (repo) => {
    const started = Date.now();
    let phase: CheckoutPhase = 'inspecting';
    emit(repo.name, phase);
    try {
      const { action, head } = await syncCheckout(deps.sh, repo, settings, {
        onPhase: (p) => {
          phase = p;
          emit(repo.name, p);
        },
        onLine: (line) => {
          const p = parseGitProgress(line);
          if (p) emit(repo.name, phase, { percent: p.percent, detail: p.stage });
        },
      });
      const outcome: CheckoutOutcome = { repo, action, head, seconds: (Date.now() - started) / 1000 };
      finished++;
      emit(repo.name, 'done', { detail: describeOutcome(outcome) });
      return outcome;
    } catch (err) {
      const error =
        err instanceof CheckoutError
          ? err.message.replace(`${repo.name}: `, '')
          : err instanceof Error
            ? err.message
            : String(err);
      finished++;
      emit(repo.name, 'failed', { detail: error });
      return { repo, seconds: (Date.now() - started) / 1000, error };
    }
  });
}
