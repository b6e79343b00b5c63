import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MetaSection } from '../../../lib/types/config.ts';
import { RestClient } from '../../../lib/openstack/rest.ts';
import { buildPlan } from '../../../lib/plan/plan.ts';
import type { Plan, StackContext } from '../../../lib/types/stack.ts';
import type { RunOptions, RunResult, Shell } from '../../../lib/types/shell.ts';
import type { Note } from '../../../lib/phases/context.ts';
import { getOption, parseIni, renderIni } from '../../../lib/util/ini.ts';
import { CINDER_UWSGI, cinderConf, createCinderModule } from '../../../lib/services/cinder.ts';
import {
  FAKE_DRIVER,
  cinderBackends,
  deviceMapperFrom,
  fallbackMessages,
  parseBackends,
  resolveBackends,
  volumeBackendName,
  type DeviceMapperProbe,
} from '../../../lib/services/cinder/backends.ts';
import {
  LVM_DRIVER,
  ensureLvmVolumeGroup,
  lvmLayout,
  parseLosetupJ,
  removeLvmVolumeGroup,
} from '../../../lib/services/cinder/lvm.ts';
import { ensureVolumeTypes } from '../../../lib/services/cinder/volume-types.ts';
import { novaCinderSection } from '../../../lib/services/nova.ts';
import { makePlan, PASSWORDS } from './fixture.ts';

// oslo.config expands `$name`, so a literal `$` in a password is written `$$`
/** As oslo.config reads it: quoted, `$` doubled. */
const OSLO_SERVICE_PASSWORD = `"${PASSWORDS.SERVICE_PASSWORD.replace(/\$/g, '$$$$')}"`;

const SERVICES = 'mysql,rabbit,memcached,key,g-api,n-api,n-cond,n-sch,n-cpu,c-api,c-sch,c-vol';

// /proc/misc as this machine's kernel has it (CONFIG_MD unset), and a kernel with device-mapper
const MISC_WITHOUT_DM = '234 btrfs-control\n237 loop-control\n229 fuse\n200 tun\n232 kvm\n';
const MISC_WITH_DM = MISC_WITHOUT_DM + '236 device-mapper\n';
const DEVICES_WITH_DM = 'Character devices:\n  1 mem\n\nBlock devices:\n  7 loop\n253 device-mapper\n254 mdp\n';

const noDm: DeviceMapperProbe = {
  check: () =>
    deviceMapperFrom({ procMisc: MISC_WITHOUT_DM, procDevices: 'Block devices:\n  7 loop\n', controlNode: false }),
};
const withDm: DeviceMapperProbe = {
  check: () => deviceMapperFrom({ procMisc: MISC_WITH_DM, procDevices: DEVICES_WITH_DM, controlNode: true }),
};

function cinderPlan(
  values: Record<string, string> = {},
  probe: DeviceMapperProbe = noDm,
  opts: { services?: string; metaSections?: MetaSection[]; method?: 'distro' | 'source' } = {},
): Plan {
  const base = makePlan(values, {
    services: opts.services ?? SERVICES,
    metaSections: opts.metaSections,
    method: opts.method,
  });
  return buildPlan(base.config, base.method, [createCinderModule(probe)]);
}

/** A Shell that records argv and answers from a table (first matching prefix wins). */
class RecordingShell implements Shell {
  calls: string[][] = [];
  constructor(private readonly answers: [string, Partial<RunResult>][] = []) {}
  async run(argv: string[], opts: RunOptions = {}): Promise<RunResult> {
    this.calls.push(argv);
    const line = argv.join(' ');
    const hit = this.answers.find(([prefix]) => line.startsWith(prefix));
    const r: RunResult = { code: 0, stdout: '', stderr: '', ...(hit?.[1] ?? {}) };
    if (r.code !== 0 && !opts.allowFailure) throw new Error(`failed: ${line}`);
    return r;
  }
}

function recordingContext(plan: Plan, sh: Shell = new RecordingShell()) {
  const files = new Map<string, { content: string; mode?: number; owner?: string; group?: string }>();
  const notes: Note[] = [];
  const ctx: StackContext = {
    plan,
    sh,
    log: { info: () => {}, warn: () => {}, debug: () => {} },
    force: false,
    async writeFile(path, content, o) {
      const changed = files.get(path)?.content !== content;
      files.set(path, { content, ...o });
      return changed;
    },
    openstack: () => Promise.reject(new Error('no REST client in this test')),
    note: (kind, message) => notes.push({ kind, message }),
  };
  return { ctx, files, notes };
}

describe('CINDER_ENABLED_BACKENDS parsing', () => {
  it("reads devstack's type:name list, bare types named after themselves", () => {
    expect(parseBackends('lvm:lvmdriver-1')).toEqual([{ type: 'lvm', name: 'lvmdriver-1' }]);
    expect(parseBackends('lvm:lvmdriver-1, fake:fake-2')).toEqual([
      { type: 'lvm', name: 'lvmdriver-1' },
      { type: 'fake', name: 'fake-2' },
    ]);
    expect(parseBackends('fake')).toEqual([{ type: 'fake', name: 'fake' }]);
  });

  it('rejects what tstack cannot run, duplicates and empty lists', () => {
    expect(() => parseBackends('ceph:ceph')).toThrow(/backend type 'ceph'.*not supported/);
    expect(() => parseBackends('lvm:a,fake:a')).toThrow(/'a' is used twice/);
    expect(() => parseBackends('lvm:a:b')).toThrow(/not type:name/);
    expect(() => parseBackends(' , ')).toThrow(/empty/);
    expect(() => parseBackends('fake:bad name')).toThrow(/letters, digits/);
  });
});

describe('device-mapper detection and the LVM fallback', () => {
  it('finds no device-mapper on a kernel like this one (CONFIG_MD unset)', () => {
    const s = noDm.check();
    expect(s.available).toBe(false);
    expect(s.reason).toMatch(/no device-mapper/);
  });

  it('finds device-mapper in /proc/misc or in the block majors of /proc/devices', () => {
    expect(withDm.check().available).toBe(true);
    expect(
      deviceMapperFrom({ procMisc: MISC_WITHOUT_DM, procDevices: DEVICES_WITH_DM, controlNode: false }),
    ).toMatchObject({
      available: true,
      reason: expect.stringContaining('dmsetup mknodes'),
    });
    // without /proc only the control node can tell
    expect(deviceMapperFrom({ controlNode: false }).available).toBe(false);
    expect(deviceMapperFrom({ controlNode: true }).available).toBe(true);
  });

  it('turns LVM backends into fake ones, keeping their names, only when device-mapper is missing', () => {
    const req = parseBackends('lvm:lvmdriver-1,fake:other');
    const fell = resolveBackends(req, noDm.check());
    expect(fell).toEqual([
      {
        name: 'lvmdriver-1',
        type: 'fake',
        requested: 'lvm',
        fallbackReason: expect.stringMatching(/no device-mapper/),
      },
      { name: 'other', type: 'fake', requested: 'fake' },
    ]);
    expect(fallbackMessages(fell)).toEqual([
      expect.stringMatching(
        /^cinder backend lvmdriver-1: lvm requested, using the fake driver .*FakeLoggingVolumeDriver.*no device-mapper/,
      ),
    ]);

    const kept = resolveBackends(req, withDm.check());
    expect(kept.map((b) => [b.name, b.type])).toEqual([
      ['lvmdriver-1', 'lvm'],
      ['other', 'fake'],
    ]);
    expect(fallbackMessages(kept)).toEqual([]);
  });

  it("asks volume types for the name the driver reports: the fake driver always says 'fake'", () => {
    expect(volumeBackendName({ name: 'lvmdriver-1', type: 'lvm' })).toBe('lvmdriver-1');
    expect(volumeBackendName({ name: 'lvmdriver-1', type: 'fake' })).toBe('fake');
    expect(volumeBackendName({ name: 'fake-2', type: 'fake' })).toBe('fake');
  });

  it('does not look at the kernel when no LVM backend is asked for', () => {
    let asked = 0;
    const probe: DeviceMapperProbe = { check: () => (asked++, noDm.check()) };
    cinderBackends(makePlan({ CINDER_ENABLED_BACKENDS: 'fake' }, { services: SERVICES }), probe);
    expect(asked).toBe(0);
    cinderBackends(makePlan({}, { services: SERVICES }), probe);
    expect(asked).toBe(1);
  });
});

describe('cinder.conf', () => {
  it('has the database (password in its option file), rabbit, authtoken and nova sections', () => {
    const plan = cinderPlan();
    const doc = cinderConf(plan, cinderBackends(plan, noDm));
    expect(getOption(doc, 'database', 'connection')).toEqual([
      'mysql+pymysql://cinder@127.0.0.1/cinder?charset=utf8&read_default_file=/etc/cinder/tstack-db.cnf',
    ]);
    expect(getOption(doc, 'DEFAULT', 'transport_url')).toEqual([
      `rabbit://stackrabbit:${encodeURIComponent(PASSWORDS.RABBIT_PASSWORD)}@127.0.0.1:5672/`,
    ]);
    expect(getOption(doc, 'DEFAULT', 'my_ip')).toEqual(['192.0.2.2']);
    expect(getOption(doc, 'DEFAULT', 'glance_api_servers')).toEqual(['http://192.0.2.2:9292']);
    expect(getOption(doc, 'DEFAULT', 'log_dir')).toBeUndefined();
    expect(getOption(doc, 'keystone_authtoken', 'username')).toEqual(['cinder']);
    expect(getOption(doc, 'keystone_authtoken', 'password')).toEqual([OSLO_SERVICE_PASSWORD]);
    expect(getOption(doc, 'keystone_authtoken', 'service_token_roles_required')).toEqual(['true']);
    expect(getOption(doc, 'nova', 'username')).toEqual(['nova']);
    expect(getOption(doc, 'nova', 'region_name')).toEqual(['RegionOne']);
    expect(getOption(doc, 'oslo_concurrency', 'lock_path')).toEqual(['/var/lib/cinder/tmp']);
  });

  it('without nova or glance, leaves their settings out', () => {
    const plan = cinderPlan({}, noDm, { services: 'mysql,rabbit,key,c-api,c-sch,c-vol' });
    const doc = cinderConf(plan, cinderBackends(plan, noDm));
    expect(doc.find((s) => s.name === 'nova')).toBeUndefined();
    expect(getOption(doc, 'DEFAULT', 'glance_api_servers')).toBeUndefined();
  });

  it('writes the fake driver for the fallen-back default backend, the LVM driver when the kernel can', () => {
    const planNo = cinderPlan();
    const fake = cinderConf(planNo, cinderBackends(planNo, noDm));
    expect(getOption(fake, 'DEFAULT', 'enabled_backends')).toEqual(['lvmdriver-1']);
    expect(getOption(fake, 'DEFAULT', 'default_volume_type')).toEqual(['lvmdriver-1']);
    expect(getOption(fake, 'lvmdriver-1', 'volume_driver')).toEqual([FAKE_DRIVER]);
    // the fake driver reports `fake` whatever the file says; the file says the same
    expect(getOption(fake, 'lvmdriver-1', 'volume_backend_name')).toEqual(['fake']);
    expect(getOption(fake, 'lvmdriver-1', 'volume_group')).toBeUndefined();

    const planYes = cinderPlan({ CINDER_ENABLED_BACKENDS: 'lvm:lvmdriver-1,fake:fake' }, withDm);
    const lvm = cinderConf(planYes, cinderBackends(planYes, withDm));
    expect(getOption(lvm, 'DEFAULT', 'enabled_backends')).toEqual(['lvmdriver-1,fake']);
    expect(getOption(lvm, 'DEFAULT', 'default_volume_type')).toEqual(['lvmdriver-1']);
    expect(getOption(lvm, 'lvmdriver-1', 'volume_driver')).toEqual([LVM_DRIVER]);
    expect(getOption(lvm, 'lvmdriver-1', 'volume_backend_name')).toEqual(['lvmdriver-1']);
    expect(getOption(lvm, 'lvmdriver-1', 'volume_group')).toEqual(['stack-volumes-lvmdriver-1']);
    expect(getOption(lvm, 'lvmdriver-1', 'target_helper')).toEqual(['tgtadm']);
    expect(getOption(lvm, 'fake', 'volume_driver')).toEqual([FAKE_DRIVER]);
  });

  it("gives nova's [cinder] section the region and the nova service user", () => {
    const s = novaCinderSection(cinderPlan());
    expect(s).toMatchObject({
      os_region_name: 'RegionOne',
      auth_type: 'password',
      username: 'nova',
      password: OSLO_SERVICE_PASSWORD,
      project_name: 'service',
    });
    expect(s.auth_url).toBe('http://192.0.2.2:5000');
  });
});

describe('the cinder module', () => {
  it(
    'runs c-api under uwsgi as cinder, c-sch and c-vol as cinder after the db sync; no tgtd on the fake ' + 'fallback',
    () => {
      const plan = cinderPlan();
      const byName = new Map(plan.processes.map((p) => [p.name, p]));
      expect([...byName.keys()].sort()).toEqual(['c-api', 'c-sch', 'c-vol']);
      const api = byName.get('c-api')!;
      expect(api.argv).toEqual(['/usr/bin/uwsgi', '--ini', CINDER_UWSGI]);
      expect(api.user).toBe('cinder');
      expect(api.port).toBe(8776);
      expect(api.probe).toEqual({ kind: 'http', url: 'http://192.0.2.2:8776/' });
      expect(api.after).toContain('cinder:db-sync');
      for (const [name, bin] of [
        ['c-sch', 'cinder-scheduler'],
        ['c-vol', 'cinder-volume'],
      ]) {
        const p = byName.get(name)!;
        expect(p.argv).toEqual([`/usr/bin/${bin}`, '--config-file', '/etc/cinder/cinder.conf']);
        expect(p.user).toBe('cinder');
        expect(p.probe?.kind).toBe('log');
        expect(p.after).toContain('cinder:db-sync');
      }
      expect(plan.packages).toEqual(
        expect.arrayContaining(['cinder-common', 'cinder-scheduler', 'cinder-volume', 'python3-cinder']),
      );
      expect(plan.packages).not.toContain('tgt');
      // devstack's glibc malloc tuning, for cinder-volume only (start_cinder)
      expect(byName.get('c-vol')!.env).toEqual({
        MALLOC_ARENA_MAX: '1',
        MALLOC_MMAP_THRESHOLD_: '131072',
        MALLOC_TRIM_THRESHOLD_: '262144',
      });
      expect(byName.get('c-sch')!.env).toBeUndefined();
    },
  );

  it('adds tgtd, the LVM packages and the volume-group step when LVM really runs', () => {
    const plan = cinderPlan({ VOLUME_BACKING_FILE_SIZE: '10G' }, withDm);
    const tgtd = plan.processes.find((p) => p.name === 'tgtd');
    expect(tgtd?.argv).toEqual(['/usr/sbin/tgtd', '-f']);
    expect(plan.processes.find((p) => p.name === 'c-vol')?.after).toContain('tgtd');
    expect(plan.processes.findIndex((p) => p.name === 'tgtd')).toBeLessThan(
      plan.processes.findIndex((p) => p.name === 'c-vol'),
    );
    expect(plan.packages).toEqual(expect.arrayContaining(['lvm2', 'thin-provisioning-tools', 'tgt']));
    const steps = plan.services[0].steps!(plan);
    expect(steps.init?.map((s) => s.id)).toEqual(['cinder:lvm']);
    expect(steps.configure?.[0].title).toMatch(/backends lvmdriver-1=lvm$/);
  });

  it('follows the enabled panes: c-vol off means no c-vol pane and no LVM', () => {
    const plan = cinderPlan({}, withDm, { services: 'mysql,rabbit,key,c-api,c-sch' });
    expect(plan.processes.map((p) => p.name).sort()).toEqual(['c-api', 'c-sch']);
    expect(plan.packages).not.toContain('tgt');
  });

  it('says why it fell back: in the plan (step title) and as a warning when configuring', async () => {
    const plan = cinderPlan();
    const configure = plan.services[0].steps!(plan).configure![0];
    expect(configure.title).toMatch(/lvmdriver-1=fake \(LVM impossible: .*no device-mapper/);
    const { ctx, files, notes } = recordingContext(plan);
    await configure.run(ctx);
    expect(notes).toEqual([
      { kind: 'warning', message: expect.stringMatching(/lvmdriver-1: lvm requested, using the fake driver/) },
    ]);
    const conf = files.get('/etc/cinder/cinder.conf')!;
    expect(conf).toMatchObject({ mode: 0o640, owner: 'root', group: 'cinder' });
    expect(getOption(parseIni(conf.content), 'lvmdriver-1', 'volume_driver')).toEqual([FAKE_DRIVER]);
    const ini = parseIni(files.get(CINDER_UWSGI)!.content);
    expect(getOption(ini, 'uwsgi', 'wsgi-file')).toEqual(['/usr/bin/cinder-wsgi']);
    expect(getOption(ini, 'uwsgi', 'http-socket')).toEqual(['0.0.0.0:8776']);
    expect(getOption(ini, 'uwsgi', 'add-header')).toEqual(['Connection: close']);
  });

  it('no warning when nothing fell back', async () => {
    const plan = cinderPlan({ CINDER_ENABLED_BACKENDS: 'fake' });
    const { ctx, notes } = recordingContext(plan);
    await plan.services[0].steps!(plan).configure![0].run(ctx);
    expect(notes).toEqual([]);
  });

  it('merges local.conf [[post-config|$CINDER_CONF]] into cinder.conf', async () => {
    const pos = { file: 'local.conf', line: 1 };
    const meta: MetaSection = {
      phase: 'post-config',
      file: '/etc/cinder/cinder.conf',
      rawFile: '$CINDER_CONF',
      pos,
      sections: [{ name: 'DEFAULT', options: [{ key: 'default_volume_type', values: ['mine'], pos }] }],
    };
    const plan = cinderPlan({}, noDm, { metaSections: [meta] });
    const { ctx, files } = recordingContext(plan);
    await plan.services[0].steps!(plan).configure![0].run(ctx);
    expect(
      getOption(parseIni(files.get('/etc/cinder/cinder.conf')!.content), 'DEFAULT', 'default_volume_type'),
    ).toEqual(['mine']);
  });

  it('serves c-api from the venv with the source method', () => {
    const plan = cinderPlan(
      { REQUIREMENTS_REPO: 'https://opendev.org/openstack/requirements.git', REQUIREMENTS_BRANCH: 'master' },
      noDm,
      { method: 'source' },
    );
    expect(plan.processes.find((p) => p.name === 'c-sch')?.argv[0]).toBe('/opt/stack/data/venv/bin/cinder-scheduler');
    expect(plan.processes.find((p) => p.name === 'c-api')?.codeFrom).toBe('checkout');
    expect(plan.repos.map((r) => r.name)).toContain('cinder');
  });

  it('registers the cinder user with admin and both volumev3 and block-storage at /v3/%(project_id)s', () => {
    const plan = cinderPlan();
    const entries = plan.services[0].catalog!(plan);
    expect(entries).toEqual([
      expect.objectContaining({
        user: 'cinder',
        extraRoles: ['admin'],
        service: expect.objectContaining({ name: 'cinderv3', type: 'volumev3' }),
        url: 'http://192.0.2.2:8776/v3/%(project_id)s',
      }),
      expect.objectContaining({
        user: 'cinder',
        extraRoles: ['admin'],
        service: expect.objectContaining({ name: 'cinder', type: 'block-storage' }),
        url: 'http://192.0.2.2:8776/v3/%(project_id)s',
      }),
    ]);
    expect(plan.services[0].configFiles!(plan)).toEqual([
      '/etc/cinder/cinder.conf',
      CINDER_UWSGI,
      '/etc/cinder/tstack-db.cnf',
    ]);
  });

  it('creates the volume types in the extra phase only when c-api runs', () => {
    expect(cinderPlan().services[0].steps!(cinderPlan()).extra?.map((s) => s.id)).toEqual(['cinder:volume-types']);
    const noApi = cinderPlan({}, noDm, { services: 'mysql,rabbit,key,c-sch,c-vol' });
    expect(noApi.services[0].steps!(noApi).extra).toBeUndefined();
  });
});

describe('LVM volume group on a loop file (recorded commands)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tstack-cinder-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("uses devstack's names", () => {
    const plan = cinderPlan({ DATA_DIR: '/opt/stack/data', VOLUME_BACKING_FILE_SIZE: '24G' });
    expect(lvmLayout(plan, 'lvmdriver-1')).toEqual({
      volumeGroup: 'stack-volumes-lvmdriver-1',
      backingFile: '/opt/stack/data/stack-volumes-lvmdriver-1-backing-file',
      size: '24G',
    });
  });

  it('parses losetup -j', () => {
    expect(parseLosetupJ('/dev/loop0: []: (/x/f)\n/dev/loop3: [2049]:12 (/x/f)\n')).toEqual([
      '/dev/loop0',
      '/dev/loop3',
    ]);
    expect(parseLosetupJ('')).toEqual([]);
  });

  it('creates file, loop and VG when missing, and only attaches nothing twice on a re-run', async () => {
    const l = { volumeGroup: 'stack-volumes-t', backingFile: join(dir, 'missing-file'), size: '1G' };
    const sh = new RecordingShell([
      ['losetup -j', { stdout: '' }],
      ['losetup -f --show', { stdout: '/dev/loop5\n' }],
      ['vgs', { code: 5 }],
    ]);
    expect(await ensureLvmVolumeGroup(sh, l)).toEqual({ loop: '/dev/loop5', created: true });
    expect(sh.calls).toEqual([
      ['truncate', '-s', '1G', l.backingFile],
      ['losetup', '-j', l.backingFile],
      ['losetup', '-f', '--show', l.backingFile],
      ['vgs', '--noheadings', 'stack-volumes-t'],
      ['vgcreate', 'stack-volumes-t', '/dev/loop5'],
    ]);

    const existing = join(dir, 'backing');
    writeFileSync(existing, '');
    const again = new RecordingShell([['losetup -j', { stdout: `/dev/loop2: []: (${existing})\n` }]]);
    expect(await ensureLvmVolumeGroup(again, { ...l, backingFile: existing })).toEqual({
      loop: '/dev/loop2',
      created: false,
    });
    expect(again.calls.map((c) => c.slice(0, 2).join(' '))).toEqual(['losetup -j', 'vgs --noheadings']);
  });

  it('removes the VG, detaches the loop devices and deletes the backing file on clean', async () => {
    const file = join(dir, 'to-clean');
    writeFileSync(file, '');
    const sh = new RecordingShell([['losetup -j', { stdout: `/dev/loop0: []: (${file})\n` }]]);
    const removed = await removeLvmVolumeGroup(sh, { volumeGroup: 'stack-volumes-x', backingFile: file, size: '1G' });
    expect(removed).toEqual(['volume group stack-volumes-x', 'loop device /dev/loop0', file]);
    expect(sh.calls).toContainEqual(['vgremove', '-f', 'stack-volumes-x']);
    expect(sh.calls).toContainEqual(['losetup', '-d', '/dev/loop0']);
    expect(sh.calls).toContainEqual(['rm', '-f', file]);
  });

  it('clean leaves nothing to do when none of it exists', async () => {
    const sh = new RecordingShell([
      ['sh -c', { code: 1 }], // no vgs binary (lvm2 not installed)
    ]);
    const removed = await removeLvmVolumeGroup(sh, {
      volumeGroup: 'stack-volumes-y',
      backingFile: join(dir, 'never-made'),
      size: '1G',
    });
    expect(removed).toEqual([]);
    expect(sh.calls).toEqual([['sh', '-c', 'command -v vgs']]);
  });
});

describe('volume types through the volumev3 API (in-process HTTP server)', () => {
  // keystone's token call plus cinder's /types, recording every request
  const PROJECT = 'p0123456789';
  let server: Server;
  let base = '';
  const requests: { method: string; path: string; body?: any }[] = [];
  let types: { id: string; name: string; extra_specs: Record<string, string> }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c) => (raw += c));
      req.on('end', () => {
        const body = raw ? JSON.parse(raw) : undefined;
        const path = req.url ?? '';
        requests.push({ method: req.method ?? '', path, body });
        const json = (status: number, obj: unknown, headers: Record<string, string> = {}) => {
          res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
          res.end(JSON.stringify(obj));
        };
        if (req.method === 'POST' && path === '/identity/v3/auth/tokens') {
          const catalog = [
            {
              type: 'volumev3',
              name: 'cinderv3',
              endpoints: [{ interface: 'public', region_id: 'RegionOne', url: `${base}/volume/v3/%(project_id)s` }],
            },
          ];
          return json(201, { token: { catalog, project: { id: PROJECT } } }, { 'X-Subject-Token': 'tok' });
        }
        if (req.headers['x-auth-token'] !== 'tok') return json(401, { error: { message: 'no token' } });
        const prefix = `/volume/v3/${PROJECT}/types`;
        if (req.method === 'GET' && path === `${prefix}?is_public=None`) return json(200, { volume_types: types });
        if (req.method === 'POST' && path === prefix) {
          const vt = body.volume_type;
          if (types.some((t) => t.name === vt.name)) return json(409, { conflictingRequest: { message: 'exists' } });
          const t = { id: `id-${vt.name}`, name: vt.name, extra_specs: vt.extra_specs ?? {} };
          types.push(t);
          return json(200, { volume_type: t });
        }
        const m = new RegExp(`^${prefix}/([^/]+)/extra_specs$`).exec(path);
        if (req.method === 'POST' && m) {
          const t = types.find((x) => x.id === m[1]);
          if (!t) return json(404, { itemNotFound: { message: 'no such type' } });
          Object.assign(t.extra_specs, body.extra_specs);
          return json(200, { extra_specs: t.extra_specs });
        }
        json(404, { message: `unexpected ${req.method} ${path}` });
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  async function client() {
    return RestClient.login(
      {
        authUrl: `${base}/identity/v3`,
        username: 'admin',
        password: 'pw-admin',
        projectName: 'admin',
        region: 'RegionOne',
      },
      { retries: 0 },
    );
  }

  it('creates one type per backend with volume_backend_name, and nothing on a re-run', async () => {
    types = [{ id: 'id-default', name: '__DEFAULT__', extra_specs: {} }];
    requests.length = 0;
    const c = await client();
    const backends = [
      { name: 'lvmdriver-1', type: 'lvm' as const },
      { name: 'fake', type: 'fake' as const },
    ];
    expect(await ensureVolumeTypes(c, backends)).toEqual({ created: ['lvmdriver-1', 'fake'], updated: [], kept: [] });
    const posts = requests.filter((r) => r.method === 'POST' && r.path.includes('/types'));
    expect(posts.map((p) => p.body)).toEqual([
      {
        volume_type: {
          name: 'lvmdriver-1',
          'os-volume-type-access:is_public': true,
          extra_specs: { volume_backend_name: 'lvmdriver-1' },
        },
      },
      {
        volume_type: {
          name: 'fake',
          'os-volume-type-access:is_public': true,
          extra_specs: { volume_backend_name: 'fake' },
        },
      },
    ]);
    expect(types.map((t) => t.name)).toEqual(['__DEFAULT__', 'lvmdriver-1', 'fake']);

    requests.length = 0;
    expect(await ensureVolumeTypes(c, backends)).toEqual({ created: [], updated: [], kept: ['lvmdriver-1', 'fake'] });
    expect(requests.map((r) => r.method)).toEqual(['GET']);
    expect(types).toHaveLength(3);
  });

  it(
    'corrects a type whose volume_backend_name drifted (an LVM run, now the fake fallback) instead of adding a ' +
      'second one',
    async () => {
      types = [{ id: 'id-lvm', name: 'lvmdriver-1', extra_specs: { volume_backend_name: 'lvmdriver-1' } }];
      requests.length = 0;
      const c = await client();
      const [fallen] = resolveBackends(parseBackends('lvm:lvmdriver-1'), noDm.check());
      expect(await ensureVolumeTypes(c, [fallen])).toEqual({ created: [], updated: ['lvmdriver-1'], kept: [] });
      expect(
        requests
          .filter((r) => r.method === 'POST' && r.path.includes('/types'))
          .map((r) => [r.path.replace(/^.*\/types/, '/types'), r.body]),
      ).toEqual([['/types/id-lvm/extra_specs', { extra_specs: { volume_backend_name: 'fake' } }]]);
      expect(types).toEqual([{ id: 'id-lvm', name: 'lvmdriver-1', extra_specs: { volume_backend_name: 'fake' } }]);
    },
  );

  it('the extra-phase step goes through the context client', async () => {
    types = [];
    const plan = cinderPlan({ CINDER_ENABLED_BACKENDS: 'lvm:lvmdriver-1,fake:fake' });
    const step = plan.services[0].steps!(plan).extra![0];
    const { ctx } = recordingContext(plan);
    const c = await client();
    await step.run({ ...ctx, openstack: async () => c });
    // lvmdriver-1 fell back to the fake driver (this test's kernel has no device-mapper), which reports `fake`
    expect(types.map((t) => [t.name, t.extra_specs.volume_backend_name])).toEqual([
      ['lvmdriver-1', 'fake'],
      ['fake', 'fake'],
    ]);
  });
});

describe('files/debs/cinder', () => {
  it('lists the packages without apache, and leaves tgt to extraPackages', () => {
    const text = readFileSync(new URL('../../../files/debs/cinder', import.meta.url), 'utf8');
    const pkgs = text
      .split('\n')
      .map((l) => l.replace(/#.*/, '').trim())
      .filter(Boolean);
    expect(pkgs).toEqual(
      expect.arrayContaining(['cinder-common', 'cinder-scheduler', 'cinder-volume', 'python3-cinder']),
    );
    expect(pkgs.filter((p) => /apache|^tgt$/.test(p))).toEqual([]);
  });
});

// renderIni is used by writeConf; make sure the fallback config renders with no undefined values
describe('rendering', () => {
  it('renders cinder.conf without undefined or empty sections', () => {
    const plan = cinderPlan();
    const text = renderIni(cinderConf(plan, cinderBackends(plan, noDm)));
    expect(text).not.toMatch(/undefined/);
    expect(text).not.toMatch(/^\[nova\]\n\n/m);
  });
});
