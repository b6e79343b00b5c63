// Choosing the install method. INSTALL_METHOD wins; otherwise `source` when
// GIT_BASE and a Python package index answer, else `distro` when the
// distribution ships OpenStack, else a clear error. The network probes run
// concurrently under one short deadline, so an offline machine decides in
// about the time of the deadline, never longer. The real probes touch the
// host, so they live in lib/system/host-probes.ts; this file only decides.

import type { ConfigWarning, StackConfig } from '../types/config.ts';
import { ConfigError } from '../util/errors.ts';
import { readSetting } from '../config/read.ts';
import type { MethodProbes } from '../system/host-probes.ts';
import type { InstallMethod, MethodChoice } from '../types/plan.ts';

/** Total wall-clock budget for the network probes. */
export const PROBE_BUDGET_MS = 3000;

/** Never wait longer than `ms`, whatever the probe does. */
async function bounded<T>(p: Promise<T>, ms: number, onTimeout: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(onTimeout), ms);
  });
  try {
    return await Promise.race([
      p.catch((e: unknown) => ({ ...onTimeout, detail: String((e as Error)?.message ?? e) }) as T),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export async function chooseMethod(
  config: StackConfig,
  probes: MethodProbes,
  budgetMs = PROBE_BUDGET_MS,
): Promise<MethodChoice> {
  const v = (n: string) => readSetting(config, n);
  const set = v('INSTALL_METHOD');
  if (set === 'source' || set === 'distro') {
    const origin = config.origins.INSTALL_METHOD === 'environment' ? 'the environment' : 'local.conf';
    return { method: set as InstallMethod, reason: `INSTALL_METHOD=${set} in ${origin}` };
  }

  // Local (dpkg/apt-cache), so it runs alongside the network probes: a warm run does not wait for them in turn.
  const distroAnswer = bounded(probes.distro(budgetMs), budgetMs, {
    ships: false,
    description: 'the distribution check timed out',
  });
  let why: string;
  if (v('OFFLINE') === 'True') {
    why = 'OFFLINE=True, so nothing is fetched from GIT_BASE';
  } else {
    const needIndex = v('SOURCE_DEPS') !== 'distro';
    const [git, index] = await Promise.all([
      bounded(probes.gitBase(v('GIT_BASE'), v('REQUIREMENTS_REPO'), budgetMs), budgetMs, {
        ok: false,
        detail: `no answer within ${budgetMs / 1000} s`,
      }),
      needIndex
        ? bounded(probes.pipIndex(budgetMs), budgetMs, {
            ok: false,
            detail: `package index: no answer within ${budgetMs / 1000} s`,
          })
        : Promise.resolve({ ok: true, detail: 'SOURCE_DEPS=distro: no package index needed' }),
    ]);
    if (git.ok && index.ok) {
      return { method: 'source', reason: `GIT_BASE ${v('GIT_BASE')} answers (${git.detail}); ${index.detail}` };
    }
    why = [git.ok ? '' : `GIT_BASE ${v('GIT_BASE')} unreachable (${git.detail})`, index.ok ? '' : index.detail]
      .filter(Boolean)
      .join('; ');
  }

  const distro = await distroAnswer;
  if (distro.ships) return { method: 'distro', reason: `${why}; ${distro.description}` };
  throw new ConfigError(
    `cannot choose an install method: ${why}, and ${distro.description}. ` +
      'Set GIT_BASE to a reachable mirror (a local path works), or INSTALL_METHOD=source|distro in local.conf.',
  );
}

/** Settings only the source method reads: checkouts, their branches, the libraries from git. */
const SOURCE_ONLY = /^(LIBS_FROM_GIT|TARGET_BRANCH|[A-Z0-9_]+_(REPO|BRANCH))$/;

/**
 * With the distro method, the checkouts local.conf (or the environment) asks for are not used: one warning each,
 * so a user who set NOVA_BRANCH learns that Debian's packages run instead, and why.
 */
export function unusedSourceSettings(config: StackConfig, choice: MethodChoice): ConfigWarning[] {
  if (choice.method !== 'distro') return [];
  return config.catalog.settings
    .filter((s) => SOURCE_ONLY.test(s.name))
    .filter((s) => config.origins[s.name] === 'local.conf' || config.origins[s.name] === 'environment')
    .map((s) => ({
      message:
        `${s.name}=${readSetting(config, s.name)} ${config.origins[s.name] === 'environment' ? '(environment) ' : ''}` +
        `is not used: the install method is distro (${choice.reason}); INSTALL_METHOD=source uses it`,
      pos: config.positions[s.name],
    }));
}
