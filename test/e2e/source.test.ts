// E2E, as root on a Debian 12 machine with the keystone package installed:
// the source method's developer loop on a real stack.
//
//   1. A local git remote stands in for opendev: openstack/keystone.git built
//      from the keystone Debian installed (keystone-remote.ts).
//   2. ./stack.ts with INSTALL_METHOD=source, SOURCE_DEPS=distro,
//      GIT_BASE=file://... and mysql, rabbit, memcached, key.
//   3. keystone issues a token, and pane `key` runs code from $DEST/keystone.
//   4. A string of the version document is changed in the checkout,
//      `./stack.ts restart key`, and the change is served over HTTP.
//   5. ./unstack.ts -a.

import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProcessRecord } from '../../lib/proc/types.ts';
import { TOP_DIR } from '../../lib/util/paths.ts';
import { buildKeystoneRemote, type KeystoneRemote } from './keystone-remote.ts';

const run = promisify(execFile);
const PASSWORD = 'e2e-source-secret';
const KEYSTONE = 'http://127.0.0.1:5000';
/** The version document's `updated` field in keystone/api/discovery.py (Zed: 2020-04-07T00:00:00Z). */
const DISCOVERY = join('keystone', 'api', 'discovery.py');
const MARKER = '2099-01-01T00:00:00Z-from-checkout';

let root: string;
let dest: string;
let remote: KeystoneRemote;
let stacked = false;
let passed = false;

async function tstack(script: 'stack.ts' | 'unstack.ts', args: string[], timeoutMs = 30 * 60_000) {
  const r = await run(join(TOP_DIR, script), args, {
    cwd: TOP_DIR,
    env: { ...process.env, CI: 'true' },
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
  }).catch((err: { code?: number; stdout?: string; stderr?: string }) => {
    throw new Error(`./${script} ${args.join(' ')} failed (exit ${err.code}):\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
  });
  return r.stdout;
}

async function versionDocument(): Promise<string> {
  const res = await fetch(`${KEYSTONE}/v3`);
  return res.text();
}

async function issueToken(): Promise<Response> {
  return fetch(`${KEYSTONE}/v3/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: { methods: ['password'], password: { user: { name: 'admin', domain: { id: 'default' }, password: PASSWORD } } },
        scope: { project: { name: 'admin', domain: { id: 'default' } } },
      },
    }),
  });
}

async function eventually<T>(what: string, probe: () => Promise<T>, ok: (t: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < until) {
    try {
      const v = await probe();
      if (ok(v)) return v;
      last = v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`${what}: not true within ${timeoutMs / 1000} s; last: ${String(last).slice(0, 500)}`);
}

beforeAll(() => {
  expect(process.getuid?.(), 'the source E2E test needs root').toBe(0);
  root = mkdtempSync('/tmp/tstack-e2e-source-');
  // uwsgi runs as `keystone` and must reach $DEST/keystone and the venv under it.
  chmodSync(root, 0o755);
  dest = join(root, 'stack');
  remote = buildKeystoneRemote(root);
  writeFileSync(
    join(root, 'local.conf'),
    [
      '[[local|localrc]]',
      `ADMIN_PASSWORD=${PASSWORD}`,
      'DATABASE_PASSWORD=$ADMIN_PASSWORD',
      'RABBIT_PASSWORD=$ADMIN_PASSWORD',
      'SERVICE_PASSWORD=$ADMIN_PASSWORD',
      `DEST=${dest}`,
      'SERVICE_HOST=127.0.0.1',
      'INSTALL_METHOD=source',
      'SOURCE_DEPS=distro',
      `GIT_BASE=${remote.gitBase}`,
      'disable_all_services',
      'enable_service mysql rabbit memcached key',
      '',
    ].join('\n'),
  );
});

afterAll(async () => {
  if (stacked) await tstack('unstack.ts', ['-a'], 5 * 60_000);
  // Keep the tree for a post-mortem when something failed.
  if (passed) rmSync(root, { recursive: true, force: true });
});

describe('source method: edit a checkout, restart its pane, the new code runs', () => {
  it('stacks keystone from a git checkout with distro dependencies', async () => {
    stacked = true;
    const t0 = Date.now();
    const out = await tstack('stack.ts', ['--config', join(root, 'local.conf'), '--no-tui']);
    console.log(`stack.ts (source, SOURCE_DEPS=distro, mysql rabbit memcached key): ${((Date.now() - t0) / 1000).toFixed(0)} s`);

    // The checkout is the remote's master, made by tstack, and the venv was made for distro dependencies.
    const checkout = join(dest, 'keystone');
    const { stdout: head } = await run('git', ['-C', checkout, 'rev-parse', 'HEAD']);
    expect(head.trim()).toBe(remote.head);
    const venv = join(dest, 'data', 'venv');
    expect(readFileSync(join(venv, 'pyvenv.cfg'), 'utf8')).toMatch(/include-system-site-packages = true/);
    for (const script of ['keystone-manage', 'keystone-wsgi-public']) expect(existsSync(join(venv, 'bin', script))).toBe(true);
    const { stdout: where } = await run(join(venv, 'bin', 'python'), ['-c', 'import keystone; print(keystone.__file__)']);
    expect(where.trim()).toBe(join(checkout, 'keystone', '__init__.py'));
    expect(out).toMatch(/key\b.*checkout/);

    const token = await issueToken();
    expect(token.status).toBe(201);
    expect(token.headers.get('x-subject-token')).toBeTruthy();

    const stateDir = join(dest, 'status');
    const record = JSON.parse(readFileSync(join(stateDir, 'panes', 'key.json'), 'utf8')) as ProcessRecord;
    expect(record.spec.codeFrom).toBe('checkout');
  });

  it('serves an edit of $DEST/keystone after `./stack.ts restart key`', async () => {
    expect(await versionDocument()).not.toContain(MARKER);
    const file = join(dest, 'keystone', DISCOVERY);
    const before = readFileSync(file, 'utf8');
    const updated = /'updated': '([^']+)'/.exec(before);
    expect(updated, `no 'updated' field in ${file}`).toBeTruthy();
    writeFileSync(file, before.replace(updated![0], `'updated': '${MARKER}'`));

    // Not before the restart: the running worker has the old code loaded.
    expect(await versionDocument()).not.toContain(MARKER);
    const t0 = Date.now();
    await tstack('stack.ts', ['restart', 'key'], 5 * 60_000);
    const doc = await eventually('the edited version document is served', versionDocument, (t) => t.includes(MARKER));
    console.log(`restart key until the edit is served: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    expect(JSON.parse(doc).version.updated).toBe(MARKER);
    expect((await issueToken()).status).toBe(201);

    // The edit is the developer's: a re-run of stack.ts must keep it (it is uncommitted work).
    const { stdout: diff } = await run('git', ['-C', join(dest, 'keystone'), 'diff', '--name-only']);
    expect(diff.trim()).toBe(DISCOVERY);
  });

  it('unstacks', async () => {
    await tstack('unstack.ts', ['-a'], 5 * 60_000);
    stacked = false;
    await expect(fetch(`${KEYSTONE}/v3`)).rejects.toThrow();
    passed = true;
  });
});
