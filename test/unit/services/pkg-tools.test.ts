import { describe, expect, it } from 'vitest';
import { declinePkgTools } from '../../../lib/services/common.ts';
import { SERVICE_MODULES } from '../../../lib/services/registry.ts';

describe('declinePkgTools', () => {
  it('answers "false" to each question of <project>-common, and the API package\'s endpoint question', () => {
    expect(declinePkgTools('cinder', ['configure_db', 'configure_ksat'], 'cinder-api')).toEqual([
      'cinder-common cinder/configure_db boolean false',
      'cinder-common cinder/configure_ksat boolean false',
      'cinder-api cinder/configure_api-endpoint boolean false',
    ]);
    expect(declinePkgTools('neutron', ['configure_nova'])).toEqual([
      'neutron-common neutron/configure_nova boolean false',
    ]);
  });

  it('every module answer is one debconf-set-selections line: package, question, type, value', () => {
    const lines = SERVICE_MODULES.flatMap((m) => m.debconf ?? []);
    expect(lines.length).toBeGreaterThan(20);
    for (const l of lines)
      expect(l).toMatch(/^[a-z0-9.+-]+ [a-z0-9_-]+\/[a-z0-9_-]+ (boolean (true|false)|string .*)$/);
  });
});
