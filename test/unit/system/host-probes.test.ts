// The probes chooseMethod asks the host (lib/system/host-probes.ts): the parts that need no network.
import { describe, expect, it } from 'vitest';
import { chooseMethod } from '../../../lib/plan/method.ts';
import {
  aptCandidate,
  dpkgInstalled,
  parseOsRelease,
  pipIndexUrl,
  systemProbes,
} from '../../../lib/system/host-probes.ts';
import { tempDir, writeConf } from '../config/helpers.ts';
import type { RunOptions, RunResult, Shell } from '../../../lib/types/shell.ts';
import { testConfig } from '../plan-fixture.ts';
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
      const m = await chooseMethod(testConfig({ GIT_BASE: t.dir }), p);
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
        // keystone known to dpkg but not installed: apt-cache is asked for the candidate
        if (argv[0] === 'dpkg-query') return { code: 0, stdout: 'unknown ok not-installed\t', stderr: '' };
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
      ['dpkg-query', '-W', '-f', '${Status}\t${Version}', 'keystone'],
      ['apt-cache', 'policy', 'keystone'],
    ]);
  });

  it('takes an installed keystone from dpkg without asking apt-cache', async () => {
    const argvs: string[][] = [];
    const sh: Shell = {
      async run(argv: string[]): Promise<RunResult> {
        argvs.push(argv);
        return { code: 0, stdout: 'install ok installed\t2:22.0.2-0+deb12u3', stderr: '' };
      },
    };
    const distro = await systemProbes({}, sh).distro(500);
    expect(distro).toMatchObject({ ships: true });
    expect(distro.description).toContain('(keystone 2:22.0.2-0+deb12u3, installed)');
    expect(argvs.map((a) => a[0])).toEqual(['dpkg-query']);
    expect(dpkgInstalled('deinstall ok config-files\t2:22.0.2')).toBeUndefined();
  });
});
