// Painting: the model's lines into the layout's boxes, then one render. A
// timer paints only when something marked the screen dirty, so an idle TUI
// costs nothing; a key paints at once.

import type { LogFeed } from './feed.ts';
import { LIST_WIDTH, type Layout } from './layout.ts';
import type { LogRing } from './log-ring.ts';
import type { TuiModel } from './model.ts';

export class Painter {
  /** Something changed since the last paint. */
  dirty = true;

  constructor(
    private readonly layout: Layout,
    private readonly model: TuiModel,
    private readonly feed: LogFeed,
  ) {}

  /** The log the right side shows: a request's trace, every pane's merged, or the selected pane's. */
  viewRing(): LogRing | undefined {
    const { model, feed } = this;
    if (model.mode === 'trace') return model.trace?.ring;
    return model.mode === 'all' ? feed.merged : model.selected ? feed.ring(model.selected) : undefined;
  }

  /** Rows of the log box. */
  logHeight(): number {
    return Math.max(1, Number(this.layout.log.height));
  }

  paint(): void {
    const { layout, model, feed } = this;
    this.dirty = false;
    const cols = Number(layout.screen.width);
    const h = this.logHeight();
    layout.header.setContent(model.headerLines(cols, feed.merged.total).join('\n'));
    layout.list.setContent(model.listLines(LIST_WIDTH - 1, h).join('\n'));
    layout.sep.setContent(Array(h).fill('│').join('\n'));
    layout.log.setContent(model.logLines(this.viewRing(), Number(layout.log.width), h).join('\n'));
    layout.status.setContent(model.statusLine(cols));
    if (model.help) layout.help.show();
    else layout.help.hide();
    layout.screen.render();
  }
}
