// Fixed-capacity line buffer with absolute line numbers: O(1) append, and a
// view can stay anchored on line N while newer lines push older ones out.
// No blessed here, so it is unit-testable and cheap.

export class LogRing {
  private readonly buf: string[];
  private start = 0;
  private size = 0;
  /** Lines ever pushed; the newest line is number total-1. */
  total = 0;

  constructor(readonly capacity = 5000) {
    this.buf = new Array<string>(capacity);
  }

  push(line: string): void {
    this.buf[(this.start + this.size) % this.capacity] = line;
    if (this.size < this.capacity) this.size++;
    else this.start = (this.start + 1) % this.capacity;
    this.total++;
  }

  /** Absolute number of the oldest line still held. */
  get first(): number {
    return this.total - this.size;
  }

  get length(): number {
    return this.size;
  }

  /** Line by absolute number, undefined when dropped or not yet written. */
  get(abs: number): string | undefined {
    if (abs < this.first || abs >= this.total) return undefined;
    return this.buf[(this.start + (abs - this.first)) % this.capacity];
  }

  /** Lines [from, to) by absolute number, clamped to what is held. */
  range(from: number, to: number): string[] {
    const out: string[] = [];
    for (let i = Math.max(from, this.first); i < Math.min(to, this.total); i++) out.push(this.get(i)!);
    return out;
  }

  /** The newest absolute line number at or before `from` (going back) whose text passes `test`. */
  findBack(from: number, test: (line: string) => boolean): number | undefined {
    for (let i = Math.min(from, this.total - 1); i >= this.first; i--) if (test(this.get(i)!)) return i;
    return undefined;
  }

  findForward(from: number, test: (line: string) => boolean): number | undefined {
    for (let i = Math.max(from, this.first); i < this.total; i++) if (test(this.get(i)!)) return i;
    return undefined;
  }
}
