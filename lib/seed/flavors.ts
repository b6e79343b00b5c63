// devstack's flavors (lib/nova create_flavors, plus lib/tempest's m1.nano and
// m1.micro), with devstack's ids so scripts that say `--flavor 42` work.

import type { OpenStackClient } from '../types/openstack.ts';
import type { Plan, Step } from '../types/stack.ts';

export interface FlavorSpec {
  id: string;
  name: string;
  /** MiB */
  ram: number;
  /** GiB */
  disk: number;
  vcpus: number;
}

export const DEVSTACK_FLAVORS: readonly FlavorSpec[] = [
  { id: '1', name: 'm1.tiny', ram: 512, disk: 1, vcpus: 1 },
  { id: '2', name: 'm1.small', ram: 2048, disk: 20, vcpus: 1 },
  { id: '3', name: 'm1.medium', ram: 4096, disk: 40, vcpus: 2 },
  { id: '4', name: 'm1.large', ram: 8192, disk: 80, vcpus: 4 },
  { id: '5', name: 'm1.xlarge', ram: 16384, disk: 160, vcpus: 8 },
  { id: 'c1', name: 'cirros256', ram: 256, disk: 1, vcpus: 1 },
  { id: 'd1', name: 'ds512M', ram: 512, disk: 5, vcpus: 1 },
  { id: 'd2', name: 'ds1G', ram: 1024, disk: 10, vcpus: 1 },
  { id: 'd3', name: 'ds2G', ram: 2048, disk: 10, vcpus: 2 },
  { id: 'd4', name: 'ds4G', ram: 4096, disk: 20, vcpus: 4 },
  // lib/tempest: TEMPEST_FLAVOR_RAM=192 (CirrOS 0.6 crashes with 128 MB), TEMPEST_FLAVOR_ALT_RAM=256.
  { id: '42', name: 'm1.nano', ram: 192, disk: 1, vcpus: 1 },
  { id: '84', name: 'm1.micro', ram: 256, disk: 1, vcpus: 1 },
];

/** devstack sets this on every flavor so images asking for a virtio RNG may boot. */
export const FLAVOR_EXTRA_SPECS: Readonly<Record<string, string>> = { 'hw_rng:allowed': 'True' };

/** 2.61 puts extra_specs in the flavor list, so a re-run checks them without a call per flavor. */
const MICROVERSION = { 'X-OpenStack-Nova-API-Version': '2.61' };

interface Flavor {
  id: string;
  name: string;
  extra_specs?: Record<string, string>;
}

export async function ensureFlavors(
  client: OpenStackClient,
  flavors: readonly FlavorSpec[] = DEVSTACK_FLAVORS,
): Promise<string[]> {
  // is_public=None lists private flavors too (admin only), so a private m1.tiny is not recreated.
  const existing = (
    await client.get<{ flavors: Flavor[] }>('compute', '/flavors/detail?is_public=None', { headers: MICROVERSION })
  ).flavors;
  const created: string[] = [];
  for (const f of flavors) {
    let flavor = existing.find((x) => x.name === f.name);
    if (!flavor) {
      const body = { flavor: { name: f.name, id: f.id, ram: f.ram, disk: f.disk, vcpus: f.vcpus } };
      flavor = (await client.post<{ flavor: Flavor }>('compute', '/flavors', body, { headers: MICROVERSION })).flavor;
      created.push(f.name);
    }
    const have = flavor.extra_specs ?? {};
    const missing = Object.fromEntries(Object.entries(FLAVOR_EXTRA_SPECS).filter(([k, v]) => have[k] !== v));
    if (Object.keys(missing).length > 0) {
      await client.post('compute', `/flavors/${encodeURIComponent(flavor.id)}/os-extra_specs`, {
        extra_specs: missing,
      });
    }
  }
  return created;
}

export function flavorsStep(_plan: Plan): Step {
  return {
    id: 'seed:flavors',
    title: 'flavors',
    async run(ctx) {
      const created = await ensureFlavors(await ctx.openstack());
      ctx.log.info(`flavors: ${created.length ? `created ${created.join(', ')}` : 'all present'}`);
    },
  };
}
