// An in-memory terminal for driving the TUI without a TTY (tests, bench):
// blessed reads output.columns/rows/isTTY and calls input.setRawMode().

import { PassThrough, Writable } from 'node:stream';

export interface FakeTerminal {
  input: PassThrough & { isTTY: boolean; setRawMode: (on: boolean) => unknown };
  output: Writable & { columns: number; rows: number; isTTY: boolean };
  /** Bytes blessed wrote so far (only counted: keeping them would grow without bound). */
  bytesWritten: () => number;
}

export function fakeTerminal(columns = 100, rows = 30): FakeTerminal {
  let bytes = 0;
  const output = Object.assign(
    new Writable({
      write(chunk: Buffer | string, _enc, cb) {
        bytes += chunk.length;
        cb();
      },
    }),
    { columns, rows, isTTY: true },
  );
  const input = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => input });
  return { input, output, bytesWritten: () => bytes };
}
