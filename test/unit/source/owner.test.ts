// Who owns the checkouts (STACK_USER): the decision, and the commands the
// step runs, through a recording shell (chown and useradd need root; the
// E2E test runs them for real).

import { describe, expect, it } from 'vitest';
import { sourceSteps } from '../../../lib/source/index.ts';
import { checkoutOwner, createUserArgv, handOverArgvs, stackUserExplicit } from '../../../lib/source/owner.ts';
import type { RunOptions, RunResult, Shell } from '../../../lib/types/shell.ts';
import { fakeContext, fakePlan } from './planfixture.ts';

const users =
  (...names: string[]) =>
  (u: string) =>
    names.includes(u);

describe('checkoutOwner', () => {
  it('an explicit STACK_USER owns them, and is created when missing', () => {
    expect(checkoutOwner({ stackUser: 'dev', explicit: true, exists: users('dev') })).toMatchObject({
      user: 'dev',
      create: false,
    });
    expect(
      checkoutOwner({ stackUser: 'dev', explicit: true, sudoUser: 'alice', exists: users('alice') }),
    ).toMatchObject({ user: 'dev', create: true });
    const root = checkoutOwner({ stackUser: 'root', explicit: true, exists: users('root') });
    expect([root.user, root.create]).toEqual([undefined, false]);
  });

  it('otherwise the sudo user, then an existing `stack`, else nobody (no account is made unasked)', () => {
    expect(
      checkoutOwner({ stackUser: 'stack', explicit: false, sudoUser: 'alice', exists: users('alice', 'stack') }),
    ).toMatchObject({ user: 'alice', create: false });
    expect(
      checkoutOwner({ stackUser: 'stack', explicit: false, sudoUser: 'root', exists: users('root', 'stack') }),
    ).toMatchObject({ user: 'stack' });
    expect(
      checkoutOwner({ stackUser: 'stack', explicit: false, sudoUser: 'gone', exists: users('stack') }),
    ).toMatchObject({ user: 'stack' });
    const none = checkoutOwner({ stackUser: 'stack', explicit: false, exists: users() });
    expect([none.user, none.create]).toEqual([undefined, false]);
    expect(none.why).toMatch(/stack does not exist.*set STACK_USER in local.conf/);
  });

  it('explicit means local.conf or the environment', () => {
    const plan = (origin?: 'default' | 'local.conf' | 'environment') =>
      fakePlan(origin === 'local.conf' ? { STACK_USER: 'stack' } : {}, {
        dest: '/d',
        env: origin === 'environment' ? { STACK_USER: 'stack' } : {},
      });
    expect(stackUserExplicit(plan('local.conf'))).toBe(true);
    expect(stackUserExplicit(plan('environment'))).toBe(true);
    expect(stackUserExplicit(plan('default'))).toBe(false);
    expect(stackUserExplicit(plan())).toBe(false);
  });

  it(
    'the commands: useradd with a group and a home; chown of the whole checkout (.git and egg-info too), readable ' +
      'by all',
    () => {
      expect(createUserArgv('dev')).toEqual([
        'useradd',
        '--user-group',
        '--create-home',
        '--shell',
        '/bin/bash',
        'dev',
      ]);
      expect(handOverArgvs('dev', ['/d/keystone', '/d/nova'])).toEqual([
        ['chown', '-R', 'dev:', '/d/keystone', '/d/nova'],
        ['chmod', '-R', 'a+rX', '/d/keystone', '/d/nova'],
      ]);
      expect(handOverArgvs('dev', [])).toEqual([]);
    },
  );
});

class RecordingShell implements Shell {
  readonly calls: string[][] = [];
  constructor(private readonly users: string[]) {}
  async run(argv: string[], _opts?: RunOptions): Promise<RunResult> {
    this.calls.push(argv);
    const missing = argv[0] === 'getent' && !this.users.includes(argv[2]);
    return { code: missing ? 2 : 0, stdout: '', stderr: '' };
  }
}

describe('the source:owner step', () => {
  const repos = [
    { name: 'keystone', url: 'u', ref: 'master', dir: '/d/keystone' },
    { name: 'oslo.config', url: 'u', ref: 'master', dir: '/d/oslo.config' },
  ];
  const ownerStep = (plan: ReturnType<typeof fakePlan>, sudoUser: string | null) =>
    sourceSteps(plan, { sudoUser }).find((s) => s.id === 'source:owner')!;

  it('creates an explicit STACK_USER and hands it every checkout', async () => {
    const plan = fakePlan({ STACK_USER: 'dev', SOURCE_DEPS: 'distro' }, { dest: '/d', repos });
    const sh = new RecordingShell([]);
    const ctx = fakeContext(plan, sh);
    await ownerStep(plan, null).run(ctx);
    expect(sh.calls).toEqual([
      ['getent', 'passwd', 'dev'],
      createUserArgv('dev'),
      ['chown', '-R', 'dev:', '/d/keystone', '/d/oslo.config'],
      ['chmod', '-R', 'a+rX', '/d/keystone', '/d/oslo.config'],
    ]);
    expect(ctx.log.lines).toContain('info: checkouts owned by dev: STACK_USER=dev (created)');
  });

  it('gives them to the sudo user when STACK_USER is the default; changes nothing when nobody fits', async () => {
    const plan = fakePlan({}, { dest: '/d', repos });
    const sh = new RecordingShell(['alice']);
    await ownerStep(plan, 'alice').run(fakeContext(plan, sh));
    // SOURCE_DEPS=pip: the requirements checkout is the developer's too
    expect(sh.calls.filter((c) => c[0] !== 'getent')).toEqual(
      handOverArgvs('alice', ['/d/requirements', '/d/keystone', '/d/oslo.config']),
    );

    const none = new RecordingShell([]);
    const ctx = fakeContext(plan, none);
    await ownerStep(plan, null).run(ctx);
    expect(none.calls).toEqual([['getent', 'passwd', 'stack']]);
    expect(ctx.log.lines.join('\n')).toMatch(/checkouts: the default STACK_USER stack does not exist/);
  });
});
