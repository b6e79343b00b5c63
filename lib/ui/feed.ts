// Feeds the TUI's rings from the pane log files: one LogFollower per pane
// reads only new bytes on each poll, lines go to the pane's ring and to the
// merged ring with a `pane | ` prefix. Memory is bounded by the ring sizes
// and the per-poll read cap, whatever the services print.

import { LogFollower } from '../proc/logfile.ts';
import { LogRing } from './log-ring.ts';
import { cleanLine } from './text.ts';

export interface FeedOptions {
  /** Lines kept per pane. */
  paneLines?: number;
  /** Lines kept in the merged view. */
  mergedLines?: number;
  /** How much of each existing log to load on attach. */
  backlogBytes?: number;
  /** At most this much is read per pane per poll; a faster pane skips ahead to its live tail. */
  maxBytesPerPoll?: number;
}

export class LogFeed {
  readonly rings = new Map<string, LogRing>();
  readonly merged: LogRing;
  private readonly followers = new Map<string, LogFollower>();
  private width = 0;

  constructor(private readonly opts: FeedOptions = {}) {
    this.merged = new LogRing(opts.mergedLines ?? 10_000);
  }

  /** Make sure every pane has a follower on its current log file. */
  sync(panes: { name: string; logFile: string }[]): void {
    for (const p of panes) {
      this.width = Math.max(this.width, p.name.length);
      const f = this.followers.get(p.name);
      if (f && f.file === p.logFile) continue;
      this.followers.set(
        p.name,
        new LogFollower(p.logFile, {
          fromEnd: true,
          backlogBytes: this.opts.backlogBytes ?? 256 * 1024,
          maxBytesPerRead: this.opts.maxBytesPerPoll ?? 512 * 1024,
        }),
      );
      if (!this.rings.has(p.name)) this.rings.set(p.name, new LogRing(this.opts.paneLines ?? 5000));
    }
  }

  ring(name: string): LogRing | undefined {
    return this.rings.get(name);
  }

  /** Read what was appended since the last poll; returns the panes that got lines. */
  poll(): Set<string> {
    const changed = new Set<string>();
    for (const [name, follower] of this.followers) {
      const chunk = follower.read();
      const ring = this.rings.get(name)!;
      const notes: string[] = [];
      if (chunk.truncated) notes.push('--- log truncated ---');
      if (chunk.skippedBytes)
        notes.push(`--- ${chunk.skippedBytes} bytes skipped (pane writes faster than the view reads) ---`);
      if (!notes.length && !chunk.lines.length) continue;
      changed.add(name);
      const prefix = `${name.padEnd(this.width)} | `;
      for (const raw of [...notes, ...chunk.lines]) {
        const line = cleanLine(raw);
        ring.push(line);
        this.merged.push(prefix + line);
      }
    }
    return changed;
  }
}
