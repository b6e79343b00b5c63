// The record of finished steps ($SERVICE_DIR/steps.json), which is what makes
// a re-run resume: a step whose fingerprint is unchanged is not redone.

import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

interface Entry {
  fingerprint: string;
  finishedAt: string;
  ms: number;
}

export class StepJournal {
  private entries: Record<string, Entry> = {};

  constructor(readonly file: string) {
    if (existsSync(file)) {
      try {
        this.entries = JSON.parse(readFileSync(file, 'utf8')) as Record<string, Entry>;
      } catch {
        // A torn or hand-edited journal only costs redoing work; never fail on it.
        this.entries = {};
      }
    }
  }

  isDone(id: string, fingerprint: string): boolean {
    return this.entries[id]?.fingerprint === fingerprint;
  }

  markDone(id: string, fingerprint: string, ms: number): void {
    this.entries[id] = { fingerprint, finishedAt: new Date().toISOString(), ms };
    this.save();
  }

  forget(id: string): void {
    delete this.entries[id];
    this.save();
  }

  ids(): string[] {
    return Object.keys(this.entries);
  }

  private save(): void {
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.entries, null, 2) + '\n');
    renameSync(tmp, this.file);
  }
}
