// Choosing the install method. INSTALL_METHOD wins; otherwise `source` when
// GIT_BASE and a Python package index answer, else `distro` when the
// distribution ships OpenStack, else a clear error. The network probes run
// concurrently under one short deadline, so an offline machine decides in
// about the time of the deadline, never longer.

import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import type { StackConfig } from '../types/config.ts';
import { ConfigError } from '../util/errors.ts';
import type { InstallMethod, MethodChoice } from '../types/plan.ts';

export interface ProbeResult {
  ok: boolean;
  /** What was tried and what happened, for the reason line. */
  detail: string;
}

export interface DistroProbe {
  ships: boolean;
  description: string;
}

/** Everything chooseMethod asks the outside world, behind an interface so tests drive every branch. */
export interface MethodProbes {
  /** GIT_BASE answers: an HTTP response, an existing local path, or `git ls-remote` of `sampleRepo` succeeding. */
  gitBase(gitBase: string, sampleRepo: string, timeoutMs: number): Promise<ProbeResult>;
  /** The index pip would use (PIP_INDEX_URL, pip.conf's index-url, else PyPI) answers. */
  pipIndex(timeoutMs: number): Promise<ProbeResult>;
  /** The distribution has OpenStack packages (local: os-release and the apt cache). */
  distro(timeoutMs: number): Promise<DistroProbe>;
}

/** Total wall-clock budget for the network probes. */
export const PROBE_BUDGET_MS = 3000;

/** Never wait longer than `ms`, whatever the probe does. */
async function bounded<T>(p: Promise<T>, ms: number, onTimeout: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(onTimeout), ms);
  });
  try {
    return await Promise.race([p.catch((e: unknown) => ({ ...onTimeout, detail: String((e as Error)?.message ?? e) }) as T), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function chooseMethod(
  config: StackConfig,
  probes: MethodProbes = systemProbes(),
  budgetMs = PROBE_BUDGET_MS,
): Promise<MethodChoice> {
  const v = (n: string) => config.values[n] ?? '';
  const set = v('INSTALL_METHOD');
  if (set === 'source' || set === 'distro') {
    const origin = config.origins.INSTALL_METHOD === 'environment' ? 'the environment' : 'local.conf';
    return { method: set as InstallMethod, reason: `INSTALL_METHOD=${set} in ${origin}` };
  }

  let why: string;
  if (v('OFFLINE') === 'True') {
    why = 'OFFLINE=True, so nothing is fetched from GIT_BASE';
  } else {
    const needIndex = v('SOURCE_DEPS') !== 'distro';
    const [git, index] = await Promise.all([
      bounded(probes.gitBase(v('GIT_BASE'), v('REQUIREMENTS_REPO'), budgetMs), budgetMs, { ok: false, detail: `no answer within ${budgetMs / 1000} s` }),
      needIndex
        ? bounded(probes.pipIndex(budgetMs), budgetMs, { ok: false, detail: `package index: no answer within ${budgetMs / 1000} s` })
        : Promise.resolve({ ok: true, detail: 'SOURCE_DEPS=distro: no package index needed' }),
    ]);
    if (git.ok && index.ok) {
      return { method: 'source', reason: `GIT_BASE ${v('GIT_BASE')} answers (${git.detail}); ${index.detail}` };
    }
    why = [git.ok ? '' : `GIT_BASE ${v('GIT_BASE')} unreachable (${git.detail})`, index.ok ? '' : index.detail].filter(Boolean).join('; ');
  }

  const distro = await bounded(probes.distro(budgetMs), budgetMs, { ships: false, description: 'the distribution check timed out' });
  if (distro.ships) return { method: 'distro', reason: `${why}; ${distro.description}` };
  throw new ConfigError(
    `cannot choose an install method: ${why}, and ${distro.description}. ` +
      'Set GIT_BASE to a reachable mirror (a local path works), or INSTALL_METHOD=source|distro in local.conf.',
  );
}

// ---- The real probes ----------------------------------------------------

function localPath(url: string): string | undefined {
  if (url.startsWith('/')) return url;
  if (url.startsWith('file://')) return fileURLToPath(url);
  return undefined;
}

async function httpAnswers(url: string, timeoutMs: number): Promise<ProbeResult> {
  try {
    const res = await fetch(url, { method: 'HEAD', redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    return { ok: res.status < 500, detail: `HTTP ${res.status}` };
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    const why = err.name === 'TimeoutError' ? `no answer within ${timeoutMs / 1000} s` : (err.cause?.code ?? err.cause?.message ?? err.message);
    return { ok: false, detail: why };
  }
}

/** pip's index: PIP_INDEX_URL, else index-url from the pip.conf files (later files win), else PyPI. */
export function pipIndexUrl(env: NodeJS.ProcessEnv = process.env, files = pipConfFiles(env)): { url: string; from: string } {
  if (env.PIP_INDEX_URL) return { url: env.PIP_INDEX_URL, from: 'PIP_INDEX_URL' };
  let found: { url: string; from: string } | undefined;
  for (const f of files) {
    if (!existsSync(f)) continue;
    const m = /^\s*index[-_]url\s*=\s*(\S+)/m.exec(readFileSync(f, 'utf8'));
    if (m) found = { url: m[1], from: f };
  }
  return found ?? { url: 'https://pypi.org/simple/', from: 'pip default' };
}

function pipConfFiles(env: NodeJS.ProcessEnv): string[] {
  const home = env.HOME ?? homedir();
  return ['/etc/pip.conf', '/etc/xdg/pip/pip.conf', `${home}/.pip/pip.conf`, `${home}/.config/pip/pip.conf`, ...(env.PIP_CONFIG_FILE ? [env.PIP_CONFIG_FILE] : [])];
}

/** Debian releases whose OpenStack series we know (shown in the reason). */
const DEBIAN_SERIES: Record<string, string> = { bookworm: 'Zed' };

export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z_]+)=("?)(.*)\2$/.exec(line.trim());
    if (m) out[m[1]] = m[3];
  }
  return out;
}

/** `apt-cache policy keystone` -> the candidate version, or undefined for `(none)`. */
export function aptCandidate(policyOutput: string): string | undefined {
  const m = /Candidate:\s*(\S+)/.exec(policyOutput);
  return m && m[1] !== '(none)' ? m[1] : undefined;
}

export function systemProbes(env: NodeJS.ProcessEnv = process.env): MethodProbes {
  return {
    async gitBase(gitBase, sampleRepo, timeoutMs) {
      const path = localPath(gitBase);
      if (path) return { ok: existsSync(path), detail: existsSync(path) ? 'local path' : `${path} does not exist` };
      if (/^https?:\/\//.test(gitBase)) return httpAnswers(gitBase, timeoutMs);
      const r = await execa('git', ['ls-remote', '--heads', sampleRepo], { reject: false, timeout: timeoutMs, stdin: 'ignore', env: { GIT_TERMINAL_PROMPT: '0' } });
      return { ok: r.exitCode === 0, detail: r.exitCode === 0 ? 'git ls-remote works' : r.timedOut ? `no answer within ${timeoutMs / 1000} s` : 'git ls-remote failed' };
    },
    async pipIndex(timeoutMs) {
      const { url, from } = pipIndexUrl(env);
      const path = localPath(url);
      const r = path ? { ok: existsSync(path), detail: existsSync(path) ? 'local' : 'missing' } : await httpAnswers(url, timeoutMs);
      return { ok: r.ok, detail: `package index ${url} (${from}) ${r.ok ? 'answers' : `unreachable (${r.detail})`}` };
    },
    async distro(timeoutMs) {
      const os = existsSync('/etc/os-release') ? parseOsRelease(readFileSync('/etc/os-release', 'utf8')) : {};
      const name = os.PRETTY_NAME ?? 'this distribution';
      const r = await execa('apt-cache', ['policy', 'keystone'], { reject: false, timeout: timeoutMs, stdin: 'ignore' }).catch(() => undefined);
      const candidate = r && r.exitCode === 0 ? aptCandidate(String(r.stdout)) : undefined;
      if (!candidate) return { ships: false, description: `${name} has no keystone package in its apt sources` };
      const series = os.ID === 'debian' && os.VERSION_CODENAME ? DEBIAN_SERIES[os.VERSION_CODENAME] : undefined;
      return { ships: true, description: `${name} ships OpenStack${series ? ` ${series}` : ''} (keystone ${candidate})` };
    },
  };
}
