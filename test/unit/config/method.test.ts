import { describe, expect, it } from 'vitest';
import { chooseMethod } from '../../../lib/plan/method.ts';
import {
  aptCandidate,
  parseOsRelease,
  pipIndexUrl,
  systemProbes,
  type MethodProbes,
} from '../../../lib/system/host-probes.ts';
import { parseLocalConf } from '../../../lib/config/localconf.ts';
import { resolveConfig } from '../../../lib/config/resolve.ts';
import { fakeHost, tempDir, writeConf } from './helpers.ts';
import type { RunOptions, RunResult, Shell } from '../../../lib/types/shell.ts';
import { stackCatalog } from '../../../lib/cli/catalog.ts';

const config = (body = '', env: NodeJS.ProcessEnv = {}) =>
  resolveConfig({
    localConf: parseLocalConf(`[[local|localrc]]\n${body}`, 'local.conf'),
    env,
    host: fakeHost(),
    savedPasswords: {},
    catalog: stackCatalog(),
  });

interface Script {
  git?: boolean | 'hang';
  index?: boolean | 'hang';
  distro?: boolean;
}

/** Probes that answer as scripted and record what was asked. */
function probes(s: Script): MethodProbes & { calls: string[] } {
  const calls: string[] = [];
  const answer = (v: boolean | 'hang' | undefined, detail: string) =>
    v === 'hang' ? new Promise<never>(() => undefined) : Promise.resolve({ ok: v ?? false, detail });
  return {
    calls,
    gitBase: (url, sample, t) => (
      calls.push(`git ${url} ${sample} ${t}`), answer(s.git, s.git ? 'HTTP 200' : 'ENOTFOUND')
    ),
    pipIndex: (t) => (
      calls.push(`index ${t}`),
      answer(
        s.index,
        s.index
          ? 'package index https://pypi.org/simple/ answers'
          : 'package index https://pypi.org/simple/ unreachable (ENOTFOUND)',
      )
    ),
    distro: async () => (
      calls.push('distro'),
      s.distro
        ? { ships: true, description: 'Debian GNU/Linux 12 (bookworm) ships OpenStack Zed (keystone 2:22.0.2)' }
        : { ships: false, description: 'Fedora has no keystone package' }
    ),
  };
}

describe('chooseMethod', () => {
  it('INSTALL_METHOD wins, with its origin, and probes nothing', async () => {
    const p = probes({});
    expect(await chooseMethod(config('INSTALL_METHOD=distro'), p)).toEqual({
      method: 'distro',
      reason: 'INSTALL_METHOD=distro in local.conf',
    });
    expect(await chooseMethod(config('', { INSTALL_METHOD: 'source' }), p)).toEqual({
      method: 'source',
      reason: 'INSTALL_METHOD=source in the environment',
    });
    expect(p.calls).toEqual([]);
  });

  it('source when GIT_BASE and the package index answer', async () => {
    const p = probes({ git: true, index: true, distro: true });
    const m = await chooseMethod(config(), p);
    expect(m.method).toBe('source');
    expect(m.reason).toBe(
      'GIT_BASE https://opendev.org answers (HTTP 200); package index https://pypi.org/simple/ answers',
    );
    expect(p.calls).toEqual([
      'git https://opendev.org https://opendev.org/openstack/requirements.git 3000',
      'index 3000',
    ]);
  });

  it('SOURCE_DEPS=distro needs no package index', async () => {
    const p = probes({ git: true, index: false });
    const m = await chooseMethod(config('SOURCE_DEPS=distro\nGIT_BASE=/srv/git'), p);
    expect(m).toEqual({
      method: 'source',
      reason: 'GIT_BASE /srv/git answers (HTTP 200); SOURCE_DEPS=distro: no package index needed',
    });
    expect(p.calls.some((c) => c.startsWith('index'))).toBe(false);
  });

  it('distro when GIT_BASE or the index does not answer and the distribution ships OpenStack', async () => {
    const noGit = await chooseMethod(config(), probes({ git: false, index: true, distro: true }));
    expect(noGit).toEqual({
      method: 'distro',
      reason:
        'GIT_BASE https://opendev.org unreachable (ENOTFOUND); Debian GNU/Linux 12 (bookworm) ships OpenStack Zed ' +
        '(keystone 2:22.0.2)',
    });
    const noIndex = await chooseMethod(config(), probes({ git: true, index: false, distro: true }));
    expect(noIndex.method).toBe('distro');
    expect(noIndex.reason).toMatch(/^package index https:\/\/pypi.org\/simple\/ unreachable \(ENOTFOUND\); Debian/);
  });

  it('OFFLINE=True does not probe the network', async () => {
    const p = probes({ git: true, index: true, distro: true });
    const m = await chooseMethod(config('OFFLINE=True'), p);
    expect(m).toEqual({
      method: 'distro',
      reason:
        'OFFLINE=True, so nothing is fetched from GIT_BASE; Debian GNU/Linux 12 (bookworm) ships OpenStack Zed ' +
        '(keystone 2:22.0.2)',
    });
    expect(p.calls).toEqual(['distro']);
  });

  it('a clear error when neither works', async () => {
    await expect(chooseMethod(config(), probes({ git: false, index: false, distro: false }))).rejects.toThrow(
      'cannot choose an install method: GIT_BASE https://opendev.org unreachable (ENOTFOUND); package index ' +
        'https://pypi.org/simple/ unreachable (ENOTFOUND), and Fedora has no keystone package. Set GIT_BASE to a ' +
        'reachable mirror (a local path works), or INSTALL_METHOD=source|distro in local.conf.',
    );
  });

  it('probes that hang are cut at the budget: an offline machine does not wait', async () => {
    const t0 = Date.now();
    const m = await chooseMethod(config(), probes({ git: 'hang', index: 'hang', distro: true }), 200);
    const ms = Date.now() - t0;
    expect(m.method).toBe('distro');
    expect(m.reason).toMatch(
      /^GIT_BASE https:\/\/opendev.org unreachable \(no answer within 0.2 s\); package index: no answer within 0.2 s;/,
    );
    expect(ms).toBeLessThan(1000);
  });
});

describe('the real probes (local parts)', () => {
  it('pip index: PIP_INDEX_URL, else the last pip.conf with index-url, else PyPI', () => {
    const t = tempDir();
    try {
      const a = writeConf(t.dir, '[global]\nindex-url = https://mirror.example/simple\n', 'a.conf');
      const b = writeConf(t.dir, '[global]\nextra-index-url = file:///opt/pypi/simple\n', 'b.conf');
      expect(pipIndexUrl({ PIP_INDEX_URL: 'https://x/simple' }, [a])).toEqual({
        url: 'https://x/simple',
        from: 'PIP_INDEX_URL',
      });
      expect(pipIndexUrl({}, [a, b])).toEqual({ url: 'https://mirror.example/simple', from: a });
      expect(pipIndexUrl({}, [b])).toEqual({ url: 'https://pypi.org/simple/', from: 'pip default' });
    } finally {
      t.cleanup();
    }
  });

  it('a local GIT_BASE and a file:// index answer without any network', async () => {
    const t = tempDir();
    try {
      const p = systemProbes({ PIP_INDEX_URL: `file://${t.dir}` });
      expect(await p.gitBase(t.dir, `${t.dir}/openstack/requirements.git`, 1000)).toEqual({
        ok: true,
        detail: 'local path',
      });
      expect(await p.gitBase(`${t.dir}/absent`, '', 1000)).toEqual({
        ok: false,
        detail: `${t.dir}/absent does not exist`,
      });
      expect(await p.pipIndex(1000)).toEqual({
        ok: true,
        detail: `package index file://${t.dir} (PIP_INDEX_URL) answers`,
      });
      const m = await chooseMethod(config(`GIT_BASE=${t.dir}`), p);
      expect(m.method).toBe('source');
    } finally {
      t.cleanup();
    }
  });

  it('parses os-release and apt-cache policy', () => {
    expect(
      parseOsRelease('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_CODENAME=bookworm\n'),
    ).toEqual({
      PRETTY_NAME: 'Debian GNU/Linux 12 (bookworm)',
      ID: 'debian',
      VERSION_CODENAME: 'bookworm',
    });
    expect(aptCandidate('keystone:\n  Installed: (none)\n  Candidate: 2:22.0.2-0+deb12u6\n')).toBe(
      '2:22.0.2-0+deb12u6',
    );
    expect(aptCandidate('keystone:\n  Installed: (none)\n  Candidate: (none)\n')).toBeUndefined();
    expect(aptCandidate('')).toBeUndefined();
  });

  it('runs git ls-remote and apt-cache through the Shell it is given', async () => {
    const argvs: string[][] = [];
    const sh: Shell = {
      async run(argv: string[], opts?: RunOptions): Promise<RunResult> {
        argvs.push(argv);
        expect(opts?.allowFailure).toBe(true);
        if (argv[0] === 'git') return { code: 1, stdout: '', stderr: '', timedOut: true };
        return { code: 0, stdout: 'keystone:\n  Installed: (none)\n  Candidate: 2:22.0.2-0+deb12u6\n', stderr: '' };
      },
    };
    const p = systemProbes({}, sh);
    expect(await p.gitBase('git://mirror.invalid', 'git://mirror.invalid/openstack/requirements', 500)).toEqual({
      ok: false,
      detail: 'no answer within 0.5 s',
    });
    const distro = await p.distro(500);
    expect(distro.ships).toBe(true);
    expect(distro.description).toContain('(keystone 2:22.0.2-0+deb12u6)');
    expect(argvs).toEqual([
      ['git', 'ls-remote', '--heads', 'git://mirror.invalid/openstack/requirements'],
      ['apt-cache', 'policy', 'keystone'],
    ]);
  });
});
