// Progress output as library code sees it; lib/util/logger.ts (plain lines) and
// the phase reporters (listr2) implement it.

export interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
  /** Detail that goes to the log file but not the console. */
  debug(msg: string): void;
}
