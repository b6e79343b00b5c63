// E2E, as root on a Debian 12 machine with the keystone package installed:
// the source method's developer loop on a real stack.
//
//   1. A local git remote stands in for opendev: openstack/keystone.git built
//      from the keystone Debian installed (keystone-remote.ts).
//   2. ./stack.ts with INSTALL_METHOD=source, SOURCE_DEPS=distro,
//      GIT_BASE=file://... and mysql, rabbit, memcached, key.
//   3. keystone issues a token, and pane `key` runs code from $DEST/keystone.
//      The checkout belongs to STACK_USER (created by tstack), and the
//      edits below are made as that user, not as root.
//   4. A string of the version document is changed in the checkout,
//      `./stack.ts restart key`, and the change is served over HTTP.
//   5. The remote moves on and ./stack.ts runs again with RECLONE=True: the
//      uncommitted edit is kept, with a warning naming it.
//   6. ./unstack.ts -a: no pane process, no listener of the stack,
//      resolv.conf and .stackenv as they were; the user is removed.

import { execFile } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProcessRecord } from '../../lib/types/process.ts';
import { TOP_DIR } from '../../lib/util/paths.ts';
import { runTstack } from './tstack-cli.ts';
import { buildKeystoneRemote, type KeystoneRemote } from './keystone-remote.ts';

const run = promisify(execFile);
const PASSWORD = 'e2e-source-secret';
const KEYSTONE = 'http://127.0.0.1:5000';
/** The version document's `updated` field in keystone/api/discovery.py (Zed: 2020-04-07T00:00:00Z). */
const DISCOVERY = join('keystone', 'api', 'discovery.py');
const MARKER = '2099-01-01T00:00:00Z-from-checkout';
/** The developer: STACK_USER, created by tstack, removed by this test. */
const DEVELOPER = 'tstack-e2e-dev';
/** Listeners of mysql, rabbit (epmd, amqp, dist), memcached, keystone. */
const STACK_PORTS = [3306, 4369, 5672, 25672, 11211, 5000];
const STACKENV = join(TOP_DIR, '.stackenv');

let root: string;
let dest: string;
let remote: KeystoneRemote;
let stacked = false;
let passed = 0;
let resolvBefore: Buffer;
let stackenvBefore: string | undefined;

async function tstack(
  script: 'stack.ts' | 'unstack.ts',
  args: string[],
  timeoutMs = 30 * 60_000,
  env: Record<string, string> = {},
) {
  return runTstack(script, args, timeoutMs, env);
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
        identity: {
          methods: ['password'],
          password: { user: { name: 'admin', domain: { id: 'default' }, password: PASSWORD } },
        },
        scope: { project: { name: 'admin', domain: { id: 'default' } } },
      },
    }),
  });
}

/** A command as the developer (STACK_USER), the way they would work in the checkout. */
async function asDeveloper(argv: string[]): Promise<string> {
  const r = await run('runuser', ['-u', DEVELOPER, '--', ...argv], { cwd: '/' });
  return r.stdout;
}

async function userExists(user: string): Promise<boolean> {
  return run('getent', ['passwd', user]).then(
    () => true,
    () => false,
  );
}

/** Processes that carry a pane's marker in their environment (the supervisor sets TSTACK_PANE). */
function paneProcesses(): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (
        readFileSync(`/proc/${pid}/environ`, 'utf8')
          .split('\0')
          .some((e) => e.startsWith('TSTACK_PANE='))
      ) {
        found.push(`${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').slice(0, 120)}`);
      }
    } catch {
      // exited while we looked
    }
  }
  return found;
}

async function stackListeners(): Promise<number[]> {
  const { stdout } = await run('ss', ['-Hltn']);
  return stdout
    .split('\n')
    .map((l) => Number(/:(\d+)$/.exec(l.split(/\s+/)[3] ?? '')?.[1]))
    .filter((p) => STACK_PORTS.includes(p));
}

async function eventually<T>(
  what: string,
  probe: () => Promise<T>,
  ok: (t: T) => boolean,
  timeoutMs = 60_000,
): Promise<T> {
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

beforeAll(async () => {
  expect(process.getuid?.(), 'the source E2E test needs root').toBe(0);
  expect(await userExists(DEVELOPER), `${DEVELOPER} exists already: a run left it behind?`).toBe(false);
  resolvBefore = readFileSync('/etc/resolv.conf');
  stackenvBefore = existsSync(STACKENV) ? readFileSync(STACKENV, 'utf8') : undefined;
  // a fresh start: whatever an earlier run left up is stopped first (its .stackenv says where)
  await tstack('unstack.ts', ['-a'], 5 * 60_000).catch(() => undefined);
  root = mkdtempSync('/tmp/tstack-e2e-source-');
  // uwsgi runs as `keystone` and must reach $DEST/keystone and the venv under it.
  chmodSync(root, 0o755);
  dest = join(root, 'stack');
  remote = await buildKeystoneRemote(root);
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
      `STACK_USER=${DEVELOPER}`,
      `GIT_BASE=${remote.gitBase}`,
      'disable_all_services',
      'enable_service mysql rabbit memcached key',
      '',
    ].join('\n'),
  );
});

afterAll(async () => {
  if (stacked) await tstack('unstack.ts', ['-a'], 5 * 60_000);
  if (await userExists(DEVELOPER)) await run('userdel', ['--remove', DEVELOPER]);
  if (stackenvBefore === undefined) rmSync(STACKENV, { force: true });
  else writeFileSync(STACKENV, stackenvBefore);
  // Keep the tree for a post-mortem when something failed.
  if (passed === 4) rmSync(root, { recursive: true, force: true });
});

describe('source method: edit a checkout, restart its pane, the new code runs', () => {
  it('stacks keystone from a git checkout with distro dependencies', async () => {
    stacked = true;
    const t0 = Date.now();
    const out = await tstack('stack.ts', ['--config', join(root, 'local.conf'), '--no-tui']);
    console.log(
      `stack.ts (source, SOURCE_DEPS=distro, mysql rabbit memcached key): ${((Date.now() - t0) / 1000).toFixed(0)} s`,
    );

    // The checkout is the remote's master, made by tstack, and the venv was made for distro dependencies.
    // root reads the developer's checkout as git would for any other user's: with safe.directory
    const checkout = join(dest, 'keystone');
    const { stdout: head } = await run('git', ['-c', 'safe.directory=*', '-C', checkout, 'rev-parse', 'HEAD']);
    expect(head.trim()).toBe(remote.head);
    const venv = join(dest, 'data', 'venv');
    expect(readFileSync(join(venv, 'pyvenv.cfg'), 'utf8')).toMatch(/include-system-site-packages = true/);
    for (const script of ['keystone-manage', 'keystone-wsgi-public'])
      expect(existsSync(join(venv, 'bin', script))).toBe(true);
    const { stdout: where } = await run(join(venv, 'bin', 'python'), [
      '-c',
      'import keystone; print(keystone.__file__)',
    ]);
    expect(where.trim()).toBe(join(checkout, 'keystone', '__init__.py'));
    expect(out).toMatch(/key\b.*checkout/);

    const token = await issueToken();
    expect(token.status).toBe(201);
    expect(token.headers.get('x-subject-token')).toBeTruthy();

    const stateDir = join(dest, 'status');
    const record = JSON.parse(readFileSync(join(stateDir, 'panes', 'key.json'), 'utf8')) as ProcessRecord;
    expect(record.spec.codeFrom).toBe('checkout');

    // STACK_USER was created and owns the checkout, .git included; keystone (its own user) reads it
    const { stdout: uid } = await run('id', ['-u', DEVELOPER]);
    for (const p of [checkout, join(checkout, '.git', 'HEAD'), join(checkout, DISCOVERY)])
      expect(statSync(p).uid, p).toBe(Number(uid));
    expect(record.spec.user).toBe('keystone');
    passed++;
  });

  it('serves an edit of $DEST/keystone after `./stack.ts restart key`', async () => {
    expect(await versionDocument()).not.toContain(MARKER);
    const file = join(dest, 'keystone', DISCOVERY);
    expect(readFileSync(file, 'utf8'), `no 'updated' field in ${file}`).toMatch(/'updated': '[^']+'/);
    // the developer edits as themselves: sed -i writes a new file in the directory, so it needs ownership
    await asDeveloper(['sed', '-i', `s|'updated': '[^']*'|'updated': '${MARKER}'|`, file]);

    // Not before the restart: the running worker has the old code loaded.
    expect(await versionDocument()).not.toContain(MARKER);
    const t0 = Date.now();
    await tstack('stack.ts', ['restart', 'key'], 5 * 60_000);
    const doc = await eventually('the edited version document is served', versionDocument, (t) => t.includes(MARKER));
    console.log(`restart key until the edit is served: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    expect(JSON.parse(doc).version.updated).toBe(MARKER);
    expect((await issueToken()).status).toBe(201);

    // git works for the developer in their checkout (no "dubious ownership")
    expect((await asDeveloper(['git', '-C', join(dest, 'keystone'), 'diff', '--name-only'])).trim()).toBe(DISCOVERY);
    passed++;
  });

  it('keeps the uncommitted edit when the remote moves on and stack.ts runs again with RECLONE=True', async () => {
    const src = remote.src;
    writeFileSync(join(src, 'UPSTREAM'), 'a commit the checkout does not have\n');
    const g = (...args: string[]) =>
      run('git', ['-c', 'user.name=tstack e2e', '-c', 'user.email=e2e@tstack.invalid', '-C', src, ...args]);
    await g('add', 'UPSTREAM');
    await g('commit', '-q', '-m', 'Upstream moves on');
    await g('push', '-q', remote.bare, 'master');

    const t0 = Date.now();
    const out = await tstack('stack.ts', ['--config', join(root, 'local.conf'), '--no-tui'], 10 * 60_000, {
      RECLONE: 'True',
    });
    console.log(`stack.ts again (RECLONE=True, stack up): ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    expect(out).toMatch(
      new RegExp(
        `keystone: RECLONE=True would move .* uncommitted changes in 1 file\\(s\\): ${DISCOVERY.replace(/\./g, '\\.')}`,
      ),
    );
    const { stdout: head } = await run('git', [
      '-c',
      'safe.directory=*',
      '-C',
      join(dest, 'keystone'),
      'rev-parse',
      'HEAD',
    ]);
    expect(head.trim()).toBe(remote.head);
    expect(readFileSync(join(dest, 'keystone', DISCOVERY), 'utf8')).toContain(MARKER);
    expect(JSON.parse(await versionDocument()).version.updated).toBe(MARKER);
    passed++;
  });

  it('unstacks: no pane process, no listener of the stack, resolv.conf untouched', async () => {
    await tstack('unstack.ts', ['-a'], 5 * 60_000);
    stacked = false;
    await expect(fetch(`${KEYSTONE}/v3`)).rejects.toThrow();
    await eventually(
      'no pane process',
      async () => paneProcesses(),
      (p) => p.length === 0,
      30_000,
    );
    expect(await stackListeners()).toEqual([]);
    expect(readFileSync('/etc/resolv.conf').equals(resolvBefore)).toBe(true);
    passed++;
  });
});
