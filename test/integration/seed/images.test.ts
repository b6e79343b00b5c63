// Images: format detection with the real qemu-img on files it creates,
// downloads from a local HTTP server, and uploads into the fake glance.

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RestClient } from '../../../lib/openstack/rest.ts';
import {
  IMAGE_REMEDY,
  detectDiskFormat,
  diskFormatFromMagic,
  diskFormatFromQemuInfo,
  formatProgress,
  imageNameFromUrl,
  imageSource,
  imagesStep,
  parseImageUrls,
  seedImage,
} from '../../../lib/seed/images.ts';
import { createSeedReport, imagesSeeded } from '../../../lib/seed/report.ts';
import { SystemShell } from '../../../lib/system/exec.ts';
import { clearSecrets } from '../../../lib/util/secrets.ts';
import { FakeOpenStack } from '../../unit/seed/fake-openstack.ts';
import { fakePlan, recordingContext } from '../../unit/seed/fixtures.ts';

const sh = new SystemShell();
let dir: string;
const qemuImg = (...args: string[]) => execFileSync('qemu-img', args, { stdio: 'pipe' });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tstack-images-'));
  qemuImg('create', '-f', 'qcow2', join(dir, 'tiny.qcow2.img'), '64M');
  qemuImg('create', '-f', 'raw', join(dir, 'plain.img'), '1M');
  qemuImg('create', '-f', 'vpc', join(dir, 'disk.vhd'), '8M');
  qemuImg('create', '-f', 'vdi', join(dir, 'disk.vdi'), '8M');
  qemuImg('create', '-f', 'vmdk', join(dir, 'disk.vmdk'), '8M');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('format detection', () => {
  it('reads the format from qemu-img info on real files', async () => {
    expect(await detectDiskFormat(sh, join(dir, 'tiny.qcow2.img'))).toBe('qcow2');
    expect(await detectDiskFormat(sh, join(dir, 'plain.img'))).toBe('raw');
    expect(await detectDiskFormat(sh, join(dir, 'disk.vhd'))).toBe('vhd');
    expect(await detectDiskFormat(sh, join(dir, 'disk.vdi'))).toBe('vdi');
    expect(await detectDiskFormat(sh, join(dir, 'disk.vmdk'))).toBe('vmdk');
  });

  it('maps qemu-img JSON to glance disk formats', () => {
    expect(diskFormatFromQemuInfo('{"virtual-size": 1, "filename": "x", "format": "vpc"}')).toBe('vhd');
    expect(diskFormatFromQemuInfo('{"format": "vhdx"}')).toBe('vhdx');
    expect(diskFormatFromQemuInfo('{"format": "luks"}')).toBe('raw');
  });

  it('falls back to magic bytes when qemu-img is missing, agreeing with qemu-img', async () => {
    const noQemu = { run: async () => ({ code: 127, stdout: '', stderr: 'qemu-img: not found' }) };
    for (const [file, fmt] of [
      ['tiny.qcow2.img', 'qcow2'],
      ['plain.img', 'raw'],
      ['disk.vhd', 'vhd'],
      ['disk.vdi', 'vdi'],
      ['disk.vmdk', 'vmdk'],
    ] as const) {
      expect(await detectDiskFormat(noQemu, join(dir, file))).toBe(fmt);
      expect(diskFormatFromMagic(readFileSync(join(dir, file)).subarray(0, 0x8010))).toBe(fmt);
    }
  });
});

describe('names and sources', () => {
  it('names images like devstack (file name without .img)', () => {
    expect(
      imageNameFromUrl('https://github.com/cirros-dev/cirros/releases/download/0.6.3/cirros-0.6.3-x86_64-disk.img'),
    ).toBe('cirros-0.6.3-x86_64-disk');
    expect(imageNameFromUrl('file:///srv/images/my%20disk.qcow2')).toBe('my disk');
    expect(imageNameFromUrl('/srv/images/fedora.raw')).toBe('fedora');
    expect(parseImageUrls(' a.img, ,b.img,a.img ')).toEqual(['a.img', 'b.img']);
  });

  it('caches downloads under files/images and uses local paths in place', () => {
    const dirs = { filesDir: '/repo/files', topDir: '/repo' };
    expect(imageSource('http://mirror/x/cirros.img', dirs)).toEqual({
      kind: 'remote',
      url: 'http://mirror/x/cirros.img',
      cachePath: '/repo/files/images/cirros.img',
    });
    expect(imageSource('file:///srv/a.img', dirs)).toEqual({ kind: 'local', path: '/srv/a.img' });
    expect(imageSource('images/a.img', dirs)).toEqual({ kind: 'local', path: '/repo/images/a.img' });
    expect(() => imageSource('ftp://h/a.img', dirs)).toThrow(/unsupported URL scheme/);
    expect(formatProgress('c', 5 * 1048576, 20 * 1048576)).toBe('c: 5.0 MiB of 20.0 MiB (25%)');
    expect(formatProgress('c', 1048576)).toBe('c: 1.0 MiB downloaded');
  });
});

describe('seeding images into the fake glance', () => {
  let os: FakeOpenStack;
  let client: RestClient;
  let http: Server;
  let httpBase: string;
  let served = 0;
  let filesDir: string;
  beforeEach(async () => {
    os = new FakeOpenStack();
    await os.start();
    client = await os.adminClient();
    filesDir = mkdtempSync(join(tmpdir(), 'tstack-files-'));
    served = 0;
    http = createServer((req, res) => {
      if (req.url === '/cirros-test.img') {
        served++;
        const data = readFileSync(join(dir, 'tiny.qcow2.img'));
        res.writeHead(200, { 'Content-Length': String(data.length) });
        res.end(data);
      } else {
        res.writeHead(404);
        res.end('no');
      }
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
    httpBase = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
  });
  afterEach(async () => {
    await os.stop();
    http.closeAllConnections();
    await new Promise<void>((r) => http.close(() => r()));
    rmSync(filesDir, { recursive: true, force: true });
    clearSecrets();
  });

  const deps = (lines: string[]) => ({
    client,
    sh,
    log: (l: string) => lines.push(l),
    dirs: { filesDir, topDir: dir },
  });

  it(
    'downloads with progress, caches, detects qcow2, streams it to glance; a re-run neither downloads nor ' + 'writes',
    async () => {
      const lines: string[] = [];
      const size = statSync(join(dir, 'tiny.qcow2.img')).size;
      const out = await seedImage(`${httpBase}/cirros-test.img`, deps(lines));
      expect(out).toMatchObject({ name: 'cirros-test', status: 'uploaded', diskFormat: 'qcow2' });
      expect(statSync(join(filesDir, 'images', 'cirros-test.img')).size).toBe(size);
      expect(existsSync(join(filesDir, 'images', 'cirros-test.img.part'))).toBe(false);
      expect(lines).toContain(
        `cirros-test: ${(size / 1048576).toFixed(1)} MiB of ${(size / 1048576).toFixed(1)} MiB (100%)`,
      );
      const create = os.requests.find((r) => r.service === 'image' && r.method === 'POST')!;
      expect(create.body).toEqual({
        name: 'cirros-test',
        disk_format: 'qcow2',
        container_format: 'bare',
        visibility: 'public',
      });
      const upload = os.requests.find((r) => r.method === 'PUT')!;
      expect(upload.path).toBe(`/v2/images/${out.imageId}/file`);
      expect(upload.headers['content-type']).toBe('application/octet-stream');
      expect(upload.bytes).toBe(size);
      expect(os.images[0].status).toBe('active');

      // with a progress callback (the step's progress line), the byte counts go there instead of the log
      const progress: string[] = [];
      const logged: string[] = [];
      rmSync(join(filesDir, 'images', 'cirros-test.img'));
      await seedImage(`${httpBase}/cirros-test.img`, { ...deps(logged), progress: (l) => progress.push(l) });
      expect(progress.at(-1)).toMatch(/^cirros-test: [\d.]+ MiB of [\d.]+ MiB \(100%\)$/);
      expect(logged.some((l) => l.includes('MiB of'))).toBe(false);

      const mark = os.requests.length;
      const again = await seedImage(`${httpBase}/cirros-test.img`, deps(lines));
      expect(again).toMatchObject({ status: 'present', imageId: out.imageId });
      expect(served).toBe(2); // the first download and the one after the cache was removed; not this re-run
      expect(os.writes(mark)).toEqual([]);
      expect(os.tokensIssued).toBe(1);
    },
  );

  it('uploads a local path and a file:// URL in place, as raw', async () => {
    const a = await seedImage(join(dir, 'plain.img'), deps([]));
    expect(a).toMatchObject({ name: 'plain', status: 'uploaded', diskFormat: 'raw' });
    os.images = [];
    const b = await seedImage(pathToFileURL(join(dir, 'plain.img')).href, deps([]));
    expect(b).toMatchObject({ name: 'plain', status: 'uploaded', diskFormat: 'raw' });
    expect(os.requests.filter((r) => r.method === 'PUT').map((r) => r.bytes)).toEqual([1048576, 1048576]);
  });

  it('fills a queued image left by an interrupted run instead of creating a twin', async () => {
    os.images.push({ id: 'q1', name: 'plain', status: 'queued', disk_format: 'raw' });
    const out = await seedImage(join(dir, 'plain.img'), deps([]));
    expect(out).toMatchObject({ status: 'uploaded', imageId: 'q1' });
    expect(os.images.length).toBe(1);
    expect(os.requests.some((r) => r.service === 'image' && r.method === 'POST')).toBe(false);
  });

  it('fails fast with the remedy when the server does not answer', async () => {
    const sockets: Socket[] = [];
    const silent = createTcpServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(silent.address() as { port: number }).port}/cirros-0.6.3-x86_64-disk.img`;
    const t0 = Date.now();
    const out = await seedImage(url, { ...deps([]), download: { connectTimeoutMs: 500 } });
    const took = Date.now() - t0;
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => silent.close(() => r()));
    expect(out).toMatchObject({ name: 'cirros-0.6.3-x86_64-disk', status: 'failed', remedy: IMAGE_REMEDY });
    expect(out.error).toBe(`cannot download ${url}: no answer within 0.5s`);
    expect(took).toBeLessThan(3000);
    expect(existsSync(join(filesDir, 'images', 'cirros-0.6.3-x86_64-disk.img'))).toBe(false);
    expect(os.images).toEqual([]);
  });

  it('reports a 404 and a missing local file as not seeded', async () => {
    const a = await seedImage(`${httpBase}/missing.img`, deps([]));
    expect(a.error).toBe(`cannot download ${httpBase}/missing.img: HTTP 404`);
    const b = await seedImage('/nonexistent/x.img', deps([]));
    expect(b.error).toBe('image file /nonexistent/x.img does not exist');
  });

  it('the step notes a warning, records the failure and still seeds the other images', async () => {
    const bad = `${httpBase}/missing.img`;
    const plan = fakePlan(
      { IMAGE_URLS: `${join(dir, 'plain.img')},${bad}`, DOWNLOAD_DEFAULT_IMAGES: 'False' },
      { filesDir, topDir: dir },
    );
    const report = createSeedReport();
    const ctx = recordingContext(plan, async () => client, sh);
    await imagesStep(plan, report).run(ctx);
    expect(report.images.map((i) => [i.name, i.status])).toEqual([
      ['plain', 'uploaded'],
      ['missing', 'failed'],
    ]);
    expect(imagesSeeded(report)).toBe(false);
    expect(ctx.notes).toEqual([
      { kind: 'incomplete', message: `image missing not seeded: cannot download ${bad}: HTTP 404; ${IMAGE_REMEDY}` },
    ]);
  });
});
