// Reading pane logs: the last N lines (for errors and `logs -n`), and a
// follower that reads only the bytes appended since the last call (for
// `logs -f` and the TUI). Followers read by offset instead of keeping a
// stream open, so a log that is truncated or replaced is noticed.

import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';

/** The last `n` lines of `file`, or of its first `end` bytes when given (where a follower starts). */
export function readLastLines(file: string, n: number, maxBytes = 1024 * 1024, end?: number): string[] {
  if (n <= 0) return [];
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return [];
  }
  try {
    const size = Math.min(fstatSync(fd).size, end ?? Number.POSITIVE_INFINITY);
    let start = size;
    let text = '';
    // Read backwards in chunks until we have n newlines or hit the cap.
    while (start > 0 && size - start < maxBytes) {
      const len = Math.min(64 * 1024, start);
      start -= len;
      const buf = Buffer.alloc(len);
      readSync(fd, buf, 0, len, start);
      text = buf.toString('utf8') + text;
      if (text.split('\n').length > n + 1) break;
    }
    const lines = text.split('\n');
    if (lines.at(-1) === '') lines.pop();
    return lines.slice(-n);
  } finally {
    closeSync(fd);
  }
}

export interface FollowChunk {
  lines: string[];
  /** Set when the file shrank or was replaced since the last read (the reader started over). */
  truncated: boolean;
  /** Bytes skipped because more was pending than `maxBytesPerRead` (the reader jumps to the newest data). */
  skippedBytes: number;
}

/**
 * Incremental line reader over a file that grows. `read()` returns the
 * complete lines appended since the previous call. At most
 * `maxBytesPerRead` are read per call: when a pane writes faster than we
 * read, older pending bytes are skipped so the view stays at the live tail
 * and the work per call stays bounded.
 */
export class LogFollower {
  private offset: number;
  private ino = -1;
  private partial = '';
  private readonly maxBytesPerRead: number;
  private skipFirstLine: boolean;

  constructor(
    readonly file: string,
    opts: { fromEnd?: boolean; backlogBytes?: number; maxBytesPerRead?: number } = {},
  ) {
    this.maxBytesPerRead = opts.maxBytesPerRead ?? 1024 * 1024;
    let size = 0;
    try {
      const st = statSync(file);
      size = st.size;
      this.ino = st.ino;
    } catch {
      /* not created yet */
    }
    const backlog = opts.backlogBytes ?? 0;
    this.offset = opts.fromEnd ? Math.max(0, size - backlog) : 0;
    // Starting mid-line: drop that first, partial, line.
    this.skipFirstLine = this.offset > 0 && !afterNewline(file, this.offset);
  }

  /** The byte offset the next read starts at. */
  get position(): number {
    return this.offset;
  }

  read(): FollowChunk {
    const out: FollowChunk = { lines: [], truncated: false, skippedBytes: 0 };
    let fd: number;
    try {
      fd = openSync(this.file, 'r');
    } catch {
      return out;
    }
    try {
      const st = fstatSync(fd);
      if (st.ino !== this.ino || st.size < this.offset) {
        if (this.ino !== -1) out.truncated = true;
        this.ino = st.ino;
        this.offset = 0;
        this.partial = '';
        this.skipFirstLine = false;
      }
      let pending = st.size - this.offset;
      if (pending <= 0) return out;
      if (pending > this.maxBytesPerRead) {
        out.skippedBytes = pending - this.maxBytesPerRead;
        this.offset += out.skippedBytes;
        pending = this.maxBytesPerRead;
        this.partial = '';
        this.skipFirstLine = !afterNewline(this.file, this.offset);
      }
      const buf = Buffer.alloc(pending);
      const n = readSync(fd, buf, 0, pending, this.offset);
      this.offset += n;
      const parts = (this.partial + buf.toString('utf8', 0, n)).split('\n');
      this.partial = parts.pop() ?? '';
      if (this.skipFirstLine && parts.length) {
        parts.shift();
        this.skipFirstLine = false;
      }
      out.lines = parts;
      return out;
    } finally {
      closeSync(fd);
    }
  }
}

/** True when the byte before `offset` is a newline, i.e. `offset` starts a line. */
function afterNewline(file: string, offset: number): boolean {
  if (offset === 0) return true;
  try {
    const fd = openSync(file, 'r');
    try {
      const b = Buffer.alloc(1);
      return readSync(fd, b, 0, 1, offset - 1) === 1 && b[0] === 0x0a;
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}
