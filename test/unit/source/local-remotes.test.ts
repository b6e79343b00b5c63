// The pieces of the local-remote builder that need no git: which installed
// metadata a project maps to, and the setup.cfg pbr reads (checked by the
// script parser the install step uses on real checkouts).

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  installedProject,
  LOCAL_REMOTE_PROJECTS,
  pbrEntryPoints,
  selectProjects,
  setupCfg,
} from '../../../lib/source/local-remotes.ts';
import { declaredScripts } from '../../../lib/source/scripts.ts';

const dist = mkdtempSync(join(tmpdir(), 'tstack-dist-'));
afterAll(() => rmSync(dist, { recursive: true, force: true }));

function fakeInstall(metaDir: string, files: Record<string, string>, tops: string[]) {
  mkdirSync(join(dist, metaDir), { recursive: true });
  for (const [f, text] of Object.entries(files)) writeFileSync(join(dist, metaDir, f), text);
  for (const t of tops) mkdirSync(join(dist, t), { recursive: true });
}

const placement = LOCAL_REMOTE_PROJECTS.find((p) => p.repo === 'placement')!;

describe('installedProject', () => {
  it('finds placement under its egg name, with PKG-INFO name, version and the top-level packages present', () => {
    fakeInstall(
      'openstack_placement-8.0.0.egg-info',
      {
        'PKG-INFO': 'Metadata-Version: 2.1\nName: openstack-placement\nVersion: 8.0.0\n',
        'top_level.txt': 'placement\nplacement_db_tools\nnot_installed\n',
        'entry_points.txt': '[wsgi_scripts]\nplacement-api = placement.wsgi:init_application\n',
      },
      ['placement', 'placement_db_tools'],
    );
    const m = installedProject(placement, dist);
    expect(m.name).toBe('openstack-placement');
    expect(m.version).toBe('8.0.0');
    expect(m.packages).toEqual(['placement', 'placement_db_tools']);
    expect(m.entryPoints).toContain('placement-api');
  });

  it('names the Debian package when the project is not installed', () => {
    const nova = LOCAL_REMOTE_PROJECTS.find((p) => p.repo === 'nova')!;
    expect(() => installedProject(nova, dist)).toThrow(/no nova-\*\.egg-info .* is python3-nova installed\?/);
  });

  it('does not take oslo.config-9 for oslo.configx, nor a name that only starts alike', () => {
    fakeInstall('oslo.configx-1.0.egg-info', { 'top_level.txt': 'x\n' }, []);
    const oslo = LOCAL_REMOTE_PROJECTS.find((p) => p.repo === 'oslo.config')!;
    expect(() => installedProject(oslo, dist)).toThrow(/python3-oslo\.config/);
  });
});

describe('setupCfg', () => {
  it('carries the console and WSGI scripts of entry_points.txt, as the install step reads them', () => {
    const text = setupCfg({
      name: 'nova',
      packages: ['nova'],
      entryPoints:
        '[console_scripts]\nnova-compute = nova.cmd.compute:main\nnova-rootwrap = oslo_rootwrap.cmd:main\n\n' +
        '[wsgi_scripts]\nnova-api-wsgi = nova.api.openstack.compute.wsgi:init_application\n\n' +
        '[oslo.config.opts]\nnova.conf = nova.conf.opts:list_opts\n',
    });
    expect(declaredScripts(text)).toEqual(['nova-compute', 'nova-rootwrap', 'nova-api-wsgi']);
    expect(text).toMatch(/^name = nova$/m);
    expect(text).toMatch(/^packages =\n {4}nova$/m);
  });

  it('keeps groups with dots and targets with extras', () => {
    expect(pbrEntryPoints('[oslo.policy.policies]\nnova = nova.policies:list_rules [extra]\n')).toBe(
      '[entry_points]\noslo.policy.policies =\n    nova = nova.policies:list_rules [extra]\n',
    );
  });
});

describe('selectProjects', () => {
  it('is every project tstack runs by default, keystone first', () => {
    expect(selectProjects().map((p) => p.repo)).toEqual([
      'keystone',
      'glance',
      'placement',
      'nova',
      'neutron',
      'cinder',
      'horizon',
      'oslo.config',
    ]);
  });

  it('refuses an unknown project, listing the known ones', () => {
    expect(() => selectProjects(['nova', 'swift'])).toThrow(/no local remote recipe for swift; known: keystone, /);
  });
});
