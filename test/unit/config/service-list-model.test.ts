// tstack's service list against a literal model of devstack's bash (functions-common's enable_service,
// disable_service, disable_all_services, disable_negated_services, is_service_enabled with its legacy special
// cases, verify_disabled_services; lib/<project>'s is_<project>_enabled): for random sequences of statements, the
// services each would run are the same, and where devstack dies tstack stops with a ConfigError.
// The model works on strings and substring matches, as bash's `=~` does; it shares no code with lib/config.
// One deliberate difference: devstack's `${list//,x,/,}` leaves every other copy of a name listed twice
// (ENABLED_SERVICES+=,c-bak when c-bak is listed), so a later disable_service c-bak makes devstack die; tstack
// lists a name once. The model removes every copy.

import { describe, expect, it } from 'vitest';
import { parseLocalConf } from '../../../lib/config/localconf.ts';
import { resolveConfig } from '../../../lib/config/resolve.ts';
import { DEFAULT_ENABLED_SERVICES } from '../../../lib/config/settings.ts';
import { stackCatalog } from '../../../lib/cli/catalog.ts';
import { ConfigError } from '../../../lib/util/errors.ts';
import { fakeHost } from './helpers.ts';
import { prng } from './fuzz.ts';

class Devstack {
  E: string;
  D = '';
  constructor(initial: string) {
    this.E = initial;
  }
  private static cleanup(s: string): string {
    return s.replace(/,,/g, ',').replace(/^,/, '').replace(/,$/, '');
  }
  /** lib/<project>'s is_<project>_enabled, where it exists. */
  private projectFn(s: string): boolean | undefined {
    const d = `,${this.D}`;
    const e = `,${this.E}`;
    switch (s) {
      case 'cinder':
        return !d.includes(',cinder') && e.includes(',c-');
      case 'glance':
        return !d.includes(',glance') && e.includes(',g-');
      case 'keystone':
        return !d.includes(',keystone') && `,${this.E},`.includes(',key,');
      case 'neutron':
        return !d.includes(',neutron') && (e.includes(',neutron-') || e.includes(',q-'));
      case 'nova':
        return !d.includes(',nova') && e.includes(',n-');
      case 'placement':
        return e.includes(',placement-api');
      case 'swift':
        return !d.includes(',swift') && e.includes(',s-');
      default:
        return undefined;
    }
  }
  isEnabled(s: string): boolean {
    const e = `,${this.E}`;
    let on = `,${this.E},`.includes(`,${s},`);
    if (this.projectFn(s)) on = true;
    if (s === 'nova' && e.includes(',n-')) on = true;
    if (s === 'glance' && e.includes(',g-')) on = true;
    if (s === 'neutron' && e.includes(',q-')) on = true;
    if (s === 'swift' && e.includes(',s-')) on = true;
    if (s.startsWith('s-') && e.includes(',swift')) on = true;
    return on;
  }
  private disableNegated(): void {
    const all = this.E.split(',').filter(Boolean);
    const remove = all.filter((s) => s.startsWith('-')).map((s) => s.slice(1));
    const remaining = all.filter((s) => !s.startsWith('-'));
    this.E = Devstack.cleanup(remaining.filter((s) => !remove.includes(s)).join(','));
  }
  enable(names: string[]): void {
    let tmp = this.E;
    for (const s of names) {
      if (`,${this.D},`.includes(`,${s},`)) continue;
      if (!this.isEnabled(s)) tmp += `,${s}`;
    }
    this.E = Devstack.cleanup(tmp);
    this.disableNegated();
  }
  disable(names: string[]): void {
    let d = this.D;
    let e = `,${this.E},`;
    for (const s of names) {
      d += `,${s}`;
      if (this.isEnabled(s)) while (e.includes(`,${s},`)) e = e.replaceAll(`,${s},`, ',');
    }
    this.D = Devstack.cleanup(d);
    this.E = Devstack.cleanup(e);
  }
  /** stack.sh's end: negations, then verify_disabled_services; true when devstack dies. */
  finish(): boolean {
    this.disableNegated();
    return this.E.split(',').some((s) => s && `,${this.D},`.includes(`,${s},`));
  }
  /** Does devstack run `s`? Its own check and its project's (stack.sh starts a project only when enabled). */
  runs(s: string): boolean {
    if (s === 'key') return this.isEnabled('keystone');
    const project = { n: 'nova', g: 'glance', c: 'cinder', q: 'neutron', s: 'swift' }[s.split('-')[0]];
    return this.isEnabled(s) && (!project || s === 'placement-api' || this.isEnabled(project));
  }
}

const SERVICES = ['horizon', 'mysql', 'key', 'n-api', 'n-cpu', 'g-api', 'c-api', 'c-vol', 'q-svc', 'q-agt'];
const MORE = ['s-proxy', 'placement-api', 'tempest'];
const GROUPS = ['nova', 'glance', 'cinder', 'neutron', 'swift', 'keystone', 'placement'];
const NEGATED = ['-horizon', '-c-api', '-q-agt', '-key'];
const UNIVERSE = [...SERVICES, ...MORE];

function statement(r: () => number): string {
  const pick = (list: string[]) => list[Math.floor(r() * list.length)];
  const names = (pool: string[]) => Array.from({ length: 1 + Math.floor(r() * 3) }, () => pick(pool));
  const x = r();
  if (x < 0.35) return `enable_service ${names([...SERVICES, ...MORE, ...GROUPS]).join(' ')}`;
  if (x < 0.7) return `disable_service ${names([...SERVICES, ...MORE, ...GROUPS]).join(' ')}`;
  if (x < 0.78) return 'disable_all_services';
  if (x < 0.88) return `ENABLED_SERVICES+=,${names([...SERVICES, ...GROUPS, ...NEGATED]).join(',')}`;
  return `ENABLED_SERVICES=${names([...SERVICES, ...MORE, ...GROUPS, ...NEGATED]).join(',')}`;
}

function devstack(statements: string[]): Set<string> | 'dies' {
  const m = new Devstack(DEFAULT_ENABLED_SERVICES.join(','));
  for (const s of statements) {
    const [cmd, ...args] = s.split(' ');
    if (cmd === 'enable_service') m.enable(args);
    else if (cmd === 'disable_service') m.disable(args);
    else if (cmd === 'disable_all_services') m.E = '';
    else if (s.startsWith('ENABLED_SERVICES+=')) m.E += s.slice('ENABLED_SERVICES+='.length);
    else m.E = s.slice('ENABLED_SERVICES='.length);
  }
  if (m.finish()) return 'dies';
  return new Set(UNIVERSE.filter((s) => m.runs(s)));
}

const catalog = stackCatalog();
function tstack(statements: string[]): Set<string> | 'dies' {
  try {
    const localConf = parseLocalConf(`[[local|localrc]]\n${statements.join('\n')}\n`, 'model.conf');
    const c = resolveConfig({ localConf, env: {}, host: fakeHost(), savedPasswords: {}, catalog });
    return new Set(UNIVERSE.filter((s) => c.enabledServices.includes(s)));
  } catch (e) {
    if (e instanceof ConfigError && /verify_disabled_services/.test(e.message)) return 'dies';
    throw e;
  }
}

describe('the service list matches a model of devstack', () => {
  // MODEL_CASES and MODEL_SEED run a longer campaign by hand (20,000 cases on three seeds agree).
  const cases = Number(process.env.MODEL_CASES ?? 600);
  it(`${cases} random sequences of enable/disable/ENABLED_SERVICES statements run the same services`, () => {
    const r = prng(Number(process.env.MODEL_SEED ?? 14));
    let dies = 0;
    for (let i = 0; i < cases; i++) {
      const statements = Array.from({ length: 1 + Math.floor(r() * 8) }, () => statement(r));
      const want = devstack(statements);
      const got = tstack(statements);
      if (want === 'dies') dies++;
      const show = (v: Set<string> | 'dies') => (v === 'dies' ? v : [...v].sort().join(','));
      expect(show(got), statements.join(' ; ')).toBe(show(want));
    }
    // both outcomes occur, or the comparison proves little
    expect(dies).toBeGreaterThan(cases / 60);
    expect(dies).toBeLessThan(cases * 0.9);
  });
});
