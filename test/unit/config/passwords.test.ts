import { readFileSync, statSync, chmodSync, writeFileSync, existsSync } from 'node:fs';
import { PassThrough, Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, passwordFilePath } from '../../../lib/config/resolve.ts';
import {
  ensurePasswordsDetailed,
  missingPasswords,
  neededPasswords,
  type PasswordPrompter,
} from '../../../lib/config/passwords.ts';
import { askPasswords, enquirerPrompter } from '../../../lib/cli/passwords.ts';
import {
  formatPasswordFile,
  parsePasswordFile,
  readPasswordFile,
  writePasswordFile,
} from '../../../lib/config/password-file.ts';
import { MASK, clearSecrets, mask } from '../../../lib/util/secrets.ts';
import { formatConfig } from '../../../lib/cli/commands/config.ts';
import { fakeHost, tempDir, writeConf } from './helpers.ts';
import { stackCatalog } from '../../../lib/cli/catalog.ts';
import { allowedCharacters } from '../../../lib/config/password-rules.ts';

const SPECIAL = `p@ss:/w%rd#?&$'" x`;
const cleanups: (() => void)[] = [];
afterEach(() => {
  cleanups.splice(0).forEach((c) => {
    c();
  });
  clearSecrets();
});
function temp() {
  const t = tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}

/** A TTY pair enquirer accepts: keys written to `stdin`, the screen collected from `stdout`. */
function fakeTty() {
  const stdin = Object.assign(new PassThrough(), {
    isTTY: true,
    isRaw: false,
    setRawMode(mode: boolean) {
      stdin.isRaw = mode;
      return stdin;
    },
  });
  let screen = '';
  const stdout = Object.assign(
    new Writable({
      write(chunk, _enc, cb) {
        screen += chunk.toString();
        cb();
      },
    }),
    { isTTY: true, columns: 100, rows: 40 },
  );
  return {
    stdin: stdin as unknown as NodeJS.ReadStream,
    stdout: stdout as unknown as NodeJS.WriteStream,
    input: stdin,
    screen: () => screen,
  };
}

const loadIn = (dir: string, body: string, env: NodeJS.ProcessEnv = {}) => {
  const conf = writeConf(dir, `[[local|localrc]]\n${body}\n`);
  return { conf, config: loadConfig({ configPath: conf, env, host: fakeHost(), catalog: stackCatalog() }) };
};

describe('which passwords', () => {
  it('only those the enabled services need', () => {
    expect(neededPasswords(stackCatalog(), ['mysql', 'rabbit', 'key'])).toEqual([
      'ADMIN_PASSWORD',
      'DATABASE_PASSWORD',
      'RABBIT_PASSWORD',
      'SERVICE_PASSWORD',
    ]);
    expect(neededPasswords(stackCatalog(), ['mysql'])).toEqual(['DATABASE_PASSWORD']);
    expect(neededPasswords(stackCatalog(), ['n-cpu', 'q-agt'])).toEqual([]);
  });

  it('not those set by local.conf, the environment or the saved file', () => {
    const dir = temp();
    writePasswordFile(`${dir}/.localrc.password`, { RABBIT_PASSWORD: 'saved' });
    const { config } = loadIn(dir, 'ADMIN_PASSWORD=a', { SERVICE_PASSWORD: 'fromenv' });
    expect(missingPasswords(config)).toEqual(['DATABASE_PASSWORD']);
  });
});

describe('the password file', () => {
  it('round-trips any printable characters and stays sourceable by sh', () => {
    const values = {
      ADMIN_PASSWORD: SPECIAL,
      DATABASE_PASSWORD: "'''",
      RABBIT_PASSWORD: '\\$HOME `x` ${A}',
      SERVICE_PASSWORD: ' lead and trail ',
    };
    const text = formatPasswordFile(values);
    expect(parsePasswordFile(text, 'f')).toEqual(values);
    expect(text).toContain(`ADMIN_PASSWORD='p@ss:/w%rd#?&$'\\''" x'`);
  });

  it('is written with mode 0600, also over a wider existing file', () => {
    const dir = temp();
    const path = `${dir}/.localrc.password`;
    writeFileSync(path, '');
    chmodSync(path, 0o644);
    writePasswordFile(path, { ADMIN_PASSWORD: 'x' });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readPasswordFile(path)).toEqual({ ADMIN_PASSWORD: 'x' });
  });
});

describe('headless: nothing is asked', () => {
  it('generates the missing ones, saves them 0600, says so by name only, and never asks again', async () => {
    const dir = temp();
    const { conf, config } = loadIn(dir, 'DATABASE_PASSWORD=given');
    const notices: string[] = [];
    const tty = fakeTty();
    const out = await ensurePasswordsDetailed(config, {
      interactive: false,
      stdin: tty.stdin,
      stdout: tty.stdout,
      log: (l) => notices.push(l),
    });
    expect(out.generated).toEqual(['ADMIN_PASSWORD', 'RABBIT_PASSWORD', 'SERVICE_PASSWORD']);
    expect(out.asked).toEqual([]);
    expect(tty.screen()).toBe('');
    const file = passwordFilePath(conf);
    expect(out.file).toBe(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const saved = readPasswordFile(file);
    expect(Object.keys(saved)).toEqual(['ADMIN_PASSWORD', 'RABBIT_PASSWORD', 'SERVICE_PASSWORD']);
    for (const v of Object.values(saved)) expect(v).toMatch(/^[0-9a-f]{20}$/);
    expect(out.config.values.ADMIN_PASSWORD).toBe(saved.ADMIN_PASSWORD);
    expect(out.config.origins.ADMIN_PASSWORD).toBe('generated');
    expect(out.config.values.DATABASE_PASSWORD).toBe('given');
    expect(notices).toEqual([
      `Generated ADMIN_PASSWORD, RABBIT_PASSWORD, SERVICE_PASSWORD (no TTY, nothing is asked); saved to ${file} ` +
        `(mode 0600).`,
    ]);
    for (const v of Object.values(saved)) expect(notices.join('\n')).not.toContain(v);

    const again = await ensurePasswordsDetailed(
      loadConfig({ configPath: conf, env: {}, host: fakeHost(), catalog: stackCatalog() }),
      { interactive: false, log: (l) => notices.push(l) },
    );
    expect(again.generated).toEqual([]);
    expect(again.config.values.RABBIT_PASSWORD).toBe(saved.RABBIT_PASSWORD);
    expect(again.config.origins.RABBIT_PASSWORD).toBe('password-file');
  });

  it('an empty assignment in local.conf counts as unset: generated once, then read from the saved file', async () => {
    const dir = temp();
    const { conf, config } = loadIn(
      dir,
      'disable_all_services\nenable_service key\nADMIN_PASSWORD=\nSERVICE_PASSWORD=s',
    );
    const out = await ensurePasswordsDetailed(config, { interactive: false, log: () => undefined });
    expect(out.generated).toEqual(['ADMIN_PASSWORD']);
    const again = loadConfig({ configPath: conf, env: {}, host: fakeHost(), catalog: stackCatalog() });
    expect([again.values.ADMIN_PASSWORD, again.origins.ADMIN_PASSWORD]).toEqual([
      out.config.values.ADMIN_PASSWORD,
      'password-file',
    ]);
  });

  it('CI=true wins over a terminal', async () => {
    const dir = temp();
    const { config } = loadIn(dir, 'disable_all_services\nenable_service mysql', { CI: 'true' });
    const tty = fakeTty();
    const notices: string[] = [];
    const out = await askPasswords(config, {
      interactive: true,
      stdin: tty.stdin,
      stdout: tty.stdout,
      log: (l) => notices.push(l),
    });
    expect(out.generated).toEqual(['DATABASE_PASSWORD']);
    expect(tty.screen()).toBe('');
    expect(notices[0]).toMatch(/^Generated DATABASE_PASSWORD \(CI=true, nothing is asked\)/);
  });

  it('generating ADMIN_PASSWORD first lets SERVICE_PASSWORD=$ADMIN_PASSWORD follow it', async () => {
    const dir = temp();
    const { config } = loadIn(dir, 'SERVICE_PASSWORD=$ADMIN_PASSWORD\nDATABASE_PASSWORD=d\nRABBIT_PASSWORD=r');
    const out = await ensurePasswordsDetailed(config, { interactive: false, log: () => undefined });
    expect(out.generated).toEqual(['ADMIN_PASSWORD']);
    expect(out.config.values.SERVICE_PASSWORD).toBe(out.config.values.ADMIN_PASSWORD);
  });
});

describe('interactive: enquirer on a (fake) terminal', () => {
  it('asks each missing password, accepts any printable characters, empty means random', async () => {
    const dir = temp();
    const { conf, config } = loadIn(dir, 'disable_all_services\nenable_service mysql rabbit');
    const tty = fakeTty();
    const answers = [SPECIAL, ''];
    // Type the next answer each time a prompt is drawn.
    let drawn = 0;
    const timer = setInterval(() => {
      const prompts = tty.screen().split('Saved to ').length - 1;
      if (prompts > drawn) {
        drawn = prompts;
        const answer = answers.shift() ?? '';
        setTimeout(() => tty.input.write(answer + '\r'), 20);
      }
    }, 10);
    try {
      const out = await askPasswords(config, {
        interactive: true,
        stdin: tty.stdin,
        stdout: tty.stdout,
        log: () => undefined,
      });
      expect(out.asked).toEqual(['DATABASE_PASSWORD']);
      expect(out.generated).toEqual(['RABBIT_PASSWORD']);
      expect(out.config.values.DATABASE_PASSWORD).toBe(SPECIAL);
      expect(out.config.values.RABBIT_PASSWORD).toMatch(/^[0-9a-f]{20}$/);
      expect(readPasswordFile(passwordFilePath(conf))).toEqual({
        DATABASE_PASSWORD: SPECIAL,
        RABBIT_PASSWORD: out.config.values.RABBIT_PASSWORD,
      });
      const screen = tty.screen();
      expect(screen).toContain('Password for the database (DATABASE_PASSWORD)');
      expect(screen).toContain('Password for RabbitMQ (RABBIT_PASSWORD)');
      expect(screen).not.toContain('p@ss'); // the password prompt echoes stars only
    } finally {
      clearInterval(timer);
    }
  });

  it('uses a given prompter and never calls enquirer without a TTY', async () => {
    const dir = temp();
    const { config } = loadIn(dir, 'disable_all_services\nenable_service key');
    const asked: string[] = [];
    const prompter: PasswordPrompter = { ask: async (spec) => (asked.push(spec.name), `${spec.name.toLowerCase()}!`) };
    const out = await ensurePasswordsDetailed(config, { prompter, log: () => undefined });
    expect(asked).toEqual(['ADMIN_PASSWORD', 'SERVICE_PASSWORD']);
    expect(out.config.values.SERVICE_PASSWORD).toBe('service_password!');
    // stdin here (vitest's) is no TTY: the default path must generate, not hang in enquirer
    const dir2 = temp();
    const headless = await askPasswords(loadIn(dir2, 'disable_all_services\nenable_service rabbit').config, {
      interactive: true,
      log: () => undefined,
    });
    expect(headless.generated).toEqual(['RABBIT_PASSWORD']);
  });

  it('enquirerPrompter keeps control characters out of a password', async () => {
    const tty = fakeTty();
    const p = enquirerPrompter(tty.stdin, tty.stdout).ask(
      { name: 'ADMIN_PASSWORD', neededBy: ['key'], prompt: 'Admin' },
      '/f',
    );
    await new Promise((r) => setTimeout(r, 50));
    // Tab and ^A are keys to enquirer (^A moves to the start), never characters of the value.
    tty.input.write('a\tb\x01c\r');
    await expect(p).resolves.toBe('cab');
  });

  it("says what a password may hold, and refuses what a consumer cannot carry, with why ('/', rabbit)", async () => {
    const tty = fakeTty();
    const p = enquirerPrompter(tty.stdin, tty.stdout).ask(
      { name: 'RABBIT_PASSWORD', neededBy: ['rabbit'], prompt: 'Rabbit' },
      '/f',
    );
    await new Promise((r) => setTimeout(r, 50));
    tty.input.write('a/b\r');
    await new Promise((r) => setTimeout(r, 50));
    expect(tty.screen()).toContain(allowedCharacters('RABBIT_PASSWORD'));
    expect(tty.screen()).toContain("'/' cannot be used: oslo.messaging's rabbit driver");
    // two backspaces, then an accepted answer
    tty.input.write('\x7f\x7fc\r');
    await expect(p).resolves.toBe('ac');
  });
});

describe('masking', () => {
  it('registers every password at once: config output, masks, URL-encoded forms', async () => {
    const dir = temp();
    const { config } = loadIn(
      dir,
      `ADMIN_PASSWORD='${SPECIAL.replace(/'/g, `'\\''`)}'\nDATABASE_PASSWORD=stackdb\nLDAP_PASSWORD=ldapsecret`,
    );
    expect(config.values.ADMIN_PASSWORD).toBe(SPECIAL);
    const out = await ensurePasswordsDetailed(config, { interactive: false, log: () => undefined });
    const text = formatConfig(out.config);
    for (const v of [
      SPECIAL,
      'stackdb',
      'ldapsecret',
      out.config.values.RABBIT_PASSWORD,
      encodeURIComponent(SPECIAL),
    ]) {
      expect(text).not.toContain(v);
      expect(mask(`x ${v} y`)).toBe(`x ${MASK} y`);
    }
    expect(text).toMatch(/ADMIN_PASSWORD\s+\*{6}\s+\(local.conf\)/);
    expect(text).toMatch(/RABBIT_PASSWORD\s+\*{6}\s+\(generated\)/);
    expect(text).toMatch(/LDAP_PASSWORD=\*{6}/);
    expect(existsSync(`${dir}/.localrc.password`)).toBe(true);
    expect(readFileSync(`${dir}/.localrc.password`, 'utf8')).not.toContain(SPECIAL); // only what was generated is saved
  });
});
