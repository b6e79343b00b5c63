// The test image standing in for CirrOS during seeding, into the fake glance:
// with BUILD_TEST_IMAGE=auto only when CirrOS cannot be downloaded (a local
// server answers 404 in place of GitHub), with always without trying, and a
// build that cannot get its packages is reported with what to do. Builds for
// real, from the repo's files/images cache (apt-get download when it is empty).

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { RestClient } from '../../../lib/openstack/rest.ts';
import { TEST_IMAGE_NAME, ensureTestImage } from '../../../lib/image/test-image.ts';
import {
  IMAGE_REMEDY,
  imagesStep,
  seedTestImage,
  testImageHandoff,
  testImageStep,
  wantsTestImageStep,
} from '../../../lib/seed/images.ts';
import { cloudsYamlInput } from '../../../lib/seed/clouds-yaml.ts';
import { createSeedReport, imagesSeeded } from '../../../lib/seed/report.ts';
import { SystemShell } from '../../../lib/system/exec.ts';
import type { RunOptions, RunResult, Shell } from '../../../lib/types/shell.ts';
import { clearSecrets } from '../../../lib/util/secrets.ts';
import { FakeOpenStack } from '../../unit/seed/fake-openstack.ts';
import { fakePlan, recordingContext } from '../../unit/seed/fixtures.ts';

const repoFiles = resolve(import.meta.dirname, '../../../files');
// The plans are resolved for real: without this, IMAGE_URLS would get GitHub's CirrOS URL appended. The
// local server's URL plays CirrOS instead (passed as the handoff's cirrosUrl).
const noGithub = { DOWNLOAD_DEFAULT_IMAGES: 'False' };
const sh = new SystemShell();

describe('the test image in seeding', () => {
  let os: FakeOpenStack;
  let client: RestClient;
  let http: Server;
  let cirrosUrl: string;
  beforeEach(async () => {
    os = new FakeOpenStack();
    await os.start();
    client = await RestClient.login({
      authUrl: os.authUrl,
      username: 'admin',
      password: os.adminPassword,
      projectName: 'admin',
      region: 'RegionOne',
    });
    http = createServer((_req, res) => {
      res.writeHead(404);
      res.end('no');
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
    cirrosUrl = `http://127.0.0.1:${(http.address() as { port: number }).port}/cirros-0.6.3-x86_64-disk.img`;
  });
  afterEach(async () => {
    await os.stop();
    http.closeAllConnections();
    await new Promise<void>((r) => http.close(() => r()));
    clearSecrets();
  });

  it('chooses the steps from BUILD_TEST_IMAGE and DOWNLOAD_DEFAULT_IMAGES', () => {
    const h = (v: Record<string, string>) => testImageHandoff(fakePlan(v));
    expect(h({}).mode).toBe('auto');
    expect(h({}).cirrosUrl).toMatch(/cirros-dev\/cirros\/releases\/download\/.*-disk\.img$/);
    expect(wantsTestImageStep(h({}))).toBe(true);
    expect(wantsTestImageStep(h({ DOWNLOAD_DEFAULT_IMAGES: 'False' }))).toBe(false);
    expect(wantsTestImageStep(h({ DOWNLOAD_DEFAULT_IMAGES: 'False', BUILD_TEST_IMAGE: 'always' }))).toBe(true);
    expect(wantsTestImageStep(h({ BUILD_TEST_IMAGE: 'never' }))).toBe(false);
  });

  it('auto: CirrOS cannot be downloaded -> the built image is uploaded instead, the run is complete', async () => {
    const img = await ensureTestImage({ filesDir: repoFiles, sh });
    const plan = fakePlan({ ...noGithub, IMAGE_URLS: cirrosUrl, VIRT_DRIVER: 'libvirt' }, { filesDir: repoFiles });
    const report = createSeedReport();
    const handoff = { mode: 'auto' as const, cirrosUrl };
    const ctx = recordingContext(plan, async () => client, sh);
    await imagesStep(plan, report, handoff).run(ctx);
    expect(report.images).toEqual([]);
    expect(handoff).toMatchObject({
      cirrosFailure: { name: 'cirros-0.6.3-x86_64-disk', error: `cannot download ${cirrosUrl}: HTTP 404` },
    });
    await testImageStep(plan, report, handoff).run(ctx);
    expect(report.images).toEqual([
      { url: img.disk, name: TEST_IMAGE_NAME, status: 'uploaded', imageId: expect.any(String), diskFormat: 'qcow2' },
    ]);
    expect(imagesSeeded(report)).toBe(true);
    expect(ctx.notes).toEqual([
      {
        kind: 'info',
        message:
          `cirros-0.6.3-x86_64-disk could not be downloaded (cannot download ${cirrosUrl}: HTTP 404): ` +
          `the default image is ${TEST_IMAGE_NAME}, built from Debian packages (login cirros / gocubsgo)`,
      },
    ]);
    const create = os.requests.find((r) => r.service === 'image' && r.method === 'POST')!;
    expect(create.body).toEqual({
      name: TEST_IMAGE_NAME,
      disk_format: 'qcow2',
      container_format: 'bare',
      visibility: 'public',
      hw_rng_model: 'virtio',
      tstack_built_from: `linux-image-${img.kernelRelease} busybox-static dropbear-bin`,
    });
    expect(os.requests.find((r) => r.method === 'PUT')!.bytes).toBe(statSync(img.disk).size);
    expect(cloudsYamlInput(plan, report).defaultImageName).toBe(TEST_IMAGE_NAME);
  }, 300_000);

  it('auto: nothing to do when CirrOS was seeded; always: CirrOS is not even tried', async () => {
    const plan = fakePlan({ ...noGithub, IMAGE_URLS: cirrosUrl }, { filesDir: repoFiles });
    const ctx = recordingContext(plan, async () => client, sh);
    const report = createSeedReport();
    await testImageStep(plan, report, { mode: 'auto', cirrosUrl }).run(ctx);
    expect(ctx.lines).toEqual(['not needed: CirrOS was seeded']);
    expect(os.requests.filter((r) => r.service === 'image')).toEqual([]);

    const always = { mode: 'always' as const, cirrosUrl };
    await imagesStep(plan, report, always).run(ctx);
    expect(ctx.lines).toContain(
      'cirros-0.6.3-x86_64-disk: not downloaded (BUILD_TEST_IMAGE=always: the test image stands in)',
    );
    await testImageStep(plan, report, always).run(ctx);
    expect(report.images.map((i) => [i.name, i.status])).toEqual([[TEST_IMAGE_NAME, 'uploaded']]);
    expect(ctx.notes).toEqual([]);
  }, 300_000);

  it('offline without cached packages: not seeded, with both reasons and what to do', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'tstack-files-'));
    try {
      // apt and dpkg are there, the archive is not
      const offline: Shell = {
        async run(argv: string[], _o?: RunOptions): Promise<RunResult> {
          if (argv[1] === '--version') return { code: 0, stdout: `${argv[0]} 1.0`, stderr: '' };
          if (argv[0] === 'apt-cache')
            return {
              code: 0,
              stdout: 'linux-image-cloud-amd64\n  Depends: linux-image-6.1.0-50-cloud-amd64\n',
              stderr: '',
            };
          return {
            code: 100,
            stdout: '',
            stderr: "E: Failed to fetch http://deb.debian.org/x.deb  Temporary failure resolving 'deb.debian.org'",
          };
        },
      };
      const plan = fakePlan({ ...noGithub, IMAGE_URLS: cirrosUrl }, { filesDir: empty });
      const ctx = recordingContext(plan, async () => client, offline);
      const report = createSeedReport();
      const handoff = { mode: 'auto' as const, cirrosUrl };
      await imagesStep(plan, report, handoff).run(ctx);
      await testImageStep(plan, report, handoff).run(ctx);
      expect(imagesSeeded(report)).toBe(false);
      expect(ctx.notes).toHaveLength(1);
      const note = ctx.notes[0];
      expect(note.kind).toBe('incomplete');
      expect(note.message).toContain(
        `image ${TEST_IMAGE_NAME} not seeded: cirros-0.6.3-x86_64-disk could not be downloaded ` +
          `(cannot download ${cirrosUrl}: HTTP 404), and the test image failed: ` +
          'cannot download the packages the test image is built from',
      );
      expect(note.message).toContain(`the .debs are then cached in ${join(empty, 'images/tstack-test-image/debs')}`);
      expect(note.message.endsWith(IMAGE_REMEDY)).toBe(true);
      const direct = await seedTestImage({ client, sh: offline, log: () => {}, filesDir: empty });
      expect(direct).toMatchObject({ status: 'failed', name: TEST_IMAGE_NAME, remedy: IMAGE_REMEDY });
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
