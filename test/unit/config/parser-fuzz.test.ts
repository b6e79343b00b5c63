// The local.conf parser on hostile input: whatever the text, it either resolves or throws the typed ConfigError
// (which the CLI turns into exit 2 with file:line); never a TypeError, a RangeError or another stack trace.
// Seeded and bounded so it runs in about a second; FUZZ_CASES=200000 runs a longer campaign by hand.

import { describe, expect, it } from 'vitest';
import { decodeLocalConf, parseLocalConf } from '../../../lib/config/localconf.ts';
import { resolveConfig } from '../../../lib/config/resolve.ts';
import { stackCatalog } from '../../../lib/cli/catalog.ts';
import { ConfigError } from '../../../lib/util/errors.ts';
import { fakeHost } from './helpers.ts';
import { hostileBytes, hostileLocalConf, prng } from './fuzz.ts';

const CASES = Number(process.env.FUZZ_CASES ?? 1500);
const SEED = 20261130;
const catalog = stackCatalog();

function outcome(text: string): 'ok' | 'config-error' {
  try {
    const localConf = parseLocalConf(text, '/fuzz/local.conf');
    resolveConfig({ localConf, env: {}, host: fakeHost(), savedPasswords: {}, catalog });
    return 'ok';
  } catch (e) {
    if (e instanceof ConfigError) return 'config-error';
    throw new Error(`not a ConfigError for ${JSON.stringify(text)}: ${(e as Error).stack}`);
  }
}

describe('local.conf parser fuzz', () => {
  it(`${CASES} hostile files: resolved or a ConfigError with file:line, nothing else`, () => {
    const r = prng(SEED);
    const seen = { ok: 0, 'config-error': 0 };
    for (let i = 0; i < CASES; i++) seen[outcome(hostileLocalConf(r))]++;
    // the generator must exercise both outcomes, or the test proves nothing
    expect(seen.ok).toBeGreaterThan(CASES / 20);
    expect(seen['config-error']).toBeGreaterThan(CASES / 20);
  });

  it('every ConfigError from a line of local.conf names the file and a line', () => {
    const r = prng(SEED + 1);
    let checked = 0;
    for (let i = 0; i < CASES / 3; i++) {
      const text = hostileLocalConf(r);
      try {
        const localConf = parseLocalConf(text, '/fuzz/local.conf');
        resolveConfig({ localConf, env: {}, host: fakeHost(), savedPasswords: {}, catalog });
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        const pos = (e as ConfigError).pos;
        // errors about the resolved whole (a default that depends on itself) have no line; the rest do
        if (pos) {
          expect(pos.file).toBe('/fuzz/local.conf');
          expect(pos.line).toBeGreaterThan(0);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('random bytes decode as UTF-8 or fail with a ConfigError at their line', () => {
    const r = prng(SEED + 2);
    let invalid = 0;
    for (let i = 0; i < CASES; i++) {
      try {
        decodeLocalConf(hostileBytes(r), '/fuzz/local.conf');
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        expect((e as ConfigError).pos?.line).toBeGreaterThan(0);
        invalid++;
      }
    }
    expect(invalid).toBeGreaterThan(0);
  });
});
