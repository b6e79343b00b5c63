// tempest.conf from the plan and what the running cloud reports (devstack's
// configure_tempest): admin and dynamic credentials, identity v3, the images,
// flavors and networks to use, [service_available] from the enabled
// services, and feature flags that follow the virt driver, the volume
// backends and the network extensions neutron really serves. Pure: the facts
// that need the API are gathered by facts.ts and handed in.

import type { Plan } from '../../types/stack.ts';
import { iniDoc, osloString, type IniDoc } from '../../util/ini.ts';
import { keystoneAuthUrl, regionName } from '../../config/urls.ts';
import { GUEST_PASSWORD, GUEST_USER } from '../../image/guest-files.ts';
import type { CinderBackend } from '../cinder/backends.ts';
import { osloEscape, secret } from '../common.ts';
import { virtDriver } from '../nova.ts';
import { horizonUrl } from '../horizon.ts';

/** What tempest.conf needs from the running cloud (ids) and from the machine (the volume backends as they run). */
export interface TempestFacts {
  imageRef: string;
  imageRefAlt: string;
  flavorRef: string;
  flavorRefAlt: string;
  /** The external network's id; undefined without neutron or without an external network. */
  publicNetworkId?: string;
  /** Aliases of the extensions neutron serves (GET /v2.0/extensions). */
  networkExtensions: readonly string[];
  /** cinder's backends as they run (an LVM backend may have fallen back to the fake driver). */
  volumeBackends: readonly Pick<CinderBackend, 'name' | 'type'>[];
}

/** The admin account keystone's bootstrap made (devstack's ADMIN_USERNAME / ADMIN_TENANT_NAME defaults). */
const ADMIN = { username: 'admin', project: 'admin', domain: 'Default' };

/** Where tempest keeps its locks (devstack's TEMPEST_STATE_PATH). */
export function tempestStateDir(plan: Plan): string {
  return `${plan.dirs.dataDir}/tempest`;
}

/**
 * Whether a guest can reach cinder's volumes. The fake volume driver makes
 * no block device: its connection info names an iSCSI target that does not
 * exist. nova's fake driver "attaches" anything, but libvirt's os-brick finds
 * no target, so attach and boot-from-volume tests (in tempest's smoke set:
 * VolumesActionsTest, ServersTestBootFromVolume) could only fail. Tempest has
 * no flag for "volumes but no attach"; devstack's way to say a deployment has
 * no usable cinder is [service_available] cinder = False, so that is said.
 * This happens where the kernel has no device-mapper (an LVM backend falls
 * back to the fake driver, cinder/backends.ts), e.g. a Firecracker VM's kernel.
 */
export function volumesUsable(plan: Plan, backends: TempestFacts['volumeBackends']): boolean {
  if (!plan.isEnabled('c-api') || !plan.isEnabled('c-vol')) return false;
  return virtDriver(plan) === 'fake' || backends.some((b) => b.type !== 'fake');
}

export function tempestConf(plan: Plan, facts: TempestFacts): IniDoc {
  const libvirt = virtDriver(plan) === 'libvirt';
  const lvm = facts.volumeBackends.some((b) => b.type === 'lvm');
  const timeout = plan.int('BUILD_TIMEOUT');
  const neutron = plan.isEnabled('q-svc');
  const ext = new Set(facts.networkExtensions);
  const privateNet = plan.get('PRIVATE_NETWORK_NAME');
  return iniDoc({
    DEFAULT: {
      debug: true,
      use_stderr: false,
      // relative: beside the workspace tempest runs in ($DEST/tempest), with stestr's results
      log_file: 'tempest.log',
    },
    oslo_concurrency: { lock_path: tempestStateDir(plan) },
    auth: {
      admin_username: ADMIN.username,
      admin_password: osloString(secret(plan, 'ADMIN_PASSWORD')),
      admin_project_name: ADMIN.project,
      admin_domain_name: ADMIN.domain,
      // each test class gets its own project and users (devstack's TEMPEST_ALLOW_TENANT_ISOLATION)
      use_dynamic_credentials: true,
    },
    identity: {
      uri_v3: osloEscape(keystoneAuthUrl(plan)),
      auth_version: 'v3',
      region: regionName(plan),
    },
    'identity-feature-enabled': { project_tags: true, application_credentials: true, access_rules: true },
    'image-feature-enabled': { os_glance_reserved: true, import_image: false },
    compute: {
      image_ref: facts.imageRef,
      image_ref_alt: facts.imageRefAlt,
      flavor_ref: facts.flavorRef,
      flavor_ref_alt: facts.flavorRefAlt,
      fixed_network_name: neutron ? privateNet : undefined,
      build_timeout: timeout,
      max_microversion: 'latest',
    },
    'compute-feature-enabled': {
      // nova.conf: no file injection, no VNC/SPICE/serial proxies, a single host
      personality: false,
      resize: true,
      live_migration: false,
      change_password: false,
      vnc_console: false,
      spice_console: false,
      serial_console: false,
      hostname_fqdn_sanitization: true,
      attach_encrypted_volume: lvm && libvirt,
      // libvirt (kvm or qemu) as devstack configures it
      shelve_migrate: libvirt,
      stable_rescue: libvirt,
      swap_volume: libvirt && lvm,
    },
    network: neutron
      ? {
          project_network_cidr: plan.get('FIXED_RANGE'),
          default_network: plan.get('FIXED_RANGE'),
          // guests are reached through floating IPs, never directly on the project networks
          project_networks_reachable: false,
          public_network_id: facts.publicNetworkId,
          floating_network_name: facts.publicNetworkId ? plan.get('PUBLIC_NETWORK_NAME') : undefined,
        }
      : {},
    'network-feature-enabled': neutron
      ? {
          api_extensions: [...facts.networkExtensions].sort().join(','),
          port_security: ext.has('port-security'),
          // With nova's fake driver nothing is plugged: a port stays DOWN and a floating IP leads nowhere,
          // so the tests that reach a guest through one (test_network_basic_ops...) are skipped by tempest.
          floating_ips: ext.has('router') && !!facts.publicNetworkId && libvirt,
          ipv6: true,
          ipv6_subnet_attributes: true,
        }
      : {},
    validation: {
      // guests are only real with libvirt; tempest then logs in to check them
      run_validation: libvirt,
      connect_method: 'floating',
      ip_version_for_ssh: 4,
      ssh_timeout: timeout,
      // the test image (lib/image) keeps CirrOS's login
      image_ssh_user: GUEST_USER,
      image_ssh_password: osloString(GUEST_PASSWORD),
      image_alt_ssh_user: GUEST_USER,
      image_alt_ssh_password: osloString(GUEST_PASSWORD),
      network_for_ssh: privateNet,
    },
    volume: {
      build_timeout: timeout,
      max_microversion: 'latest',
      backend_names: facts.volumeBackends.length > 1 ? facts.volumeBackends.map((b) => b.name).join(',') : undefined,
    },
    'volume-feature-enabled': {
      // c-bak is not run by tstack
      backup: false,
      multi_backend: facts.volumeBackends.length > 1,
      // what the LVM driver can do and the fake one cannot
      manage_snapshot: lvm,
      manage_volume: lvm,
      volume_revert: lvm,
      extend_attached_volume: lvm && libvirt,
      api_extensions: 'all',
    },
    placement: { max_microversion: 'latest' },
    service_available: {
      glance: plan.isEnabled('g-api'),
      nova: plan.isEnabled('n-api'),
      neutron,
      cinder: volumesUsable(plan, facts.volumeBackends),
      swift: plan.isEnabled('s-proxy'),
      horizon: plan.isEnabled('horizon'),
    },
    // the login form's action is read from the page (tempest's test_dashboard_basic_ops)
    dashboard: plan.isEnabled('horizon') ? { dashboard_url: osloEscape(horizonUrl(plan)) } : {},
  });
}
