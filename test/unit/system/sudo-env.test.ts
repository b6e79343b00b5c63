// The sudoers drop-in that lets the panes' python settings through sudo to the privsep and rootwrap daemons.

import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { generatedFiles } from '../../../lib/phases/clean.ts';
import { PANE_PYTHON_ENV } from '../../../lib/proc/launch.ts';
import { APT_STEP } from '../../../lib/system/apt.ts';
import { SUDO_ENV_FILE, sudoEnvStep, sudoEnvText } from '../../../lib/system/sudo-env.ts';
import { testPlan } from '../plan-fixture.ts';

describe('sudo env_keep for the panes', () => {
  it('keeps exactly the pane python settings, and visudo accepts the file', () => {
    const text = sudoEnvText(Object.keys(PANE_PYTHON_ENV));
    expect(text).toContain('Defaults env_keep += "EVENTLET_NO_GREENDNS SETUPTOOLS_USE_DISTUTILS"\n');
    // the real parser: a broken drop-in in /etc/sudoers.d would lock sudo out for every service
    execFileSync('visudo', ['-c', '-q', '-f', '-'], { input: text });
  });

  it('refuses what is not a variable name (a quote would end the list)', () => {
    expect(() => sudoEnvText(['A" ALL'])).toThrow(/not a variable name/);
  });

  it('waits for the apt step, which brings sudo and visudo to a fresh VM', () => {
    expect(sudoEnvStep(['A']).after).toEqual([APT_STEP]);
  });

  it('is fingerprinted by its text, and unstack --clean removes it', () => {
    expect(sudoEnvStep(['B', 'A']).fingerprint).toBe(sudoEnvStep(['A', 'B']).fingerprint);
    expect(sudoEnvStep(['A']).fingerprint).not.toBe(sudoEnvStep(['A', 'B']).fingerprint);
    expect(generatedFiles(testPlan({}))).toContain(SUDO_ENV_FILE);
  });
});
