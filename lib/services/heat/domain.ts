// What heat needs in keystone beyond its service user (devstack's
// create_heat_accounts): the `heat` domain that owns the users and projects
// heat creates for stacks, its admin `heat_domain_admin` with `admin` on the
// domain, and the roles heat_stack_owner and heat_stack_user. Idempotent: a
// converged re-run lists and writes nothing new.

import type { OpenStackClient } from '../../types/openstack.ts';
import { passwordAccepted } from '../../openstack/password-login.ts';

export const STACK_DOMAIN = 'heat';
export const STACK_DOMAIN_ADMIN = 'heat_domain_admin';
/** heat_stack_user: the role heat gives the users it creates; heat_stack_owner: kept for tempest and guides. */
export const HEAT_ROLES = ['heat_stack_owner', 'heat_stack_user'] as const;

interface Named {
  id: string;
  name: string;
}

export interface HeatDomainResult {
  created: string[];
}

async function findOrCreate(
  client: OpenStackClient,
  collection: string,
  key: string,
  query: string,
  body: Record<string, unknown>,
  created: string[],
): Promise<string> {
  const list = await client.get<Record<string, (Named & { domain_id?: string | null })[]>>(
    'identity',
    `/${collection}?${query}`,
  );
  const found = list[collection].find((x) => x.name === body.name && (key !== 'role' || !x.domain_id));
  if (found) return found.id;
  const r = await client.post<Record<string, Named>>('identity', `/${collection}`, { [key]: body });
  created.push(`${key}:${body.name}`);
  return r[key].id;
}

/**
 * The domain, its admin (with `password`) and the roles. `passwordWorks`
 * tells whether an existing admin still logs in; a stale password is set
 * again (SERVICE_PASSWORD changed over kept databases).
 */
export async function ensureHeatDomain(
  client: OpenStackClient,
  password: string,
  opts: { resetPassword?: boolean; passwordWorks?: (userId: string, pw: string) => Promise<boolean> } = {},
): Promise<HeatDomainResult> {
  const created: string[] = [];
  const domainId = await findOrCreate(
    client,
    'domains',
    'domain',
    `name=${STACK_DOMAIN}`,
    { name: STACK_DOMAIN, description: 'Owns users and projects created by heat', enabled: true },
    created,
  );
  const users = await client.get<{ users: Named[] }>(
    'identity',
    `/users?domain_id=${domainId}&name=${STACK_DOMAIN_ADMIN}`,
  );
  let userId = users.users.find((u) => u.name === STACK_DOMAIN_ADMIN)?.id;
  if (!userId) {
    const body = { user: { name: STACK_DOMAIN_ADMIN, password, domain_id: domainId, enabled: true } };
    userId = (await client.post<{ user: Named }>('identity', '/users', body)).user.id;
    created.push(`user:${STACK_DOMAIN_ADMIN}`);
  } else if (opts.resetPassword || (opts.passwordWorks && !(await opts.passwordWorks(userId, password)))) {
    await client.patch('identity', `/users/${userId}`, { user: { password } });
    created.push(`password:${STACK_DOMAIN_ADMIN}`);
  }
  const adminRole = await findOrCreate(client, 'roles', 'role', 'name=admin', { name: 'admin' }, created);
  for (const role of HEAT_ROLES) await findOrCreate(client, 'roles', 'role', `name=${role}`, { name: role }, created);
  const held = await client.get<{ role_assignments: { role: { id: string } }[] }>(
    'identity',
    `/role_assignments?user.id=${userId}&scope.domain.id=${domainId}`,
  );
  if (!held.role_assignments.some((a) => a.role.id === adminRole)) {
    await client.put('identity', `/domains/${domainId}/users/${userId}/roles/${adminRole}`);
    created.push(`grant:admin@${STACK_DOMAIN}`);
  }
  return { created };
}

/** A PasswordCheck by user id: an unscoped password login at keystone (401 means stale). */
export function userIdPasswordCheck(identityUrl: string): (userId: string, pw: string) => Promise<boolean> {
  return (userId, password) => passwordAccepted(identityUrl, { id: userId }, password, STACK_DOMAIN_ADMIN);
}
