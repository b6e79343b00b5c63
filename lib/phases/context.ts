// The StackContext handed to every step: the plan plus the few doors to the
// system (shell, files, REST client), and a place to leave notes for the summary.

import type { Plan, StackContext } from '../types/stack.ts';
import type { NoteKind } from '../types/step.ts';
import type { Shell } from '../types/shell.ts';
import { writeFileIfChanged } from '../system/files.ts';
import type { Logger } from '../types/logger.ts';
import type { OpenStackClient } from '../types/openstack.ts';

export interface Note {
  kind: NoteKind;
  message: string;
}

export function createContext(opts: {
  plan: Plan;
  sh: Shell;
  log: Logger;
  force: boolean;
  openstack: () => Promise<OpenStackClient>;
}): StackContext & { notes: Note[] } {
  const notes: Note[] = [];
  let client: Promise<OpenStackClient> | undefined;
  return {
    plan: opts.plan,
    sh: opts.sh,
    log: opts.log,
    force: opts.force,
    notes,
    async writeFile(path, content, o) {
      return writeFileIfChanged(path, content, o);
    },
    openstack() {
      // One client (one token) for the whole run; a failed login is retried next call.
      client ??= opts.openstack().catch((e) => {
        client = undefined;
        throw e;
      });
      return client;
    },
    note(kind, message) {
      notes.push({ kind, message });
      if (kind !== 'info') opts.log.warn(message);
      else opts.log.info(message);
    },
  };
}
