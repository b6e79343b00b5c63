// Cinder's backends, devstack's lib/cinder_backends: CINDER_ENABLED_BACKENDS
// in devstack's `type:name[,type:name]` syntax, each backend's cinder.conf
// section, and the fallback: an LVM backend needs the kernel's device-mapper
// (lvcreate opens /dev/mapper/control); without it every volume would end in
// `error` after a 12 s rootwrap round trip, so such a backend is run with
// cinder's fake driver instead, and the run says so.

import { existsSync, readFileSync } from 'node:fs';
import type { Plan } from '../../types/stack.ts';
import { ConfigError } from '../../util/errors.ts';
import type { IniSpec } from '../../util/ini.ts';
import { lvmBackendSection } from './lvm.ts';

/** Shipped by Debian's python3-cinder (cinder/tests/fake_driver.py); devstack's `fake` backend. */
export const FAKE_DRIVER = 'cinder.tests.fake_driver.FakeLoggingVolumeDriver';

export type CinderBackendType = 'lvm' | 'fake';
const BACKEND_TYPES: readonly CinderBackendType[] = ['lvm', 'fake'];

/** One entry of CINDER_ENABLED_BACKENDS as written. */
export interface BackendRequest {
  type: CinderBackendType;
  /** Backend section name in cinder.conf, volume_backend_name and volume type name. */
  name: string;
}

/** A backend as it will run. */
export interface CinderBackend extends BackendRequest {
  /** What local.conf asked for; differs from `type` after a fallback. */
  requested: CinderBackendType;
  /** Why `type` differs from `requested`. */
  fallbackReason?: string;
}

/**
 * devstack's `type:name[,type:name]`; a bare `type` is named after its type
 * (devstack splits on the colon the same way). Only the types tstack can run
 * are accepted, so a typo is an error rather than a cinder-volume that never
 * reports up.
 */
export function parseBackends(value: string): BackendRequest[] {
  const out: BackendRequest[] = [];
  for (const raw of value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [type, name = type, ...rest] = raw.split(':');
    if (rest.length > 0 || !name) throw new ConfigError(`CINDER_ENABLED_BACKENDS: '${raw}' is not type:name`);
    if (!BACKEND_TYPES.includes(type as CinderBackendType)) {
      throw new ConfigError(
        `CINDER_ENABLED_BACKENDS: backend type '${type}' in '${raw}' is not supported by tstack ` +
          `(supported: ${BACKEND_TYPES.join(', ')})`,
      );
    }
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name))
      throw new ConfigError(`CINDER_ENABLED_BACKENDS: backend name '${name}' must be letters, digits, '.', '_' or '-'`);
    if (out.some((b) => b.name === name))
      throw new ConfigError(`CINDER_ENABLED_BACKENDS: backend name '${name}' is used twice`);
    out.push({ type: type as CinderBackendType, name });
  }
  if (out.length === 0)
    throw new ConfigError(
      'CINDER_ENABLED_BACKENDS is empty; cinder needs at least one backend (e.g. lvm:lvmdriver-1 or fake)',
    );
  return out;
}

/** Whether the running kernel offers device-mapper, and the evidence. */
export interface DeviceMapperState {
  available: boolean;
  reason: string;
}

/** The kernel question behind an interface, so both branches are testable on any machine. */
export interface DeviceMapperProbe {
  check(): DeviceMapperState;
}

/** What the kernel exposes about device-mapper; undefined when the file could not be read. */
export interface DeviceMapperEvidence {
  procMisc?: string;
  procDevices?: string;
  /** /dev/mapper/control exists. */
  controlNode: boolean;
}

const MISSING_NODE = ' (/dev/mapper/control is missing; `dmsetup mknodes` creates it)';

/**
 * device-mapper registers the misc device `device-mapper` (and a block major
 * of that name); without it lvcreate fails with "/dev/mapper/control: open
 * failed: No such device". The node alone proves nothing (a stale node in a
 * container), and a missing node with the driver present is fixable
 * (`dmsetup mknodes`), so the /proc lists decide.
 */
export function deviceMapperFrom(e: DeviceMapperEvidence): DeviceMapperState {
  const listed = (text: string | undefined) => text !== undefined && /^\s*\d+\s+device-mapper\s*$/m.test(text);
  if (listed(e.procMisc) || listed(e.procDevices)) {
    return {
      available: true,
      reason: `device-mapper is registered in the kernel${e.controlNode ? '' : MISSING_NODE}`,
    };
  }
  if (e.procMisc === undefined && e.procDevices === undefined) {
    return {
      available: e.controlNode,
      reason: e.controlNode
        ? '/dev/mapper/control exists (no /proc to confirm)'
        : 'no /proc/misc, /proc/devices or /dev/mapper/control',
    };
  }
  return {
    available: false,
    reason: 'the kernel has no device-mapper (not in /proc/misc or /proc/devices), so LVM volumes cannot be created',
  };
}

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The running kernel. */
export const systemDeviceMapper: DeviceMapperProbe = {
  check: () =>
    deviceMapperFrom({
      procMisc: readOrUndefined('/proc/misc'),
      procDevices: readOrUndefined('/proc/devices'),
      controlNode: existsSync('/dev/mapper/control'),
    }),
};

/**
 * LVM backends become fake ones when the kernel cannot create logical volumes;
 * names are kept so volume types stay stable.
 */
export function resolveBackends(requests: readonly BackendRequest[], dm: DeviceMapperState): CinderBackend[] {
  return requests.map((r) =>
    r.type === 'lvm' && !dm.available
      ? { name: r.name, type: 'fake', requested: 'lvm', fallbackReason: dm.reason }
      : { ...r, requested: r.type },
  );
}

export function cinderBackends(plan: Plan, dm: DeviceMapperProbe = systemDeviceMapper): CinderBackend[] {
  const requests = parseBackends(plan.get('CINDER_ENABLED_BACKENDS'));
  // /proc is only read when an LVM backend is asked for
  if (!requests.some((r) => r.type === 'lvm'))
    return resolveBackends(requests, { available: true, reason: 'no LVM backend' });
  return resolveBackends(requests, dm.check());
}

/** One line per fallback, for the run's warnings and the plan's step titles. */
export function fallbackMessages(backends: readonly CinderBackend[]): string[] {
  return backends
    .filter((b) => b.fallbackReason)
    .map(
      (b) =>
        `cinder backend ${b.name}: ${b.requested} requested, ` +
        `using the fake driver instead (${FAKE_DRIVER}): ${b.fallbackReason}`,
    );
}

/**
 * The `volume_backend_name` the scheduler will see for a backend. The fake
 * driver ignores the configured one and always reports `fake`
 * (fake_driver.py sets self.backend_name = 'fake' in __init__), so a volume
 * type must ask for `fake` or no backend ever matches ("No valid backend").
 */
export function volumeBackendName(b: Pick<CinderBackend, 'name' | 'type'>): string {
  return b.type === 'fake' ? 'fake' : b.name;
}

/** A backend's section of cinder.conf, written as its driver will report it (the scheduler matches on that name). */
export function backendSection(plan: Plan, b: CinderBackend): IniSpec[string] {
  if (b.type === 'fake') return { volume_driver: FAKE_DRIVER, volume_backend_name: volumeBackendName(b) };
  return lvmBackendSection(plan, b.name, volumeBackendName(b));
}
