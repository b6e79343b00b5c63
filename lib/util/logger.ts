// Progress output. The phase runner picks listr2 on a TTY or plain timestamped
// lines headless; library code only sees this interface.

import { mask } from './secrets.ts';
import type { Logger } from '../types/logger.ts';

/** Headless logger: `HH:MM:SS message` lines on stderr/stdout, masked. */
export class PlainLogger implements Logger {
  constructor(
    private readonly out: NodeJS.WritableStream = process.stdout,
    private readonly sink?: (line: string) => void,
  ) {}
  private line(prefix: string, msg: string): void {
    const t = new Date().toISOString().slice(11, 19);
    const text = mask(`${t} ${prefix}${msg}`);
    this.out.write(text + '\n');
    this.sink?.(text);
  }
  info(msg: string): void {
    this.line('', msg);
  }
  warn(msg: string): void {
    this.line('WARNING: ', msg);
  }
  debug(msg: string): void {
    this.sink?.(mask(msg));
  }
}
