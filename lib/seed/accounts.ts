// devstack's create_keystone_accounts: the roles, projects, users, groups and
// role assignments every devstack user and tempest expect. All users share
// ADMIN_PASSWORD, as in devstack.

import { stepStamp } from '../source/stamp.ts';
import type { OpenStackClient } from '../types/openstack.ts';
import type { Plan, Step } from '../types/stack.ts';
import { addSecret } from '../util/secrets.ts';
import {
  DEFAULT_DOMAIN,
  KeystoneDirectory,
  keystonePasswordCheck,
  type PasswordCheck,
  type Scope,
} from './keystone.ts';

/** A role on a project (by name), on the default domain, or on the system. */
export type GrantSpec = { role: string } & ({ project: string } | { domain: string } | { system: 'all' });

export interface AccountsSpec {
  roles: string[];
  projects: { name: string; description: string }[];
  users: { name: string; grants: GrantSpec[] }[];
  groups: { name: string; description: string; grants: GrantSpec[] }[];
}

/** keystone's tables of users, passwords, projects, groups and role assignments: what the accounts are. */
export const KEYSTONE_IDENTITY_TABLES = [
  'user',
  'local_user',
  'password',
  'project',
  'group',
  'user_group_membership',
  'role',
  'assignment',
  'system_assignment',
].map((t) => `keystone.${t}`);

/** The accounts themselves: pure data, so the test can check it against devstack's list. */
export const DEVSTACK_ACCOUNTS: AccountsSpec = {
  roles: ['admin', 'member', 'reader', 'service', 'ResellerAdmin', 'anotherrole'],
  projects: [
    { name: 'admin', description: 'Bootstrap project for initializing the cloud.' },
    { name: 'service', description: 'Service Project' },
    { name: 'invisible_to_admin', description: 'Project admin is not a member of' },
    { name: 'demo', description: 'Demo project' },
    { name: 'alt_demo', description: 'Alternate demo project' },
  ],
  users: [
    // bootstrap made admin with admin on project admin; devstack adds these two.
    {
      name: 'admin',
      grants: [
        { role: 'admin', domain: DEFAULT_DOMAIN },
        { role: 'admin', project: 'demo' },
      ],
    },
    {
      name: 'demo',
      grants: [
        { role: 'member', project: 'demo' },
        { role: 'anotherrole', project: 'demo' },
        { role: 'member', project: 'invisible_to_admin' },
      ],
    },
    { name: 'demo_reader', grants: [{ role: 'reader', project: 'demo' }] },
    {
      name: 'alt_demo',
      grants: [
        { role: 'admin', project: 'alt_demo' },
        { role: 'anotherrole', project: 'alt_demo' },
      ],
    },
    { name: 'alt_demo_member', grants: [{ role: 'member', project: 'alt_demo' }] },
    { name: 'alt_demo_reader', grants: [{ role: 'reader', project: 'alt_demo' }] },
    { name: 'system_member', grants: [{ role: 'member', system: 'all' }] },
    { name: 'system_reader', grants: [{ role: 'reader', system: 'all' }] },
  ],
  groups: [
    { name: 'admins', description: 'openstack admin group', grants: [{ role: 'admin', project: 'admin' }] },
    {
      name: 'nonadmins',
      description: 'non-admin group',
      grants: [
        { role: 'member', project: 'demo' },
        { role: 'anotherrole', project: 'demo' },
        { role: 'member', project: 'alt_demo' },
        { role: 'anotherrole', project: 'alt_demo' },
      ],
    },
  ],
};

/** The user names the summary lists. */
export function seededUserNames(spec: AccountsSpec = DEVSTACK_ACCOUNTS): string[] {
  return spec.users.map((u) => u.name);
}

export interface AccountsResult {
  created: string[];
  grantsAdded: number;
  /** Project name -> id, for the network step (demo owns `private` and `router1`). */
  projectIds: Record<string, string>;
}

export async function ensureAccounts(
  client: OpenStackClient,
  password: string,
  spec: AccountsSpec = DEVSTACK_ACCOUNTS,
  opts: { resetPasswords?: boolean; passwordWorks?: PasswordCheck } = {},
): Promise<AccountsResult> {
  const dir = new KeystoneDirectory(client);
  for (const r of spec.roles) await dir.role(r);
  const projectIds: Record<string, string> = {};
  for (const p of spec.projects) projectIds[p.name] = await dir.project(p.name, p.description);
  const scopeOf = async (g: GrantSpec): Promise<Scope> => {
    if ('project' in g) return { project: projectIds[g.project] ?? (await dir.project(g.project)) };
    if ('domain' in g) return { domain: g.domain };
    return { system: 'all' };
  };
  let grantsAdded = 0;
  for (const u of spec.users) {
    // admin exists from bootstrap; its password is ADMIN_PASSWORD already and is never reset here.
    const id = await dir.user(u.name, password, {
      email: `${u.name}@example.com`,
      resetPassword: opts.resetPasswords && u.name !== 'admin',
      passwordWorks: u.name === 'admin' ? undefined : opts.passwordWorks,
    });
    const grants = await Promise.all(u.grants.map(async (g) => ({ scope: await scopeOf(g), role: g.role })));
    grantsAdded += await dir.grant({ user: id }, grants);
  }
  for (const g of spec.groups) {
    const id = await dir.group(g.name, g.description);
    const grants = await Promise.all(g.grants.map(async (x) => ({ scope: await scopeOf(x), role: x.role })));
    grantsAdded += await dir.grant({ group: id }, grants);
  }
  return { created: dir.created, grantsAdded, projectIds };
}

/** devstack's projects, users and roles: they need nothing but keystone. */
export const ACCOUNTS_STEP = 'seed:accounts';

export function accountsStep(plan: Plan): Step {
  return {
    id: ACCOUNTS_STEP,
    expectSec: 4,
    title: 'devstack accounts (projects, users, roles)',
    // every user's password is checked by logging in (seconds of bcrypt): only when keystone's
    // identity tables changed since the last run, or ADMIN_PASSWORD did
    stamp: stepStamp((p) => ({
      tables: KEYSTONE_IDENTITY_TABLES,
      values: [p.get('ADMIN_PASSWORD'), JSON.stringify(DEVSTACK_ACCOUNTS)],
    })),
    async run(ctx) {
      const password = plan.get('ADMIN_PASSWORD');
      addSecret(password);
      const client = await ctx.openstack();
      const r = await ensureAccounts(client, password, DEVSTACK_ACCOUNTS, {
        resetPasswords: ctx.force,
        passwordWorks: keystonePasswordCheck(client.endpoint('identity')),
      });
      ctx.log.info(
        `accounts: ${r.created.length ? `created ${r.created.join(', ')}` : 'all present'}; ${r.grantsAdded} role ` +
          `grants added`,
      );
    },
  };
}
