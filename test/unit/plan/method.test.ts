import { describe, expect, it } from 'vitest';
import { chooseMethod } from '../../../lib/plan/method.ts';
import type { MethodProbes } from '../../../lib/system/host-probes.ts';
import { parseLocalConf } from '../../../lib/config/localconf.ts';
import { resolveConfig } from '../../../lib/config/resolve.ts';
import { fakeHost } from '../config/helpers.ts';
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
      // the local distribution check runs alongside the network probes; its answer is not needed here
      'distro',
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
