import { describe, expect, it } from 'vitest';
import { libraryRepos, requirementsRepo, serviceRepo, sourceRepos } from '../../../lib/source/repos.ts';
import { sourceSettings } from '../../../lib/source/settings.ts';
import { codeFrom, sourcePackages, sourceSteps } from '../../../lib/source/index.ts';
import { fakePlan } from './planfixture.ts';

describe('source settings and repos', () => {
  it('uses devstack defaults when nothing is set', () => {
    const s = sourceSettings(fakePlan({}, { dest: '/opt/stack' }));
    expect(s).toMatchObject({
      gitBase: 'https://opendev.org',
      targetBranch: 'master',
      gitDepth: 0,
      reclone: false,
      offline: false,
      errorOnClone: false,
      libsFromGit: [],
      sourceDeps: 'pip',
      requirementsRepo: 'https://opendev.org/openstack/requirements.git',
      constraintsFile: '/opt/stack/requirements/upper-constraints.txt',
    });
  });

  it('reads trueorfalse values, depth and the dependency source', () => {
    const s = sourceSettings(
      fakePlan(
        { RECLONE: 'yes', OFFLINE: 'True', ERROR_ON_CLONE: '1', GIT_DEPTH: '1', SOURCE_DEPS: 'distro' },
        { dest: '/d' },
      ),
    );
    expect(s).toMatchObject({ reclone: true, offline: true, errorOnClone: true, gitDepth: 1, sourceDeps: 'distro' });
  });

  it('builds a service repo from GIT_BASE, or from <SVC>_REPO/<SVC>_BRANCH', () => {
    const plan = fakePlan({ GIT_BASE: 'file:///srv/git/', TARGET_BRANCH: 'stable/zed' }, { dest: '/opt/stack' });
    expect(serviceRepo(plan, 'keystone', { distroPackage: 'python3-keystone' })).toEqual({
      name: 'keystone',
      url: 'file:///srv/git/openstack/keystone.git',
      ref: 'stable/zed',
      dir: '/opt/stack/keystone',
      distroPackage: 'python3-keystone',
    });
    const own = fakePlan(
      { KEYSTONE_REPO: '/home/me/keystone', KEYSTONE_BRANCH: 'refs/changes/10/353710/1' },
      { dest: '/opt/stack' },
    );
    expect(serviceRepo(own, 'keystone')).toMatchObject({ url: '/home/me/keystone', ref: 'refs/changes/10/353710/1' });
  });

  it('maps LIBS_FROM_GIT names to repos with devstack override prefixes and Debian packages', () => {
    const plan = fakePlan(
      { LIBS_FROM_GIT: 'oslo.config, keystonemiddleware,python-foo', OSLOCFG_BRANCH: 'my-fix' },
      { dest: '/opt/stack' },
    );
    expect(libraryRepos(plan)).toEqual([
      {
        name: 'oslo.config',
        url: 'https://opendev.org/openstack/oslo.config.git',
        ref: 'my-fix',
        dir: '/opt/stack/oslo.config',
        distroPackage: 'python3-oslo.config',
      },
      {
        name: 'keystonemiddleware',
        url: 'https://opendev.org/openstack/keystonemiddleware.git',
        ref: 'master',
        dir: '/opt/stack/keystonemiddleware',
        distroPackage: 'python3-keystonemiddleware',
      },
      {
        name: 'python-foo',
        url: 'https://opendev.org/openstack/python-foo.git',
        ref: 'master',
        dir: '/opt/stack/python-foo',
        distroPackage: 'python3-foo',
      },
    ]);
    expect(libraryRepos(fakePlan({ LIBS_FROM_GIT: 'ALL' }, { dest: '/d' })).map((r) => r.name)).toContain(
      'oslo.messaging',
    );
  });

  it('clones requirements only when pip resolves dependencies; libraries install before services', () => {
    const keystone = {
      name: 'keystone',
      url: 'u',
      ref: 'master',
      dir: '/d/keystone',
      distroPackage: 'python3-keystone',
    };
    const req = { name: 'requirements', url: 'r', ref: 'master', dir: '/d/requirements' };
    const pip = sourceRepos(fakePlan({ LIBS_FROM_GIT: 'oslo.config' }, { dest: '/d', repos: [req, keystone] }));
    expect(pip.dataRepos).toEqual([req]);
    expect(pip.installRepos.map((r) => r.name)).toEqual(['oslo.config', 'keystone']);

    const distro = sourceRepos(fakePlan({ SOURCE_DEPS: 'distro' }, { dest: '/d', repos: [req, keystone, keystone] }));
    expect(distro.dataRepos).toEqual([]);
    expect(distro.installRepos).toEqual([keystone]);
    expect(requirementsRepo(fakePlan({}, { dest: '/d' })).dir).toBe('/d/requirements');
  });

  it('names the packages the method needs and where panes get their code', () => {
    const keystone = {
      name: 'keystone',
      url: 'u',
      ref: 'master',
      dir: '/d/keystone',
      distroPackage: 'python3-keystone',
    };
    expect(sourcePackages(fakePlan({ SOURCE_DEPS: 'distro' }, { dest: '/d', repos: [keystone] }))).toEqual([
      'git',
      'ca-certificates',
      'python3-venv',
      'python3-pbr',
      'python3-keystone',
    ]);
    expect(sourcePackages(fakePlan({}, { dest: '/d', repos: [keystone] }))).toEqual([
      'git',
      'ca-certificates',
      'python3-venv',
      'python3-dev',
      'gcc',
      'libc6-dev',
    ]);
    expect(codeFrom(fakePlan({}, { dest: '/d' }))).toBe('checkout');
    expect(codeFrom(fakePlan({}, { dest: '/d', method: 'distro' }))).toBe('package');
  });

  it(
    'orders the steps: venv and installs wait for the Debian packages, checkouts run alongside unless git is ' +
      'missing',
    () => {
      const plan = fakePlan(
        { SOURCE_DEPS: 'distro' },
        { dest: '/d', repos: [{ name: 'keystone', url: 'u', ref: 'master', dir: '/d/keystone' }] },
      );
      const edges = (gitInstalled: boolean) => sourceSteps(plan, { gitInstalled }).map((s) => [s.id, s.after ?? []]);
      expect(edges(true)).toEqual([
        ['source:checkouts', []],
        ['source:venv', ['apt:install']],
        ['source:install', ['source:checkouts', 'source:venv', 'apt:install']],
        ['source:rootwrap', ['source:install']],
        ['source:owner', ['source:install']],
      ]);
      expect(edges(false)[0]).toEqual(['source:checkouts', ['apt:install']]);
    },
  );
});
