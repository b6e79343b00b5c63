// What seeding produced, for the end-of-run summary and the exit code.
// The lead's summary reads it after the `extra` phase: any image with
// status 'failed' means "the stack is up but not fully seeded" (EXIT.partial).

export interface ImageOutcome {
  /** The IMAGE_URLS entry as written. */
  url: string;
  /** The glance image name (file name without `.img`). */
  name: string;
  /** uploaded: created now; present: an active image of that name existed; failed: not seeded. */
  status: 'uploaded' | 'present' | 'failed';
  imageId?: string;
  diskFormat?: string;
  /** Why it failed (masked). */
  error?: string;
  /** What the user can do about it. */
  remedy?: string;
}

export interface SeedReport {
  images: ImageOutcome[];
  /** Where clouds.yaml was written. */
  cloudsYaml?: string;
  /** Where openrc was written. */
  openrc?: string;
  /** The seeded user names (all with ADMIN_PASSWORD). */
  users: string[];
}

export function createSeedReport(): SeedReport {
  return { images: [], users: [] };
}

/** True when every IMAGE_URLS entry ended up in glance. */
export function imagesSeeded(report: SeedReport): boolean {
  return report.images.every((i) => i.status !== 'failed');
}
