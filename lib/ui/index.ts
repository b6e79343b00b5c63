// The TUI's entry points: openTui() resolves when the user quits (the
// services keep running); createTui() gives tests the handle.

import { createTui, type TuiOptions } from './screen.ts';

export { canOpenTui, createTui, screenText, type TuiHandle, type TuiOptions } from './screen.ts';
export { fakeTerminal } from './fake-terminal.ts';

export async function openTui(opts: TuiOptions): Promise<void> {
  await createTui(opts).done;
}
