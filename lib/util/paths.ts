import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, where stack.ts, local.conf and files/ live (devstack's TOP_DIR). */
export const TOP_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
