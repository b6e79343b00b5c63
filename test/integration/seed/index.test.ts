// The steps ./stack.ts gets from lib/seed, run the way the phase runner runs
// them (dependencies first, independent ones concurrently) against the fake
// APIs, twice: the second run must only read. A seam test, not an E2E one.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { catalogStep, createSeedReport, imagesSeeded, seedSteps } from '../../../lib/seed/index.ts';
import { keystoneAuthUrl } from '../../../lib/config/urls.ts';
import { cloudsYamlStep } from '../../../lib/seed/clouds-yaml.ts';
import type { ServiceModule, Step } from '../../../lib/types/stack.ts';
import { SystemShell } from '../../../lib/system/exec.ts';
import { clearSecrets } from '../../../lib/util/secrets.ts';
import { FakeOpenStack } from '../../unit/seed/fake-openstack.ts';
import { fakePlan, recordingContext } from '../../unit/seed/fixtures.ts';

/** Run steps honouring `after`, with independent steps concurrently (as the phase runner does). */
async function runSteps(steps: Step[], run: (s: Step) => Promise<void>): Promise<string[]> {
  const done = new Map<string, Promise<void>>();
  const order: string[] = [];
  const start = (s: Step): Promise<void> => {
    let p = done.get(s.id);
    if (!p) {
      p = Promise.all((s.after ?? []).map((id) => start(steps.find((x) => x.id === id)!))).then(async () => {
        await run(s);
        order.push(s.id);
      });
      done.set(s.id, p);
    }
    return p;
  };
  await Promise.all(steps.map(start));
  return order;
}

const nova: ServiceModule = {
  name: 'nova',
  project: 'nova',
  shortNames: ['n-api'],
  processes: () => [],
  catalog: () => [
    {
      user: 'nova',
      extraRoles: ['admin'],
      service: { name: 'nova', type: 'compute' },
      url: 'http://127.0.0.1:8774/v2.1',
    },
  ],
};

describe('seedSteps', () => {
  it('selects steps by the enabled services and orders network after accounts', () => {
    const ids = (enabled: string[]) => seedSteps(fakePlan({}, { enabled })).map((s) => s.id);
    expect(ids(['key', 'n-api', 'q-svc', 'g-api'])).toEqual([
      'seed:accounts',
      'seed:flavors',
      'seed:network',
      'seed:images',
      'seed:test-image',
      'seed:clouds-yaml',
      'seed:openrc',
    ]);
    expect(ids(['key'])).toEqual(['seed:accounts', 'seed:clouds-yaml', 'seed:openrc']);
    const steps = seedSteps(fakePlan({}));
    for (const s of steps) for (const a of s.after ?? []) expect(steps.map((x) => x.id)).toContain(a);
    expect(steps.find((s) => s.id === 'seed:network')!.after).toEqual(['seed:accounts']);
  });

  it('reaches keystone at SERVICE_HOST, which defaults to HOST_IP', () => {
    expect(keystoneAuthUrl(fakePlan({}))).toBe('http://192.0.2.2:5000/v3');
    expect(keystoneAuthUrl(fakePlan({ HOST_IP: '10.0.0.7' }))).toBe('http://10.0.0.7:5000/v3');
    expect(keystoneAuthUrl(fakePlan({ SERVICE_HOST: '10.0.0.5' }))).toBe('http://10.0.0.5:5000/v3');
    expect(keystoneAuthUrl(fakePlan({ SERVICE_HOST: 'fd00::5' }))).toBe('http://[fd00::5]:5000/v3');
  });
});

describe('catalog + seeding, run twice against the fake APIs', () => {
  let os: FakeOpenStack;
  let top: string;
  beforeEach(async () => {
    os = new FakeOpenStack();
    await os.start();
    top = mkdtempSync(join(tmpdir(), 'tstack-seed-'));
    execFileSync('qemu-img', ['create', '-f', 'qcow2', join(top, 'tiny.img'), '32M']);
  });
  afterEach(async () => {
    await os.stop();
    rmSync(top, { recursive: true, force: true });
    clearSecrets();
  });

  it('converges: the second run makes no writes and one token serves each run', async () => {
    const values = {
      ADMIN_PASSWORD: os.adminPassword,
      SERVICE_PASSWORD: 'svc',
      REGION_NAME: 'RegionOne',
      IMAGE_URLS: `tiny.img,http://127.0.0.1:9/unreachable/cirros-0.6.3-x86_64-disk.img`,
      DOWNLOAD_DEFAULT_IMAGES: 'False',
      FLOATING_RANGE: '172.24.4.0/24',
      IPV4_ADDRS_SAFE_TO_USE: '10.0.0.0/22',
    };
    const plan = fakePlan(values, { services: [nova], topDir: top, filesDir: join(top, 'files') });
    const sh = new SystemShell();

    const once = async () => {
      const client = os.adminClient();
      const ctx = recordingContext(plan, () => client, sh);
      const report = createSeedReport();
      const cloudsPath = join(top, 'etc', 'clouds.yaml');
      // clouds.yaml goes to /etc/openstack in production; here it goes under the temp dir.
      const steps = seedSteps(plan, report).map((s) =>
        s.id === 'seed:clouds-yaml' ? cloudsYamlStep(plan, report, cloudsPath) : s,
      );
      await catalogStep(plan).run(ctx);
      const order = await runSteps(steps, (s) => s.run(ctx));
      return { ctx, report, order };
    };

    const first = await once();
    expect(first.order.indexOf('seed:network')).toBeGreaterThan(first.order.indexOf('seed:accounts'));
    expect(first.report.images.map((i) => [i.name, i.status])).toEqual([
      ['tiny', 'uploaded'],
      ['cirros-0.6.3-x86_64-disk', 'failed'],
    ]);
    expect(imagesSeeded(first.report)).toBe(false);
    expect(first.ctx.notes.map((n) => n.kind)).toEqual(['incomplete']);
    expect(first.ctx.notes[0].message).toMatch(
      new RegExp(
        String.raw`^image cirros-0\.6\.3-x86_64-disk not seeded: cannot download .*; ` +
          String.raw`set IMAGE_URLS to a local file, a file:\/\/ URL or a mirror`,
      ),
    );
    expect(first.report.users).toContain('alt_demo_reader');
    expect(readFileSync(first.report.openrc!, 'utf8')).toContain('OS_USERNAME=${1:-demo}');
    expect(os.tokensIssued).toBe(1);
    const counts = {
      users: os.users.length,
      networks: os.networks.length,
      images: os.images.length,
      flavors: os.flavors.length,
      endpoints: os.endpoints.length,
    };
    expect(counts).toEqual({ users: 9, networks: 2, images: 1, flavors: 12, endpoints: 6 });

    const mark = os.requests.length;
    const second = await once();
    // The new run logs in once, and checks each existing user's password with a
    // login of that user (nova's, and the 7 accounts other than admin); nothing is written.
    expect(os.writes(mark).map((w) => `${w.method} ${w.path}`)).toEqual(Array(1 + 1 + 7).fill('POST /v3/auth/tokens'));
    expect(os.tokensIssued).toBe(1 + 9);
    expect({
      users: os.users.length,
      networks: os.networks.length,
      images: os.images.length,
      flavors: os.flavors.length,
      endpoints: os.endpoints.length,
    }).toEqual(counts);
    expect(second.report.images.map((i) => i.status)).toEqual(['present', 'failed']);
  });
});
