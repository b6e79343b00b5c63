// What chooseMethod (lib/plan/method.ts) asks this host: does GIT_BASE answer,
// does pip's package index answer, does the distribution ship OpenStack.

import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Shell } from '../types/shell.ts';
import { SystemShell } from './exec.ts';

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
    const why =
      err.name === 'TimeoutError'
        ? `no answer within ${timeoutMs / 1000} s`
        : (err.cause?.code ?? err.cause?.message ?? err.message);
    return { ok: false, detail: why };
  }
}

/** pip's index: PIP_INDEX_URL, else index-url from the pip.conf files (later files win), else PyPI. */
export function pipIndexUrl(
  env: NodeJS.ProcessEnv = process.env,
  files = pipConfFiles(env),
): { url: string; from: string } {
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
  return [
    '/etc/pip.conf',
    '/etc/xdg/pip/pip.conf',
    `${home}/.pip/pip.conf`,
    `${home}/.config/pip/pip.conf`,
    ...(env.PIP_CONFIG_FILE ? [env.PIP_CONFIG_FILE] : []),
  ];
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

/** `dpkg-query -W -f '${Status}\t${Version}'` -> the version when the package is installed. */
export function dpkgInstalled(output: string): string | undefined {
  const [status, version] = output.split('\t');
  return status?.trim() === 'install ok installed' && version ? version.trim() : undefined;
}

/**
 * The probes chooseMethod uses on a real host. Commands (git ls-remote,
 * apt-cache) go through `sh`; HTTP through fetch, under the caller's deadline.
 */
export function systemProbes(env: NodeJS.ProcessEnv = process.env, sh: Shell = new SystemShell()): MethodProbes {
  return {
    async gitBase(gitBase, sampleRepo, timeoutMs) {
      const path = localPath(gitBase);
      if (path) return { ok: existsSync(path), detail: existsSync(path) ? 'local path' : `${path} does not exist` };
      if (/^https?:\/\//.test(gitBase)) return httpAnswers(gitBase, timeoutMs);
      const r = await sh.run(['git', 'ls-remote', '--heads', sampleRepo], {
        allowFailure: true,
        timeoutSec: timeoutMs / 1000,
        env: { GIT_TERMINAL_PROMPT: '0' },
      });
      return {
        ok: r.code === 0,
        detail:
          r.code === 0
            ? 'git ls-remote works'
            : r.timedOut
              ? `no answer within ${timeoutMs / 1000} s`
              : 'git ls-remote failed',
      };
    },
    async pipIndex(timeoutMs) {
      const { url, from } = pipIndexUrl(env);
      const path = localPath(url);
      const r = path
        ? { ok: existsSync(path), detail: existsSync(path) ? 'local' : 'missing' }
        : await httpAnswers(url, timeoutMs);
      return { ok: r.ok, detail: `package index ${url} (${from}) ${r.ok ? 'answers' : `unreachable (${r.detail})`}` };
    },
    async distro(timeoutMs) {
      const os = existsSync('/etc/os-release') ? parseOsRelease(readFileSync('/etc/os-release', 'utf8')) : {};
      const name = os.PRETTY_NAME ?? 'this distribution';
      // An installed keystone answers in milliseconds; apt-cache rebuilds its cache on every call where
      // pkgcache.bin is not kept (Debian's container images): a second of every warm run.
      const installed = await sh
        .run(['dpkg-query', '-W', '-f', '${Status}\t${Version}', 'keystone'], {
          allowFailure: true,
          timeoutSec: timeoutMs / 1000,
        })
        .catch(() => undefined);
      const version = installed && installed.code === 0 ? dpkgInstalled(installed.stdout) : undefined;
      const r = version
        ? undefined
        : await sh
            .run(['apt-cache', 'policy', 'keystone'], { allowFailure: true, timeoutSec: timeoutMs / 1000 })
            .catch(() => undefined);
      const candidate = version ? `${version}, installed` : r && r.code === 0 ? aptCandidate(r.stdout) : undefined;
      if (!candidate) return { ships: false, description: `${name} has no keystone package in its apt sources` };
      const series = os.ID === 'debian' && os.VERSION_CODENAME ? DEBIAN_SERIES[os.VERSION_CODENAME] : undefined;
      return {
        ships: true,
        description: `${name} ships OpenStack${series ? ` ${series}` : ''} (keystone ${candidate})`,
      };
    },
  };
}
