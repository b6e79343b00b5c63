// The catalog the CLI builds from the modules: core rows first, modules' rows
// and repo rows after, devstack's names taken over by a module that runs
// them, passwords in asking order, and no setting or short name twice.

import { describe, expect, it } from 'vitest';
import type { ConfigContribution } from '../../../lib/types/config.ts';
import { buildCatalog } from '../../../lib/config/catalog.ts';
import { CORE_SETTINGS, settingGroup } from '../../../lib/config/settings.ts';

const tempest: ConfigContribution = {
  name: 'tempest',
  project: 'tempest',
  shortNames: ['tempest'],
  settings: settingGroup('passwords', [
    { name: 'TEMPEST_SECRET', type: 'password', secret: true, default: '', description: 'A secret tempest needs.' },
  ]),
  passwords: ['TEMPEST_SECRET', 'SERVICE_PASSWORD'],
  repos: [{ name: 'tempest' }],
};

describe('buildCatalog', () => {
  it('has the core rows alone when no module contributes', () => {
    const c = buildCatalog([]);
    expect(c.settings.map((s) => s.name)).toEqual(CORE_SETTINGS.map((s) => s.name));
    expect(c.serviceName('c-bak')).toMatchObject({ implemented: false, project: 'cinder' });
    expect(c.passwords).toEqual([]);
  });

  it('adds a module: its rows and repo rows, its short names implemented, its passwords after the core ones', () => {
    const c = buildCatalog([
      { name: 'keystone', project: 'keystone', shortNames: ['key'], passwords: ['ADMIN_PASSWORD'] },
      tempest,
    ]);
    expect(c.setting('TEMPEST_REPO')?.group).toBe('source');
    expect(c.setting('TEMPEST_BRANCH')?.default).toBe('${TARGET_BRANCH}');
    expect(c.settings.findIndex((s) => s.name === 'TEMPEST_SECRET')).toBeGreaterThan(CORE_SETTINGS.length - 1);
    expect(c.serviceName('tempest')).toMatchObject({ implemented: true, project: 'tempest' });
    expect(c.serviceNames.filter((n) => n.name === 'tempest')).toHaveLength(1);
    expect(c.passwords.map((p) => [p.name, p.neededBy])).toEqual([
      ['ADMIN_PASSWORD', ['key']],
      ['SERVICE_PASSWORD', ['tempest']],
      ['TEMPEST_SECRET', ['tempest']],
    ]);
    expect(c.passwords.find((p) => p.name === 'TEMPEST_SECRET')?.prompt).toBe('A secret tempest needs.');
  });

  it('refuses a setting or a short name declared twice, and a password that is not a password row', () => {
    const again: ConfigContribution = {
      name: 'again',
      project: 'x',
      shortNames: ['x'],
      settings: settingGroup('services', [{ name: 'DEST', type: 'path', default: '/', description: 'again' }]),
    };
    expect(() => buildCatalog([again])).toThrow(
      /setting DEST is declared twice: by lib\/config\/settings.ts and by module again/,
    );
    expect(() =>
      buildCatalog([tempest, { ...tempest, name: 'other', settings: [], repos: [], passwords: [] }]),
    ).toThrow(/short name tempest is claimed by modules tempest and other/);
    expect(() => buildCatalog([{ name: 'm', project: 'm', shortNames: [], passwords: ['DEST'] }])).toThrow(
      /needs password DEST/,
    );
  });
});
