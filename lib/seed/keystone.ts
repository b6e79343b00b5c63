// Idempotent keystone v3 operations shared by the catalog and account steps.
// Each collection is listed once per run and cached, so a converged re-run
// costs a handful of GETs and makes no writes at all.

import type { OpenStackClient } from '../types/openstack.ts';
import { passwordAccepted } from '../openstack/password-login.ts';

export const DEFAULT_DOMAIN = 'default';

interface Named {
  id: string;
  name: string;
}

/** Where a role is granted. */
export type Scope = { project: string } | { domain: string } | { system: 'all' };
/** Who gets it. */
export type Actor = { user: string } | { group: string };

export function scopeKey(scope: Scope, roleId: string): string {
  if ('project' in scope) return `project:${scope.project}:${roleId}`;
  if ('domain' in scope) return `domain:${scope.domain}:${roleId}`;
  return `system:all:${roleId}`;
}

/** The grant URL path (keystone's PUT is itself idempotent; we still look first to avoid writes). */
export function grantPath(actor: Actor, scope: Scope, roleId: string): string {
  const who = 'user' in actor ? `users/${actor.user}` : `groups/${actor.group}`;
  if ('project' in scope) return `/projects/${scope.project}/${who}/roles/${roleId}`;
  if ('domain' in scope) return `/domains/${scope.domain}/${who}/roles/${roleId}`;
  return `/system/${who}/roles/${roleId}`;
}

interface Assignment {
  role: { id: string };
  scope: { project?: { id: string }; domain?: { id: string }; system?: { all?: boolean } };
}

/** Does `password` log `name` (default domain) in? */
export type PasswordCheck = (name: string, password: string) => Promise<boolean>;

/**
 * A PasswordCheck against keystone itself: an unscoped password login. 401
 * means stale; anything else unexpected is an error, not a reason to reset.
 */
export function keystonePasswordCheck(identityUrl: string): PasswordCheck {
  return (name, password) => passwordAccepted(identityUrl, { name, domain: { id: DEFAULT_DOMAIN } }, password, name);
}

export class KeystoneDirectory {
  private roles?: Promise<Map<string, Named>>;
  private projects?: Promise<Map<string, Named>>;
  private users?: Promise<Map<string, Named>>;
  private groups?: Promise<Map<string, Named>>;
  /** Creations in flight, so concurrent callers never create the same thing twice. */
  private pending = new Map<string, Promise<string>>();
  /** What this directory created (`user:demo`, `role:service`...), for reports and tests. */
  readonly created: string[] = [];

  constructor(readonly client: OpenStackClient) {}

  private byName(list: Named[]): Map<string, Named> {
    return new Map(list.map((x) => [x.name, x]));
  }

  private listRoles() {
    // Global roles only: domain-specific roles have the same names but do not satisfy policy.
    this.roles ??= this.client
      .get<{ roles: (Named & { domain_id?: string | null })[] }>('identity', '/roles')
      .then((r) => this.byName(r.roles.filter((x) => !x.domain_id)));
    return this.roles;
  }
  private listProjects() {
    this.projects ??= this.client
      .get<{ projects: Named[] }>('identity', `/projects?domain_id=${DEFAULT_DOMAIN}`)
      .then((r) => this.byName(r.projects));
    return this.projects;
  }
  private listUsers() {
    this.users ??= this.client
      .get<{ users: Named[] }>('identity', `/users?domain_id=${DEFAULT_DOMAIN}`)
      .then((r) => this.byName(r.users));
    return this.users;
  }
  private listGroups() {
    this.groups ??= this.client
      .get<{ groups: Named[] }>('identity', `/groups?domain_id=${DEFAULT_DOMAIN}`)
      .then((r) => this.byName(r.groups));
    return this.groups;
  }

  private once(key: string, make: () => Promise<string>): Promise<string> {
    let p = this.pending.get(key);
    if (!p) {
      p = make();
      this.pending.set(key, p);
      p.catch(() => this.pending.delete(key));
    }
    return p;
  }

  /** A global role's id, created when missing. */
  role(name: string): Promise<string> {
    return this.once(`role:${name}`, async () => {
      const roles = await this.listRoles();
      const found = roles.get(name);
      if (found) return found.id;
      const r = await this.client.post<{ role: Named }>('identity', '/roles', { role: { name } });
      roles.set(name, r.role);
      this.created.push(`role:${name}`);
      return r.role.id;
    });
  }

  project(name: string, description?: string): Promise<string> {
    return this.once(`project:${name}`, async () => {
      const projects = await this.listProjects();
      const found = projects.get(name);
      if (found) return found.id;
      const body = {
        project: { name, domain_id: DEFAULT_DOMAIN, enabled: true, ...(description ? { description } : {}) },
      };
      const r = await this.client.post<{ project: Named }>('identity', '/projects', body);
      projects.set(name, r.project);
      this.created.push(`project:${name}`);
      return r.project.id;
    });
  }

  /**
   * A user's id, created with `password` when missing. An existing user's
   * password is set again when `resetPassword` (--force), or when
   * `passwordWorks` says the configured one no longer logs in (a password
   * changed in local.conf over kept databases: without this every service
   * would get 401s).
   */
  user(
    name: string,
    password: string,
    opts: { email?: string; defaultProjectId?: string; resetPassword?: boolean; passwordWorks?: PasswordCheck } = {},
  ): Promise<string> {
    return this.once(`user:${name}`, async () => {
      const users = await this.listUsers();
      const found = users.get(name);
      if (found) {
        const stale = !opts.resetPassword && opts.passwordWorks ? !(await opts.passwordWorks(name, password)) : false;
        if (opts.resetPassword || stale) {
          await this.client.patch('identity', `/users/${found.id}`, { user: { password } });
          if (stale) this.created.push(`password:${name}`);
        }
        return found.id;
      }
      const user: Record<string, unknown> = { name, password, domain_id: DEFAULT_DOMAIN, enabled: true };
      if (opts.email) user.email = opts.email;
      if (opts.defaultProjectId) user.default_project_id = opts.defaultProjectId;
      const r = await this.client.post<{ user: Named }>('identity', '/users', { user });
      users.set(name, r.user);
      this.created.push(`user:${name}`);
      return r.user.id;
    });
  }

  group(name: string, description?: string): Promise<string> {
    return this.once(`group:${name}`, async () => {
      const groups = await this.listGroups();
      const found = groups.get(name);
      if (found) return found.id;
      const body = { group: { name, domain_id: DEFAULT_DOMAIN, ...(description ? { description } : {}) } };
      const r = await this.client.post<{ group: Named }>('identity', '/groups', body);
      groups.set(name, r.group);
      this.created.push(`group:${name}`);
      return r.group.id;
    });
  }

  /** Grant each (scope, role) the actor does not already hold directly. Returns how many were added. */
  async grant(actor: Actor, grants: { scope: Scope; role: string }[]): Promise<number> {
    const filter = 'user' in actor ? `user.id=${actor.user}` : `group.id=${actor.group}`;
    const r = await this.client.get<{ role_assignments: Assignment[] }>('identity', `/role_assignments?${filter}`);
    const held = new Set(
      r.role_assignments.map((a) => {
        const s = a.scope;
        const scope: Scope = s.project
          ? { project: s.project.id }
          : s.domain
            ? { domain: s.domain.id }
            : { system: 'all' };
        return scopeKey(scope, a.role.id);
      }),
    );
    let added = 0;
    for (const g of grants) {
      const roleId = await this.role(g.role);
      const key = scopeKey(g.scope, roleId);
      if (held.has(key)) continue;
      await this.client.put('identity', grantPath(actor, g.scope, roleId));
      held.add(key);
      added++;
    }
    return added;
  }
}
