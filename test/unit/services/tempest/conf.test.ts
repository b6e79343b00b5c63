// tempest.conf as oslo.config reads it (tempest's own parser): typed options
// registered the way tempest registers them, the file rendered by the real
// renderer, then the values read back, for the plan's virt driver, volume
// backends and network extensions.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mergeIni, renderIni } from '../../../../lib/util/ini.ts';
import { tempestConf, type TempestFacts } from '../../../../lib/services/tempest/conf.ts';
import { gatherFacts, pickFlavors, pickImages } from '../../../../lib/services/tempest/facts.ts';
import type { OpenStackClient } from '../../../../lib/types/openstack.ts';
import { DEFAULT_SERVICES, makePlan } from '../fixture.ts';

const dir = mkdtempSync(join(tmpdir(), 'tstack-tempest-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FACTS: TempestFacts = {
  imageRef: 'img-1',
  imageRefAlt: 'img-2',
  flavorRef: '42',
  flavorRefAlt: '84',
  publicNetworkId: 'net-public',
  networkExtensions: ['router', 'security-group', 'port-security', 'external-net', 'tag'],
  volumeBackends: [{ name: 'lvmdriver-1', type: 'fake' }],
};

const ALL = `${DEFAULT_SERVICES},c-api,c-sch,c-vol,horizon,tempest`;
const HOSTILE_ADMIN = `-Ädm1n/{x}'q"\\ $HOME €✓ `;

type Opt = [section: string, key: string, type: 'str' | 'bool' | 'int' | 'list'];
const OPTS: Opt[] = [
  ['auth', 'admin_password', 'str'],
  ['auth', 'admin_username', 'str'],
  ['auth', 'use_dynamic_credentials', 'bool'],
  ['identity', 'uri_v3', 'str'],
  ['identity', 'region', 'str'],
  ['compute', 'image_ref', 'str'],
  ['compute', 'flavor_ref_alt', 'str'],
  ['compute', 'build_timeout', 'int'],
  ['network', 'public_network_id', 'str'],
  ['network', 'floating_network_name', 'str'],
  ['network-feature-enabled', 'api_extensions', 'list'],
  ['network-feature-enabled', 'floating_ips', 'bool'],
  ['network-feature-enabled', 'port_security', 'bool'],
  ['validation', 'run_validation', 'bool'],
  ['validation', 'image_ssh_user', 'str'],
  ['validation', 'image_ssh_password', 'str'],
  ['volume-feature-enabled', 'manage_volume', 'bool'],
  ['volume-feature-enabled', 'multi_backend', 'bool'],
  ['service_available', 'cinder', 'bool'],
  ['service_available', 'neutron', 'bool'],
  ['service_available', 'horizon', 'bool'],
  ['service_available', 'swift', 'bool'],
  ['compute-feature-enabled', 'resize', 'bool'],
  ['compute-feature-enabled', 'stable_rescue', 'bool'],
  ['dashboard', 'dashboard_url', 'str'],
];

/** Read a rendered tempest.conf with oslo.config, options typed as tempest declares them. */
function readWithOslo(text: string): Record<string, unknown> {
  const file = join(dir, `tempest-${Math.random().toString(36).slice(2)}.conf`);
  writeFileSync(file, text);
  const code = `
import sys, json
from oslo_config import cfg
opts = json.load(sys.stdin)
conf = cfg.ConfigOpts()
types = {'str': cfg.StrOpt, 'bool': cfg.BoolOpt, 'int': cfg.IntOpt, 'list': cfg.ListOpt}
for section, key, t in opts:
    conf.register_opt(types[t](key), group=section)
conf(args=[], default_config_files=[sys.argv[1]])
print(json.dumps({section + '.' + key: conf[section][key] for section, key, t in opts}))`;
  const out = execFileSync('/usr/bin/python3', ['-c', code, file], { input: JSON.stringify(OPTS) });
  return JSON.parse(out.toString()) as Record<string, unknown>;
}

describe('tempest.conf', () => {
  it('libvirt with the fake volume backend: guests are checked over ssh, cinder is not offered', () => {
    const plan = makePlan({ ADMIN_PASSWORD: HOSTILE_ADMIN, VIRT_DRIVER: 'libvirt' }, { services: ALL });
    const v = readWithOslo(renderIni(tempestConf(plan, FACTS)));
    expect(v).toMatchObject({
      'auth.admin_password': HOSTILE_ADMIN,
      'auth.admin_username': 'admin',
      'auth.use_dynamic_credentials': true,
      'identity.uri_v3': `http://${plan.get('SERVICE_HOST')}:5000/v3`,
      'identity.region': 'RegionOne',
      'compute.image_ref': 'img-1',
      'compute.flavor_ref_alt': '84',
      'compute.build_timeout': 196,
      'network.public_network_id': 'net-public',
      'network.floating_network_name': 'public',
      'network-feature-enabled.api_extensions': ['external-net', 'port-security', 'router', 'security-group', 'tag'],
      'network-feature-enabled.floating_ips': true,
      'network-feature-enabled.port_security': true,
      'validation.run_validation': true,
      'validation.image_ssh_user': 'cirros',
      'validation.image_ssh_password': 'gocubsgo',
      'volume-feature-enabled.manage_volume': false,
      'volume-feature-enabled.multi_backend': false,
      // a real guest cannot attach what the fake driver "creates"
      'service_available.cinder': false,
      'service_available.neutron': true,
      'service_available.horizon': true,
      'service_available.swift': false,
      'compute-feature-enabled.resize': true,
      'compute-feature-enabled.stable_rescue': true,
    });
    expect(v['dashboard.dashboard_url']).toBe(`http://${plan.get('SERVICE_HOST')}:${plan.get('HORIZON_PORT')}/`);
  });

  it('the fake virt driver: no guest to reach (validation and floating-IP tests are skipped), cinder offered', () => {
    const plan = makePlan({ VIRT_DRIVER: 'fake' }, { services: ALL });
    const v = readWithOslo(renderIni(tempestConf(plan, FACTS)));
    expect(v).toMatchObject({
      'validation.run_validation': false,
      'network-feature-enabled.floating_ips': false,
      'service_available.cinder': true,
      'compute-feature-enabled.stable_rescue': false,
    });
  });

  it('LVM backends: the volume features LVM has, multi-backend with their names', () => {
    const plan = makePlan({ VIRT_DRIVER: 'libvirt' }, { services: ALL });
    const facts: TempestFacts = {
      ...FACTS,
      volumeBackends: [
        { name: 'lvm-a', type: 'lvm' },
        { name: 'lvm-b', type: 'lvm' },
      ],
    };
    const doc = tempestConf(plan, facts);
    const v = readWithOslo(renderIni(doc));
    expect(v).toMatchObject({
      'service_available.cinder': true,
      'volume-feature-enabled.manage_volume': true,
      'volume-feature-enabled.multi_backend': true,
    });
    expect(renderIni(doc)).toMatch(/^backend_names = lvm-a,lvm-b$/m);
  });

  it('neutron without port-security or an external network: the flags follow the API', () => {
    const plan = makePlan({ VIRT_DRIVER: 'libvirt' }, { services: ALL });
    const facts = { ...FACTS, publicNetworkId: undefined, networkExtensions: ['router', 'security-group'] };
    const v = readWithOslo(renderIni(tempestConf(plan, facts)));
    expect(v).toMatchObject({
      // not written: tempest's defaults (no external network) apply
      'network.public_network_id': null,
      'network.floating_network_name': null,
      'network-feature-enabled.port_security': false,
      'network-feature-enabled.floating_ips': false,
    });
  });

  it('[[test-config|$TEMPEST_CONFIG]] blocks win over what tstack writes', () => {
    const plan = makePlan({ VIRT_DRIVER: 'libvirt' }, { services: ALL });
    const merged = mergeIni(tempestConf(plan, FACTS), [
      {
        name: 'validation',
        options: [{ key: 'run_validation', values: ['False'], pos: { file: 'local.conf', line: 9 } }],
      },
    ]);
    expect(readWithOslo(renderIni(merged))['validation.run_validation']).toBe(false);
  });
});

describe('tempest facts', () => {
  const img = (id: string, name: string, extra: object = {}) => ({ id, name, status: 'active', ...extra });

  it('image_ref is DEFAULT_IMAGE_NAME, image_ref_alt another active image, or the same one', () => {
    const images = [img('a', 'other'), img('b', 'default'), img('c', 'iso', { disk_format: 'iso' })];
    expect(pickImages(images, 'default')).toEqual({ ref: 'b', alt: 'a' });
    expect(pickImages([img('b', 'default'), img('q', 'queued', { status: 'queued' })], 'default')).toEqual({
      ref: 'b',
      alt: 'b',
    });
    expect(() => pickImages([img('c', 'iso', { disk_format: 'iso' })], 'default')).toThrow(/no active image/);
  });

  it('flavors m1.nano and m1.micro by name, else the smallest two', () => {
    const f = (id: string, name: string, ram: number) => ({ id, name, ram });
    expect(pickFlavors([f('1', 'm1.tiny', 512), f('84', 'm1.micro', 256), f('42', 'm1.nano', 192)])).toEqual({
      ref: '42',
      alt: '84',
    });
    expect(pickFlavors([f('2', 'm1.small', 2048), f('1', 'm1.tiny', 512), f('3', 'x', 1024)])).toEqual({
      ref: '1',
      alt: '3',
    });
  });
});

describe('tempest facts from the API', () => {
  it('asks glance, nova and neutron what tempest.conf names: active images, flavors, the public network', async () => {
    const plan = makePlan({ VIRT_DRIVER: 'libvirt' }, { services: ALL });
    const asked: string[] = [];
    const answers: Record<string, unknown> = {
      'image /v2/images?status=active&limit=100': {
        images: [
          { id: 'i1', name: 'other', status: 'active' },
          { id: 'i2', name: plan.get('DEFAULT_IMAGE_NAME'), status: 'active' },
        ],
      },
      'compute /flavors/detail': { flavors: [{ id: '42', name: 'm1.nano', ram: 192 }] },
      'network /v2.0/extensions': { extensions: [{ alias: 'router' }, { alias: 'qos' }] },
      'network /v2.0/networks?name=public&router%3Aexternal=true': { networks: [{ id: 'pub' }] },
    };
    const client = {
      endpoint: () => '',
      get: async (type: string, path: string) => {
        asked.push(`${type} ${path}`);
        if (!(`${type} ${path}` in answers)) throw new Error(`unexpected GET ${type} ${path}`);
        return answers[`${type} ${path}`];
      },
    } as unknown as OpenStackClient;
    const facts = await gatherFacts(client, plan, [{ name: 'lvmdriver-1', type: 'fake' }]);
    expect(facts).toEqual({
      imageRef: 'i2',
      imageRefAlt: 'i1',
      flavorRef: '42',
      flavorRefAlt: '42',
      publicNetworkId: 'pub',
      networkExtensions: ['router', 'qos'],
      volumeBackends: [{ name: 'lvmdriver-1', type: 'fake' }],
    });
    expect(asked).toHaveLength(4);
  });
});
