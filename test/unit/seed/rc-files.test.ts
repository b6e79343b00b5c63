// clouds.yaml and openrc: content, and the round trip of hostile passwords
// through a real YAML parser (Debian's python3-yaml) and real shells.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CLOUDS_YAML_MARKER,
  DEVSTACK_CLOUDS,
  cloudsYamlStep,
  renderCloudsYaml,
} from '../../../lib/seed/clouds-yaml.ts';
import { openrcStep, renderOpenrc } from '../../../lib/seed/openrc.ts';
import { shellSingleQuote } from '../../../lib/util/shell-quote.ts';
import { createSeedReport } from '../../../lib/seed/report.ts';
import { clearSecrets } from '../../../lib/util/secrets.ts';
import { fakePlan, recordingContext } from './fixtures.ts';

const HOSTILE = [
  `it's "quoted" $HOME \`id\` \\n \\ back`,
  `'`,
  `''`,
  `a b  c`,
  `$(touch /tmp/pwned)`,
  `!#%&*()[]{}|;<>?~^=+,./:@`,
  `ünïcødé € ✓`,
  `-x`,
];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tstack-rc-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  clearSecrets();
});

const noShell = { run: async () => ({ code: 0, stdout: '', stderr: '' }) };
const noClient = async () => {
  throw new Error('not used');
};

describe('clouds.yaml', () => {
  const parse = (yaml: string) =>
    JSON.parse(
      execFileSync('/usr/bin/python3', ['-c', 'import sys, yaml, json; print(json.dumps(yaml.safe_load(sys.stdin)))'], {
        input: yaml,
      }).toString(),
    );

  it("has devstack's ten entries with the right users and scopes", () => {
    const doc = parse(
      renderCloudsYaml({
        authUrl: 'http://127.0.0.1:5000/v3',
        region: 'RegionOne',
        password: 'secret',
        defaultImageName: 'cirros-0.6.3-x86_64-disk',
      }),
    );
    expect(Object.keys(doc.clouds).sort()).toEqual(
      [
        'devstack',
        'devstack-admin',
        'devstack-admin-demo',
        'devstack-alt',
        'devstack-alt-member',
        'devstack-alt-reader',
        'devstack-reader',
        'devstack-system-admin',
        'devstack-system-member',
        'devstack-system-reader',
      ].sort(),
    );
    expect(doc.clouds.devstack).toEqual({
      region_name: 'RegionOne',
      identity_api_version: '3',
      volume_api_version: '3',
      auth: {
        auth_url: 'http://127.0.0.1:5000/v3',
        username: 'demo',
        password: 'secret',
        user_domain_id: 'default',
        project_name: 'demo',
        project_domain_id: 'default',
      },
    });
    expect(doc.clouds['devstack-admin-demo'].auth).toMatchObject({ username: 'admin', project_name: 'demo' });
    expect(doc.clouds['devstack-alt-reader'].auth).toMatchObject({
      username: 'alt_demo_reader',
      project_name: 'alt_demo',
    });
    expect(doc.clouds['devstack-system-admin'].auth).toEqual({
      auth_url: 'http://127.0.0.1:5000/v3',
      username: 'admin',
      password: 'secret',
      user_domain_id: 'default',
      system_scope: 'all',
    });
    expect(doc.functional).toEqual({ image_name: 'cirros-0.6.3-x86_64-disk' });
    expect(DEVSTACK_CLOUDS.length).toBe(10);
  });

  it('keeps any printable password exactly', () => {
    for (const password of HOSTILE) {
      const doc = parse(renderCloudsYaml({ authUrl: 'http://h:5000/v3', region: 'R', password }));
      expect(doc.clouds['devstack-admin'].auth.password).toBe(password);
    }
  });

  it('is written 0600 to the given path, recorded in the report, and a foreign file is kept aside', async () => {
    const path = join(dir, 'clouds.yaml');
    writeFileSync(path, 'clouds:\n  mine: {}\n');
    const plan = fakePlan({ ADMIN_PASSWORD: 'secret', IMAGE_URLS: 'http://m/cirros.img' });
    const report = createSeedReport();
    const ctx = recordingContext(plan, noClient, noShell);
    await cloudsYamlStep(plan, report, path).run(ctx);
    expect(report.cloudsYaml).toBe(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8').startsWith(CLOUDS_YAML_MARKER)).toBe(true);
    expect(readFileSync(`${path}.orig`, 'utf8')).toBe('clouds:\n  mine: {}\n');
    expect(parse(readFileSync(path, 'utf8')).clouds.devstack.auth.auth_url).toBe('http://192.0.2.2:5000/v3');
    // Our own file is simply replaced on the next run.
    const ctx2 = recordingContext(plan, noClient, noShell);
    await cloudsYamlStep(plan, report, path).run(ctx2);
    expect(ctx2.written.map((w) => w.path)).toEqual([path]);
  });
});

describe('openrc', () => {
  const source = (shell: string, file: string, args: string[]) =>
    execFileSync(
      shell,
      [
        '-c',
        `. "$0" "$@"; printf '%s\\n%s\\n%s\\n%s\\n' "$OS_USERNAME" "$OS_PROJECT_NAME" "$OS_AUTH_URL" ` +
          `"$OS_REGION_NAME"; printf '%s' "$OS_PASSWORD"`,
        file,
        ...args,
      ],
      {
        env: { PATH: '/usr/bin:/bin' },
      },
    ).toString();

  it('yields exactly the password under bash and dash, for admin/admin and the demo default', () => {
    for (const password of HOSTILE) {
      const file = join(dir, 'openrc');
      writeFileSync(file, renderOpenrc({ authUrl: 'http://127.0.0.1:5000/v3', region: 'RegionOne', password }));
      for (const shell of ['/usr/bin/bash', '/usr/bin/dash']) {
        const [user, project, url, region, ...pw] = source(shell, file, ['admin', 'admin']).split('\n');
        expect([user, project, url, region]).toEqual(['admin', 'admin', 'http://127.0.0.1:5000/v3', 'RegionOne']);
        expect(pw.join('\n')).toBe(password);
        expect(source(shell, file, []).split('\n').slice(0, 2)).toEqual(['demo', 'demo']);
      }
    }
  });

  it('works with `source openrc admin admin` in an interactive-style bash', () => {
    const password = `p'w "$x" \\`;
    const file = join(dir, 'openrc');
    writeFileSync(file, renderOpenrc({ authUrl: 'http://h:5000/v3', region: 'RegionOne', password }));
    const out = execFileSync('/usr/bin/bash', [
      '-c',
      `cd "${dir}" && source openrc admin admin && printf '%s' "$OS_PASSWORD"`,
    ]).toString();
    expect(out).toBe(password);
  });

  it("exports devstack's OS_ variables", () => {
    const text = renderOpenrc({ authUrl: 'http://h:5000/v3', region: 'RegionOne', password: 'x' });
    for (const v of [
      'OS_AUTH_TYPE=password',
      'OS_USER_DOMAIN_ID=default',
      'OS_PROJECT_DOMAIN_ID=default',
      'OS_IDENTITY_API_VERSION=3',
    ])
      expect(text).toContain(`export ${v}\n`);
    expect(shellSingleQuote(`a'b`)).toBe(`'a'\\''b'`);
  });

  it('is written 0600 at the top dir and recorded in the report', async () => {
    const plan = fakePlan({ ADMIN_PASSWORD: 'secret', SERVICE_HOST: '10.0.0.5', REGION_NAME: 'R2' }, { topDir: dir });
    const report = createSeedReport();
    await openrcStep(plan, report).run(recordingContext(plan, noClient, noShell));
    const path = join(dir, 'openrc');
    expect(report.openrc).toBe(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(source('/usr/bin/bash', path, [])).toBe('demo\ndemo\nhttp://10.0.0.5:5000/v3\nR2\nsecret');
  });
});
