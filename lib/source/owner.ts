// Who owns the checkouts under $DEST. tstack runs as root, but the developer
// edits $DEST/<project> as themselves (devstack: STACK_USER owns $DEST; it is
// `whoami` unless that is root). The services keep running as their own
// users (keystone, nova...), so the checkouts stay world-readable.
//
// The rule:
//   - STACK_USER set in local.conf or the environment: that user owns them;
//     tstack creates it when missing (devstack's create-stack-user.sh).
//     STACK_USER=root keeps them root's.
//   - otherwise, the user who ran `sudo ./stack.ts` ($SUDO_USER), else the
//     default `stack` when it exists; with neither, they stay root's: tstack
//     does not make a login account nobody asked for.

import type { Plan } from '../types/stack.ts';
import type { Shell } from '../types/shell.ts';

export interface CheckoutOwner {
  /** The owner to give the checkouts, or none (they stay root's). */
  user?: string;
  /** The user does not exist and is to be created. */
  create: boolean;
  why: string;
}

export function checkoutOwner(o: {
  stackUser: string;
  explicit: boolean;
  sudoUser?: string;
  exists: (user: string) => boolean;
}): CheckoutOwner {
  if (o.explicit) {
    if (o.stackUser === 'root') return { create: false, why: "STACK_USER=root: the checkouts stay root's" };
    const create = !o.exists(o.stackUser);
    return { user: o.stackUser, create, why: `STACK_USER=${o.stackUser}${create ? ' (created)' : ''}` };
  }
  if (o.sudoUser && o.sudoUser !== 'root' && o.exists(o.sudoUser)) {
    return { user: o.sudoUser, create: false, why: `run through sudo by ${o.sudoUser} (STACK_USER not set)` };
  }
  if (o.exists(o.stackUser)) return { user: o.stackUser, create: false, why: `STACK_USER=${o.stackUser} (default)` };
  return {
    create: false,
    why:
      `the default STACK_USER ${o.stackUser} does not exist: the checkouts stay root's (set STACK_USER in ` +
      `local.conf and tstack creates the user and hands them over)`,
  };
}

/** STACK_USER came from local.conf or the environment rather than the settings table's default. */
export function stackUserExplicit(plan: Pick<Plan, 'config'>): boolean {
  const origin = plan.config.origins.STACK_USER;
  return origin === 'local.conf' || origin === 'environment';
}

/** devstack's create-stack-user.sh, minus the sudoers entry: tstack itself is what runs as root. */
export function createUserArgv(user: string): string[] {
  return ['useradd', '--user-group', '--create-home', '--shell', '/bin/bash', user];
}

/**
 * Hand checkouts to `user`. The `.git` objects a root `git fetch` and the
 * egg-info a root `pip install -e` wrote are included, so the developer can
 * commit; a+rX keeps every file readable by the service users.
 */
export function handOverArgvs(user: string, dirs: readonly string[]): string[][] {
  if (dirs.length === 0) return [];
  return [
    ['chown', '-R', `${user}:`, ...dirs],
    ['chmod', '-R', 'a+rX', ...dirs],
  ];
}

export async function userExists(sh: Shell, user: string): Promise<boolean> {
  return (await sh.run(['getent', 'passwd', user], { allowFailure: true })).code === 0;
}
