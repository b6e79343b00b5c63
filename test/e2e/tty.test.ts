// E2E, as root: the interactive path a developer sees, on a real terminal.
//
// ./stack.ts runs in tmux (a real pty) with no CI variable and a local.conf
// that sets no password: it asks for them (ADMIN_PASSWORD is typed, with
// characters devstack forbade; the others are left empty, so random ones are
// generated), shows listr2 progress, brings up a small stack, opens the TUI;
// `q` quits the TUI and leaves the services running; the summary and the exit
// code come after. Then `./unstack.ts --clean`.

import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOP_DIR } from '../../lib/util/paths.ts';
import { loadSettings } from '../../lib/config/resolve.ts';
import { SystemHostFacts } from '../../lib/system/host-facts.ts';
import { stackCatalog } from '../../lib/cli/catalog.ts';

const run = promisify(execFile);
const SOCKET = `tstack-e2e-tty-${process.pid}`;
const PASSWORD = `Adm1n p@ss:/%#?&$'"`;

let root: string;
let conf: string;
let resolvBefore: Buffer;
/** Keystone as the plan names it: SERVICE_HOST, which is HOST_IP here (the default route's address). */
let keystone: string;

const tmux = (...args: string[]) => run('tmux', ['-L', SOCKET, ...args]);
const screen = async () => (await tmux('capture-pane', '-p', '-t', 'tty', '-S', '-200')).stdout;

async function waitForScreen(what: RegExp, timeoutSec: number): Promise<string> {
  const end = Date.now() + timeoutSec * 1000;
  let text = '';
  while (Date.now() < end) {
    text = await screen();
    if (what.test(text)) return text;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`the terminal never showed ${what} in ${timeoutSec}s; it shows:\n${text}`);
}

async function tstack(script: string, args: string[]) {
  return run(join(TOP_DIR, script), args, {
    cwd: TOP_DIR,
    env: { ...process.env, CI: 'true' },
    maxBuffer: 16 * 1024 * 1024,
  });
}

beforeAll(async () => {
  resolvBefore = readFileSync('/etc/resolv.conf');
  // Whatever an earlier test left: start from nothing of the stack running.
  await tstack('unstack.ts', ['-a']).catch(() => undefined);
  root = mkdtempSync('/tmp/tstack-e2e-tty-');
  conf = join(root, 'local.conf');
  writeFileSync(
    conf,
    [
      '[[local|localrc]]',
      '# no passwords here: the terminal asks for them',
      `DEST=${root}/stack`,
      'disable_all_services',
      'enable_service mysql rabbit memcached key',
      'DOWNLOAD_DEFAULT_IMAGES=False',
      'IMAGE_URLS=',
      '',
    ].join('\n'),
  );
  const host = loadSettings(['SERVICE_HOST'], {
    configPath: conf,
    host: new SystemHostFacts(),
    catalog: stackCatalog(),
  }).SERVICE_HOST;
  keystone = `http://${host}:5000/v3`;
});

afterAll(async () => {
  await tmux('kill-server').catch(() => undefined);
  await tstack('unstack.ts', ['--clean', '--config', conf]).catch(() => undefined);
  rmSync(root, { recursive: true, force: true });
});

describe('./stack.ts on a terminal', () => {
  it('asks for the missing passwords, shows progress, opens the TUI; q leaves the stack running', async () => {
    const env =
      `cd ${TOP_DIR} && env -u CI NCURSES_NO_UTF8_ACS=1 ./stack.ts --config ${conf}; echo "EXIT=$?" > ` +
      `${root}/exit; sleep 600`;
    await tmux('new-session', '-d', '-s', 'tty', '-x', '160', '-y', '45', env);

    await waitForScreen(/\? ADMIN_PASSWORD/, 60);
    await tmux('send-keys', '-t', 'tty', '-l', PASSWORD);
    await tmux('send-keys', '-t', 'tty', 'Enter');
    for (const name of ['DATABASE_PASSWORD', 'RABBIT_PASSWORD', 'SERVICE_PASSWORD']) {
      await waitForScreen(new RegExp(`\\? ${name}`), 30);
      await tmux('send-keys', '-t', 'tty', 'Enter'); // empty: a random one
    }
    // listr2's task tree, then the TUI with its key bar.
    const progress = await waitForScreen(/❯ start|✔ start|j\/k select/, 300);
    expect(progress).toMatch(/install|configure|start/);
    const tui = await waitForScreen(/j\/k select {2}r restart/, 600);
    expect(tui).toMatch(/\+ key +ready/);
    expect(tui).toMatch(/\+ mysql +ready/);
    expect(tui).not.toContain(PASSWORD);

    await tmux('send-keys', '-t', 'tty', 'q');
    await waitForScreen(/stack\.ts completed in \d+ seconds/, 30);
    const end = Date.now() + 10_000;
    while (!existsSync(join(root, 'exit')) && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
    expect(readFileSync(join(root, 'exit'), 'utf8').trim()).toBe('EXIT=0');
    const after = await screen();
    expect(after).toContain(`Keystone:   ${keystone}`);
    expect(after).not.toContain(PASSWORD);
  });

  it(
    'saved the answers (mode 0600) and the typed password works against keystone; the panes outlived the ' + 'TUI',
    async () => {
      const file = join(root, '.localrc.password');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const saved = readFileSync(file, 'utf8');
      for (const name of ['ADMIN_PASSWORD', 'DATABASE_PASSWORD', 'RABBIT_PASSWORD', 'SERVICE_PASSWORD'])
        expect(saved).toMatch(new RegExp(`^${name}=`, 'm'));

      const res = await fetch(`${keystone}/auth/tokens`, {
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
      expect(res.status).toBe(201);

      const status = await tstack('stack.ts', ['status']);
      expect(status.stdout).toMatch(/^key +keystone +ready/m);
      expect(status.stdout).toMatch(/^rabbit +infra +ready/m);
    },
  );

  it('./unstack.ts --clean leaves no pane and resolv.conf as it was', async () => {
    const r = await tstack('unstack.ts', ['--clean', '--config', conf]);
    expect(r.stdout).toMatch(/key: stopped/);
    const { stdout } = await run('ss', ['-ltnH']);
    for (const port of [3306, 5672, 11211, 5000]) expect(stdout).not.toMatch(new RegExp(`[:.]${port}\\s`));
    expect(readFileSync('/etc/resolv.conf').equals(resolvBefore)).toBe(true);
  });
});
