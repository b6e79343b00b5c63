// Service users and the service catalog, through keystone's REST API, right
// after `key` is ready and before the other API panes start (they
// authenticate as their service user on their first request).
// devstack's create_service_user + get_or_create_service/endpoint, idempotent.

import type { OpenStackClient } from '../types/openstack.ts';
import { stepStamp } from '../source/stamp.ts';
import { KEYSTONE_IDENTITY_TABLES } from './accounts.ts';
import type { Plan, Step } from '../types/stack.ts';
import type { CatalogEntry } from '../types/service.ts';
import { addSecret } from '../util/secrets.ts';
import { KeystoneDirectory, keystonePasswordCheck, type PasswordCheck } from './keystone.ts';
import { regionName } from '../config/urls.ts';
import { mapLimit } from '../util/concurrency.ts';

export const SERVICE_ROLE = 'service';
export const INTERFACES = ['public', 'internal', 'admin'] as const;

export interface CatalogSpec {
  region: string;
  servicePassword: string;
  serviceProject: string;
  entries: CatalogEntry[];
  /** Re-set existing service users' passwords (--force), for a changed SERVICE_PASSWORD. */
  resetPasswords?: boolean;
  /** Checks an existing service user's password; a stale one is set again. */
  passwordWorks?: PasswordCheck;
}

/** What the enabled modules declare, in registry order. */
export function catalogSpec(plan: Plan): CatalogSpec {
  const servicePassword = plan.get('SERVICE_PASSWORD');
  addSecret(servicePassword);
  return {
    region: regionName(plan),
    servicePassword,
    serviceProject: plan.get('SERVICE_PROJECT_NAME'),
    entries: plan.services.flatMap((s) => s.catalog?.(plan) ?? []),
  };
}

export interface CatalogResult {
  usersCreated: number;
  servicesCreated: number;
  endpointsCreated: number;
  endpointsUpdated: number;
  grantsAdded: number;
}

interface Service {
  id: string;
  name: string;
  type: string;
}
interface Endpoint {
  id: string;
  service_id: string;
  interface: string;
  region_id?: string | null;
  url: string;
}

export async function ensureCatalog(
  client: OpenStackClient,
  spec: CatalogSpec,
  dir = new KeystoneDirectory(client),
): Promise<CatalogResult> {
  const result: CatalogResult = {
    usersCreated: 0,
    servicesCreated: 0,
    endpointsCreated: 0,
    endpointsUpdated: 0,
    grantsAdded: 0,
  };
  const projectId = await dir.project(spec.serviceProject, 'Service Project');
  // Roles first, so concurrent users never race to create the same role.
  const roleNames = [...new Set([SERVICE_ROLE, ...spec.entries.flatMap((e) => e.extraRoles ?? [])])];
  for (const r of roleNames) await dir.role(r);

  // A user may back several catalog services (cinder: volumev3 and block-storage): one user, the union of roles.
  const userRoles = new Map<string, Set<string>>();
  for (const e of spec.entries.filter((x) => x.user)) {
    const roles = userRoles.get(e.user) ?? new Set([SERVICE_ROLE]);
    for (const r of e.extraRoles ?? []) roles.add(r);
    userRoles.set(e.user, roles);
  }
  const withUsers = [...userRoles].map(([user, roles]) => ({ user, roles: [...roles] }));
  await mapLimit(withUsers, 4, async (e) => {
    const userId = await dir.user(e.user, spec.servicePassword, {
      resetPassword: spec.resetPasswords,
      passwordWorks: spec.passwordWorks,
    });
    const roles = e.roles;
    // Not `x += await`: that reads x before awaiting, and concurrent users would overwrite each other's counts.
    const added = await dir.grant(
      { user: userId },
      roles.map((role) => ({ scope: { project: projectId }, role })),
    );
    result.grantsAdded += added;
  });

  result.usersCreated = dir.created.filter((c) => c.startsWith('user:')).length;

  const catalogued = spec.entries.filter((e) => e.service);
  if (catalogued.length === 0) return result;
  await ensureRegion(client, spec.region);
  const services = (await client.get<{ services: Service[] }>('identity', '/services')).services;
  const endpoints = (await client.get<{ endpoints: Endpoint[] }>('identity', '/endpoints')).endpoints;
  for (const e of catalogued) {
    const svc = e.service!;
    let service = services.find((s) => s.type === svc.type && s.name === svc.name);
    if (!service) {
      const body = {
        service: {
          name: svc.name,
          type: svc.type,
          enabled: true,
          ...(svc.description ? { description: svc.description } : {}),
        },
      };
      service = (await client.post<{ service: Service }>('identity', '/services', body)).service;
      services.push(service);
      result.servicesCreated++;
    }
    if (!e.url) continue;
    for (const iface of INTERFACES) {
      const mine = endpoints.filter(
        (p) => p.service_id === service.id && p.interface === iface && p.region_id === spec.region,
      );
      if (mine.some((p) => p.url === e.url)) continue;
      if (mine.length > 0) {
        // The URL moved (SERVICE_HOST changed): fix it in place rather than adding a second endpoint.
        await client.patch('identity', `/endpoints/${mine[0].id}`, { endpoint: { url: e.url } });
        mine[0].url = e.url;
        result.endpointsUpdated++;
        continue;
      }
      const body = {
        endpoint: { service_id: service.id, interface: iface, region_id: spec.region, url: e.url, enabled: true },
      };
      endpoints.push((await client.post<{ endpoint: Endpoint }>('identity', '/endpoints', body)).endpoint);
      result.endpointsCreated++;
    }
  }
  return result;
}

/** keystone-manage bootstrap creates REGION_NAME; a region changed later needs creating. */
async function ensureRegion(client: OpenStackClient, region: string): Promise<void> {
  const regions = (await client.get<{ regions: { id: string }[] }>('identity', '/regions')).regions;
  if (!regions.some((r) => r.id === region)) await client.post('identity', '/regions', { region: { id: region } });
}

export function catalogStep(plan: Plan): Step {
  return {
    id: 'keystone:catalog',
    expectSec: 4,
    title: 'service users and catalog',
    // service users' passwords are checked by logging in: only when keystone's tables or the inputs changed
    stamp: stepStamp((p) => ({
      tables: [...KEYSTONE_IDENTITY_TABLES, 'keystone.service', 'keystone.endpoint', 'keystone.region'],
      values: [JSON.stringify(catalogSpec(p)), p.get('SERVICE_PASSWORD')],
    })),
    async run(ctx) {
      const client = await ctx.openstack();
      const spec = {
        ...catalogSpec(plan),
        resetPasswords: ctx.force,
        passwordWorks: keystonePasswordCheck(client.endpoint('identity')),
      };
      const r = await ensureCatalog(client, spec);
      ctx.log.info(
        `catalog: ${spec.entries.length} entries; created ${r.usersCreated} users, ${r.servicesCreated} services, ` +
          `${r.endpointsCreated} endpoints (${r.endpointsUpdated} updated), ${r.grantsAdded} role grants`,
      );
    },
  };
}
