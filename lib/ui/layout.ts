// Where things sit on the screen: a header with the command line (top), the
// pane list (left), the selected pane's log (right), a status line (bottom)
// and the help box over them. Plain boxes only: painting fills them.

import blessed from 'blessed';
import { HELP_TEXT } from './model.ts';

export const LIST_WIDTH = 30;
export const HEADER_ROWS = 3;

export interface Layout {
  screen: blessed.Widgets.Screen;
  header: blessed.Widgets.BoxElement;
  list: blessed.Widgets.BoxElement;
  /** The vertical line between the list and the log. */
  sep: blessed.Widgets.BoxElement;
  log: blessed.Widgets.BoxElement;
  status: blessed.Widgets.BoxElement;
  help: blessed.Widgets.BoxElement;
}

export interface ScreenStreams {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** terminfo name or file; default: blessed's choice from $TERM. */
  terminal?: string;
}

export function createLayout({ input, output, terminal }: ScreenStreams): Layout {
  const screen = blessed.screen({
    input: input as never,
    output: output as never,
    terminal,
    smartCSR: true,
    warnings: false,
    fullUnicode: false,
    autoPadding: false,
    title: 'tstack',
  });
  const body = { top: HEADER_ROWS, height: `100%-${HEADER_ROWS + 1}`, wrap: false };
  return {
    screen,
    header: blessed.box({
      parent: screen,
      top: 0,
      left: 0,
      width: '100%',
      height: HEADER_ROWS,
      tags: true,
      wrap: false,
      style: { bg: 'blue', fg: 'white' },
    }),
    list: blessed.box({ parent: screen, ...body, left: 0, width: LIST_WIDTH, tags: true }),
    sep: blessed.box({ parent: screen, ...body, left: LIST_WIDTH, width: 1, style: { fg: 'gray' } }),
    log: blessed.box({ parent: screen, ...body, left: LIST_WIDTH + 1, width: `100%-${LIST_WIDTH + 1}`, tags: true }),
    status: blessed.box({
      parent: screen,
      bottom: 0,
      left: 0,
      width: '100%',
      height: 1,
      tags: true,
      wrap: false,
      style: { bg: 'gray', fg: 'black' },
    }),
    help: blessed.box({
      parent: screen,
      top: 'center',
      left: 'center',
      width: 92,
      height: HELP_TEXT.length + 2,
      border: 'line',
      content: HELP_TEXT.join('\n'),
      hidden: true,
      wrap: false,
    }),
  };
}
