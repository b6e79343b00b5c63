// What tempest.conf needs from the running cloud, asked through the REST
// client at test-config time (devstack asks the `openstack` CLI): the image
// and flavor ids, the external network, and the network extensions neutron
// really serves (they differ between ML2/OVS and OVN, and with the service
// plugins enabled).

import type { OpenStackClient } from '../../types/openstack.ts';
import type { Plan } from '../../types/stack.ts';
import type { TempestFacts } from './conf.ts';

interface Image {
  id: string;
  name: string;
  status: string;
  disk_format?: string;
  container_format?: string;
}

interface Flavor {
  id: string;
  name: string;
  ram: number;
}

/** devstack's flavors for tempest (lib/tempest creates them with ids 42 and 84; tstack's seed does). */
export const TEMPEST_FLAVORS = { ref: 'm1.nano', alt: 'm1.micro' } as const;

/**
 * devstack's get_active_images: active images other than ISOs and the old
 * split kernel/ramdisk formats; DEFAULT_IMAGE_NAME first, then another one
 * for image_ref_alt, or the same when there is only one.
 */
export function pickImages(images: readonly Image[], defaultName: string): { ref: string; alt: string } {
  const usable = images.filter(
    (i) => i.status === 'active' && i.disk_format !== 'iso' && !['aki', 'ari'].includes(i.container_format ?? ''),
  );
  if (usable.length === 0) throw new Error('tempest: glance has no active image to test with');
  const ref = usable.find((i) => i.name === defaultName) ?? usable[0];
  const alt = usable.find((i) => i.id !== ref.id) ?? ref;
  return { ref: ref.id, alt: alt.id };
}

/** m1.nano and m1.micro by name; without them the two smallest flavors (devstack's DEFAULT_INSTANCE_TYPE path). */
export function pickFlavors(flavors: readonly Flavor[]): { ref: string; alt: string } {
  if (flavors.length === 0) throw new Error('tempest: nova has no flavor to test with');
  const byRam = [...flavors].sort((a, b) => a.ram - b.ram);
  const ref = flavors.find((f) => f.name === TEMPEST_FLAVORS.ref) ?? byRam[0];
  const alt = flavors.find((f) => f.name === TEMPEST_FLAVORS.alt) ?? byRam.find((f) => f.id !== ref.id) ?? ref;
  return { ref: ref.id, alt: alt.id };
}

export async function gatherFacts(
  client: OpenStackClient,
  plan: Plan,
  volumeBackends: TempestFacts['volumeBackends'],
): Promise<TempestFacts> {
  const images = plan.isEnabled('g-api')
    ? pickImages(
        (await client.get<{ images: Image[] }>('image', '/v2/images?status=active&limit=100')).images,
        plan.get('DEFAULT_IMAGE_NAME'),
      )
    : { ref: '', alt: '' };
  const flavors = plan.isEnabled('n-api')
    ? pickFlavors((await client.get<{ flavors: Flavor[] }>('compute', '/flavors/detail')).flavors)
    : { ref: '', alt: '' };
  let publicNetworkId: string | undefined;
  let networkExtensions: string[] = [];
  if (plan.isEnabled('q-svc')) {
    networkExtensions = (
      await client.get<{ extensions: { alias: string }[] }>('network', '/v2.0/extensions')
    ).extensions.map((e) => e.alias);
    const query = new URLSearchParams({ name: plan.get('PUBLIC_NETWORK_NAME'), 'router:external': 'true' });
    const nets = (await client.get<{ networks: { id: string }[] }>('network', `/v2.0/networks?${query}`)).networks;
    publicNetworkId = nets[0]?.id;
  }
  return {
    imageRef: images.ref,
    imageRefAlt: images.alt,
    flavorRef: flavors.ref,
    flavorRefAlt: flavors.alt,
    publicNetworkId,
    networkExtensions,
    volumeBackends,
  };
}
