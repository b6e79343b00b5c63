// The images of IMAGE_URLS into glance, as public images named like
// devstack's (the file name without `.img`). Downloads are cached in
// files/images/; file:// URLs and plain paths are used in place. The format
// comes from `qemu-img info`, and the data is streamed to glance's v2 API.
//
// An image that cannot be fetched must not take the stack down: the default
// CirrOS URL is on GitHub, which many lab machines (this one included) cannot
// reach. The failure is reported fast, with the remedy, noted as `incomplete`
// (the summary says NOT DONE, the exit code is EXIT.partial) and recorded in
// the SeedReport.
//
// Except for CirrOS itself: with BUILD_TEST_IMAGE=auto (the default) a CirrOS
// that cannot be downloaded is handed to the next step, `seed:test-image`,
// which builds tstack's CirrOS-compatible image from Debian packages
// (lib/image/test-image.ts) and uploads that instead. BUILD_TEST_IMAGE=always
// skips the CirrOS download and uploads the built image; never is devstack's way.

import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import type { OpenStackClient } from '../types/openstack.ts';
import type { Plan, StackContext, Step } from '../types/stack.ts';
import type { Shell } from '../types/shell.ts';
import { mask } from '../util/secrets.ts';
import type { ImageOutcome, SeedReport } from './report.ts';
import { defaultImageUrl } from '../config/settings.ts';
import { ensureTestImage, TEST_IMAGE_NAME, GUEST_USER, GUEST_PASSWORD } from '../image/test-image.ts';

export const IMAGE_REMEDY = 'set IMAGE_URLS to a local file, a file:// URL or a mirror (in local.conf)';

/** Glance disk formats we can name from `qemu-img info`. */
export type DiskFormat = 'qcow2' | 'raw' | 'vmdk' | 'vdi' | 'vhd' | 'vhdx' | 'iso' | 'ploop';

export function parseImageUrls(value: string): string[] {
  return [
    ...new Set(
      value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
}

const STRIP = /\.(img|qcow2|raw|vmdk|vdi|vhd|vhdx|iso)$/i;
const COMPRESSED = /\.(gz|tgz|xz|bz2|zip|zst)$/i;

/** devstack's image name: the file name without its disk extension (`cirros-0.6.3-x86_64-disk`). */
export function imageNameFromUrl(url: string): string {
  const path = /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? new URL(url).pathname : url;
  return decodeURIComponent(basename(path)).replace(STRIP, '');
}

export type ImageSource = { kind: 'local'; path: string } | { kind: 'remote'; url: string; cachePath: string };

/** Where the image bytes come from: a local file, or a download cached under files/images/. */
export function imageSource(url: string, dirs: { filesDir: string; topDir: string }): ImageSource {
  if (url.startsWith('file://')) return { kind: 'local', path: fileURLToPath(url) };
  if (/^https?:\/\//i.test(url)) {
    return {
      kind: 'remote',
      url,
      cachePath: join(dirs.filesDir, 'images', decodeURIComponent(basename(new URL(url).pathname)) || 'image'),
    };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) throw new Error(`unsupported URL scheme in IMAGE_URLS: ${url}`);
  return { kind: 'local', path: isAbsolute(url) ? url : resolve(dirs.topDir, url) };
}

const MiB = 1024 * 1024;
export function formatProgress(name: string, bytes: number, total?: number): string {
  const mb = (n: number) => `${(n / MiB).toFixed(1)} MiB`;
  if (!total) return `${name}: ${mb(bytes)} downloaded`;
  return `${name}: ${mb(bytes)} of ${mb(total)} (${Math.floor((bytes / total) * 100)}%)`;
}

export interface DownloadOptions {
  /** Give up when no answer (headers) arrives within this time. */
  connectTimeoutMs?: number;
  /** Give up when the body stalls this long. */
  idleTimeoutMs?: number;
  /** Called with (bytes, total) at most every `progressEveryMs` and once at the end. */
  onProgress?: (bytes: number, total?: number) => void;
  progressEveryMs?: number;
  fetch?: typeof fetch;
}

/** Download `url` to `dest` (via dest.part, renamed when complete). */
export async function download(url: string, dest: string, opts: DownloadOptions = {}): Promise<number> {
  const doFetch = opts.fetch ?? globalThis.fetch;
  const ctrl = new AbortController();
  const connectMs = opts.connectTimeoutMs ?? 15_000;
  let timer = setTimeout(() => ctrl.abort(new Error(`no answer within ${connectMs / 1000}s`)), connectMs);
  let res: Response;
  try {
    res = await doFetch(url, { signal: ctrl.signal, redirect: 'follow' });
  } catch (err) {
    clearTimeout(timer);
    throw new Error(`cannot download ${url}: ${describeFetchError(err, ctrl.signal)}`);
  }
  clearTimeout(timer);
  if (!res.ok || !res.body) {
    await res.body?.cancel();
    throw new Error(`cannot download ${url}: HTTP ${res.status}`);
  }
  const total = Number(res.headers.get('content-length')) || undefined;
  await mkdir(join(dest, '..'), { recursive: true });
  const part = `${dest}.part`;
  const idleMs = opts.idleTimeoutMs ?? 60_000;
  const every = opts.progressEveryMs ?? 2000;
  let bytes = 0;
  let lastReport = Date.now();
  const resetIdle = () => {
    clearTimeout(timer);
    timer = setTimeout(() => ctrl.abort(new Error(`download stalled for ${idleMs / 1000}s`)), idleMs);
  };
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      resetIdle();
      if (opts.onProgress && Date.now() - lastReport >= every) {
        lastReport = Date.now();
        opts.onProgress(bytes, total);
      }
      cb(null, chunk);
    },
  });
  resetIdle();
  try {
    await pipeline(
      Readable.fromWeb(res.body as import('node:stream/web').ReadableStream),
      counter,
      createWriteStream(part),
    );
  } catch (err) {
    await rm(part, { force: true });
    throw new Error(`cannot download ${url}: ${describeFetchError(err, ctrl.signal)}`);
  } finally {
    clearTimeout(timer);
  }
  if (total !== undefined && bytes !== total) {
    await rm(part, { force: true });
    throw new Error(`cannot download ${url}: got ${bytes} of ${total} bytes`);
  }
  await rename(part, dest);
  opts.onProgress?.(bytes, total);
  return bytes;
}

function describeFetchError(err: unknown, signal: AbortSignal): string {
  if (signal.aborted) return signal.reason instanceof Error ? signal.reason.message : 'aborted';
  let e = err as { message?: string; code?: string; cause?: unknown } | undefined;
  const parts: string[] = [];
  for (let i = 0; e && i < 4; i++) {
    const text = e.code && !(e.message ?? '').includes(e.code) ? `${e.message ?? ''} (${e.code})` : e.message;
    if (text && !parts.includes(text)) parts.push(text);
    e = e.cause as typeof e;
  }
  return parts.join(': ') || String(err);
}

/**
 * The glance disk format for `qemu-img info --output=json` output (devstack keeps qcow2/raw/vdi/vmdk/vpc, else raw).
 */
export function diskFormatFromQemuInfo(json: string): DiskFormat {
  const info = JSON.parse(json) as { format?: string };
  switch (info.format) {
    case 'qcow2':
    case 'vmdk':
    case 'vdi':
    case 'vhdx':
    case 'raw':
      return info.format;
    case 'vpc': // qemu's name for VHD; glance calls it vhd
      return 'vhd';
    case 'parallels':
      return 'ploop';
    default:
      return 'raw';
  }
}

/** Format from the first bytes, for when qemu-img is not installed. */
export function diskFormatFromMagic(head: Buffer): DiskFormat {
  const at = (off: number, s: string) => head.subarray(off, off + s.length).toString('latin1') === s;
  if (at(0, 'QFI\xfb')) return 'qcow2';
  if (at(0, 'KDMV') || at(0, '# Disk DescriptorFile')) return 'vmdk';
  if (head.length >= 0x44 && head.readUInt32LE(0x40) === 0xbeda107f) return 'vdi';
  if (at(0, 'vhdxfile')) return 'vhdx';
  if (at(0, 'conectix')) return 'vhd';
  if (at(0x8001, 'CD001')) return 'iso';
  return 'raw';
}

export async function detectDiskFormat(sh: Shell, path: string): Promise<DiskFormat> {
  const r = await sh.run(['qemu-img', 'info', '--output=json', path], { allowFailure: true, timeoutSec: 60 });
  if (r.code === 0) return diskFormatFromQemuInfo(r.stdout);
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(0x8010);
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    return diskFormatFromMagic(head.subarray(0, bytesRead));
  } finally {
    await fh.close();
  }
}

interface GlanceImage {
  id: string;
  name: string;
  status: string;
  disk_format?: string;
}

/** Create the image in glance unless an active one has that name; returns whether data was uploaded. */
export async function ensureGlanceImage(
  client: OpenStackClient,
  image: { name: string; path: string; diskFormat: DiskFormat; properties?: Record<string, string> },
): Promise<{ id: string; uploaded: boolean }> {
  const found = (
    await client.get<{ images: GlanceImage[] }>('image', `/v2/images?${new URLSearchParams({ name: image.name })}`)
  ).images;
  const active = found.find((i) => i.status === 'active');
  if (active) return { id: active.id, uploaded: false };
  // A queued record is a create whose upload never happened (an interrupted run): fill it instead of adding a twin.
  let target = found.find((i) => i.status === 'queued');
  for (const dead of found.filter((i) => i.status === 'killed')) await client.delete('image', `/v2/images/${dead.id}`);
  if (!target) {
    const body = {
      name: image.name,
      disk_format: image.diskFormat,
      container_format: 'bare',
      visibility: 'public',
      ...image.properties,
    };
    target = await client.post<GlanceImage>('image', '/v2/images', body);
  }
  await client.put('image', `/v2/images/${target.id}/file`, createReadStream(image.path), {
    headers: { 'Content-Type': 'application/octet-stream' },
  });
  const after = await client.get<GlanceImage>('image', `/v2/images/${target.id}`);
  if (after.status !== 'active')
    throw new Error(`glance image ${image.name} (${target.id}) is '${after.status}' after upload, not active`);
  return { id: target.id, uploaded: true };
}

export interface SeedImageDeps {
  client: OpenStackClient;
  sh: Shell;
  log: (line: string) => void;
  /** Download progress (the step's progress line); the log when absent. */
  progress?: (line: string) => void;
  dirs: { filesDir: string; topDir: string };
  properties?: Record<string, string>;
  download?: DownloadOptions;
}

/** One IMAGE_URLS entry end to end. Never throws: the outcome says what happened. */
export async function seedImage(url: string, deps: SeedImageDeps): Promise<ImageOutcome> {
  let name = url;
  // Only a source that cannot be read is fixed by changing IMAGE_URLS; a glance failure is not.
  let stage: 'source' | 'glance' = 'source';
  try {
    name = imageNameFromUrl(url);
    if (COMPRESSED.test(name))
      throw new Error(
        `compressed images are not supported (${basename(name)}): decompress it and point IMAGE_URLS at the file`,
      );
    const src = imageSource(url, deps.dirs);
    let path: string;
    if (src.kind === 'local') {
      path = src.path;
      const st = await stat(path).catch(() => undefined);
      if (!st?.isFile()) throw new Error(`image file ${path} does not exist`);
    } else {
      path = src.cachePath;
      const cached = await stat(path).catch(() => undefined);
      if (cached?.isFile() && cached.size > 0) {
        deps.log(`${name}: using cached ${path}`);
      } else {
        deps.log(`${name}: downloading ${url}`);
        const show = deps.progress ?? deps.log;
        await download(url, path, { ...deps.download, onProgress: (b, t) => show(formatProgress(name, b, t)) });
      }
    }
    const diskFormat = await detectDiskFormat(deps.sh, path);
    stage = 'glance';
    const r = await ensureGlanceImage(deps.client, { name, path, diskFormat, properties: deps.properties });
    deps.log(`${name}: ${r.uploaded ? `uploaded as ${diskFormat}` : 'already in glance'} (${r.id})`);
    return { url, name, status: r.uploaded ? 'uploaded' : 'present', imageId: r.id, diskFormat };
  } catch (err) {
    const reason = mask(err instanceof Error ? err.message : String(err));
    return {
      url,
      name,
      status: 'failed',
      error: reason,
      remedy: stage === 'source' ? IMAGE_REMEDY : "see g-api's log (./stack.ts logs g-api)",
    };
  }
}

export type TestImageMode = 'auto' | 'always' | 'never';

/** What the images step leaves for the test-image step of the same run. */
export interface TestImageHandoff {
  mode: TestImageMode;
  /** The CirrOS URL devstack appends to IMAGE_URLS (DOWNLOAD_DEFAULT_IMAGES=True). */
  cirrosUrl?: string;
  /** CirrOS could not be read (auto mode): the test image replaces it. */
  cirrosFailure?: ImageOutcome;
}

export function testImageHandoff(plan: Plan): TestImageHandoff {
  const mode = plan.get('BUILD_TEST_IMAGE') as TestImageMode;
  const cirrosUrl = plan.bool('DOWNLOAD_DEFAULT_IMAGES') ? defaultImageUrl((n) => plan.get(n)) : undefined;
  return { mode, cirrosUrl };
}

/** Whether this run has a test-image step: asked for, or standing in for a CirrOS that may not download. */
export function wantsTestImageStep(h: TestImageHandoff): boolean {
  return h.mode === 'always' || (h.mode === 'auto' && h.cirrosUrl !== undefined);
}

function glanceProperties(plan: Plan): Record<string, string> {
  return plan.get('VIRT_DRIVER') === 'libvirt' ? { hw_rng_model: 'virtio' } : {};
}

export function imagesStep(plan: Plan, report: SeedReport, handoff: TestImageHandoff = { mode: 'never' }): Step {
  return {
    id: 'seed:images',
    title: 'images',
    async run(ctx: StackContext) {
      const urls = parseImageUrls(plan.get('IMAGE_URLS'));
      const properties = glanceProperties(plan);
      const client = await ctx.openstack();
      report.images = [];
      handoff.cirrosFailure = undefined;
      for (const url of urls) {
        const cirros = url === handoff.cirrosUrl;
        if (cirros && handoff.mode === 'always') {
          ctx.log.info(`${imageNameFromUrl(url)}: not downloaded (BUILD_TEST_IMAGE=always: the test image stands in)`);
          continue;
        }
        const outcome = await seedImage(url, {
          client,
          sh: ctx.sh,
          log: (l) => ctx.log.info(l),
          progress: ctx.progress,
          dirs: plan.dirs,
          properties,
        });
        if (outcome.status === 'failed' && cirros && handoff.mode === 'auto' && outcome.remedy === IMAGE_REMEDY) {
          ctx.log.info(`${outcome.name}: ${outcome.error}; the test image will stand in`);
          handoff.cirrosFailure = outcome;
          continue;
        }
        report.images.push(outcome);
        if (outcome.status === 'failed')
          ctx.note('incomplete', `image ${outcome.name} not seeded: ${outcome.error}; ${outcome.remedy}`);
      }
    },
  };
}

/** Build (or reuse) the test image and put it into glance. Never throws: the outcome says what happened. */
export async function seedTestImage(
  deps: Omit<SeedImageDeps, 'dirs' | 'download'> & { filesDir: string },
): Promise<ImageOutcome> {
  let stage: 'build' | 'glance' = 'build';
  let url = TEST_IMAGE_NAME;
  try {
    const img = await ensureTestImage({ filesDir: deps.filesDir, sh: deps.sh, log: deps.log });
    url = img.disk;
    stage = 'glance';
    const r = await ensureGlanceImage(deps.client, {
      name: img.name,
      path: img.disk,
      diskFormat: img.diskFormat,
      properties: { ...deps.properties, ...img.properties },
    });
    deps.log(`${img.name}: ${r.uploaded ? `uploaded as ${img.diskFormat}` : 'already in glance'} (${r.id})`);
    return {
      url,
      name: img.name,
      status: r.uploaded ? 'uploaded' : 'present',
      imageId: r.id,
      diskFormat: img.diskFormat,
    };
  } catch (err) {
    const reason = mask(err instanceof Error ? err.message : String(err));
    const remedy = stage === 'build' ? IMAGE_REMEDY : "see g-api's log (./stack.ts logs g-api)";
    return { url, name: TEST_IMAGE_NAME, status: 'failed', error: reason, remedy };
  }
}

export function testImageStep(plan: Plan, report: SeedReport, handoff: TestImageHandoff): Step {
  return {
    id: 'seed:test-image',
    title:
      handoff.mode === 'always'
        ? 'test image (CirrOS-compatible, built from Debian packages)'
        : 'test image (if CirrOS cannot be downloaded)',
    after: ['seed:images'],
    async run(ctx: StackContext) {
      const failure = handoff.cirrosFailure;
      if (handoff.mode === 'auto' && !failure) {
        ctx.log.info('not needed: CirrOS was seeded');
        return;
      }
      const why = failure ? `${failure.name} could not be downloaded (${failure.error})` : 'BUILD_TEST_IMAGE=always';
      ctx.log.info(`${why}: building tstack's CirrOS-compatible test image from Debian packages`);
      const client = await ctx.openstack();
      const outcome = await seedTestImage({
        client,
        sh: ctx.sh,
        log: (l) => ctx.log.info(l),
        filesDir: plan.dirs.filesDir,
        properties: glanceProperties(plan),
      });
      report.images.push(outcome);
      if (outcome.status === 'failed') {
        ctx.note(
          'incomplete',
          `image ${outcome.name} not seeded: ${failure ? `${why}, and ` : ''}the test image failed: ` +
            `${outcome.error}; ${outcome.remedy}`,
        );
      } else if (failure) {
        ctx.note(
          'info',
          `${why}: the default image is ${outcome.name}, built from Debian packages ` +
            `(login ${GUEST_USER} / ${GUEST_PASSWORD})`,
        );
      }
    },
  };
}
