// Cinder's volume types, devstack's create_volume_types: one per backend,
// through the volume API once c-api answers.

import type { OpenStackClient } from '../../types/openstack.ts';
import { volumeBackendName, type CinderBackend } from './backends.ts';

interface VolumeType {
  id: string;
  name: string;
  extra_specs?: Record<string, string>;
}

export interface VolumeTypesResult {
  created: string[];
  updated: string[];
  kept: string[];
}

/**
 * One volume type per backend, named after it, with the `volume_backend_name`
 * its driver reports, so the scheduler places its volumes there (devstack's
 * create_volume_types).
 * Existing types are looked up first: a re-run creates nothing twice, and a
 * type whose property drifted is corrected in place.
 */
export async function ensureVolumeTypes(
  client: OpenStackClient,
  backends: readonly Pick<CinderBackend, 'name' | 'type'>[],
): Promise<VolumeTypesResult> {
  const result: VolumeTypesResult = { created: [], updated: [], kept: [] };
  // is_public=None: an admin sees private types too, so a private one of the same name is not duplicated
  const existing = (await client.get<{ volume_types: VolumeType[] }>('volumev3', '/types?is_public=None')).volume_types;
  for (const b of backends) {
    const found = existing.find((t) => t.name === b.name);
    const backendName = volumeBackendName(b);
    if (!found) {
      const body = {
        volume_type: {
          name: b.name,
          'os-volume-type-access:is_public': true,
          extra_specs: { volume_backend_name: backendName },
        },
      };
      await client.post('volumev3', '/types', body);
      result.created.push(b.name);
    } else if (found.extra_specs?.volume_backend_name !== backendName) {
      // e.g. a type made by an LVM run, now served by the fake fallback
      await client.post('volumev3', `/types/${found.id}/extra_specs`, {
        extra_specs: { volume_backend_name: backendName },
      });
      result.updated.push(b.name);
    } else {
      result.kept.push(b.name);
    }
  }
  return result;
}
