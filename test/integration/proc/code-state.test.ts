import { mkdtempSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { codeDigest } from '../../../lib/proc/code-state.ts';
import { git } from '../source/gitfixture.ts';

let root: string;
let nova: string;
let lib: string;

function checkout(dir: string): void {
  mkdirSync(dir, { recursive: true });
  git(dir, 'init', '-q');
  writeFileSync(join(dir, '.gitignore'), '*.egg-info\n*.pyc\n');
  writeFileSync(join(dir, 'versions.py'), 'UPDATED = "2013-07-23T11:33:21Z"\n');
  git(dir, 'add', '.');
  git(dir, 'commit', '-q', '-m', 'one');
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'tstack-code-state-'));
  nova = join(root, 'nova');
  lib = join(root, 'oslo.config');
  checkout(nova);
  checkout(lib);
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('codeDigest', () => {
  it('is stable while nothing changes, and undefined without checkouts', async () => {
    expect(await codeDigest(undefined)).toBeUndefined();
    expect(await codeDigest([])).toBeUndefined();
    const a = await codeDigest([nova, lib]);
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(await codeDigest([nova, lib])).toBe(a);
  });

  it('moves with an uncommitted edit (staged or not), an untracked file, a new HEAD, in either checkout', async () => {
    const seen = new Set<string | undefined>([await codeDigest([nova, lib])]);
    const step = async (what: string, change: () => void) => {
      change();
      const d = await codeDigest([nova, lib]);
      expect(seen.has(d), what).toBe(false);
      seen.add(d);
    };
    await step('edit', () => writeFileSync(join(nova, 'versions.py'), 'UPDATED = "2099"\n'));
    await step('edit again', () => writeFileSync(join(nova, 'versions.py'), 'UPDATED = "2100"\n'));
    // staging changes no code: same digest
    git(nova, 'add', 'versions.py');
    expect(seen.has(await codeDigest([nova, lib]))).toBe(true);
    await step('untracked', () => writeFileSync(join(nova, 'new.py'), 'X = 1\n'));
    await step('untracked content', () => writeFileSync(join(nova, 'new.py'), 'X = 2\n'));
    await step('commit', () => {
      git(nova, 'add', '.');
      git(nova, 'commit', '-q', '-m', 'two');
    });
    await step('branch change', () => {
      git(nova, 'checkout', '-q', '-b', 'stable/zed', 'HEAD~1');
      writeFileSync(join(nova, 'versions.py'), 'UPDATED = "zed"\n');
      git(nova, 'commit', '-q', '-am', 'zed');
    });
    await step('library edit', () => writeFileSync(join(lib, 'versions.py'), 'UPDATED = "lib"\n'));
  });

  it('ignores what .gitignore ignores (egg-info, bytecode): a reinstall does not restart panes', async () => {
    const before = await codeDigest([nova]);
    mkdirSync(join(nova, 'nova.egg-info'));
    writeFileSync(join(nova, 'nova.egg-info', 'entry_points.txt'), '[console_scripts]\n');
    writeFileSync(join(nova, 'versions.pyc'), 'x');
    expect(await codeDigest([nova])).toBe(before);
  });

  it('going back to the committed content gives the committed digest again', async () => {
    const clean = await codeDigest([nova]);
    writeFileSync(join(nova, 'versions.py'), 'UPDATED = "2099"\n');
    expect(await codeDigest([nova])).not.toBe(clean);
    git(nova, 'checkout', '--', 'versions.py');
    expect(await codeDigest([nova])).toBe(clean);
  });

  it('does not rewrite the index (git runs as root in the developer-owned checkout)', async () => {
    writeFileSync(join(nova, 'versions.py'), 'UPDATED = "2099"\n');
    const index = join(nova, '.git', 'index');
    const before = statSync(index).mtimeMs;
    await new Promise((r) => setTimeout(r, 20));
    await codeDigest([nova]);
    expect(statSync(index).mtimeMs).toBe(before);
  });

  it('counts a directory that is no checkout (yet) as a state of its own', async () => {
    const missing = join(root, 'glance');
    const none = await codeDigest([missing]);
    expect(none).toMatch(/^[0-9a-f]{16}$/);
    checkout(missing);
    expect(await codeDigest([missing])).not.toBe(none);
  });
});
