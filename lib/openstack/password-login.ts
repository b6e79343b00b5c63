// One unscoped password login at keystone, to learn whether a stored password
// is still the user's: seeding updates a user's password only when it is stale.

/** Who logs in: a user by id, or by name in a domain. */
export type LoginUser = { id: string } | { name: string; domain: { id: string } };

/**
 * Whether keystone takes `password` for `user`: true on 201, false on 401.
 * Any other answer throws, naming `label` (keystone down is not "stale").
 */
export async function passwordAccepted(
  identityUrl: string,
  user: LoginUser,
  password: string,
  label: string,
): Promise<boolean> {
  const body = { auth: { identity: { methods: ['password'], password: { user: { ...user, password } } } } };
  const r = await fetch(`${identityUrl.replace(/\/$/, '')}/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  await r.arrayBuffer();
  if (r.status === 201) return true;
  if (r.status === 401) return false;
  throw new Error(`checking ${label}'s password: keystone answered HTTP ${r.status}`);
}
