/*
 * What the member's screen tells the media server about the size of each video it shows
 * (media.view, docs/media-signaling.md), so that the SFU forwards the smallest simulcast layer
 * that covers it: the speaker's large tile gets the full picture, a grid tile a small one, and a
 * tile that left the screen nothing at all.
 *
 * One publisher may be on screen in more than one element for a moment (the speaker moving from
 * the grid to the large tile), so the tracker keeps every element's size per publisher and
 * reports the largest. Sizes are rounded up to a few steps (320x180, 640x360, 1280x720,
 * 1920x1080) so that a window being resized does not send a message per pixel: a view is sent
 * only when its step changes. After a rejoin the server has forgotten every view, so all of them
 * go again. Pure; MediaSession sends.
 */

export interface ViewSize {
  width: number;
  height: number;
}

/** The steps a view is rounded up to (the layers a publisher's simulcast commonly has). */
export const VIEW_STEPS: readonly ViewSize[] = [
  { width: 320, height: 180 },
  { width: 640, height: 360 },
  { width: 1280, height: 720 },
  { width: 1920, height: 1080 },
];

/** The step that covers a view of width x height device pixels; 0 x 0 for nothing shown. */
export function viewStep(width: number, height: number): ViewSize {
  if (!(width > 0) || !(height > 0)) return { width: 0, height: 0 };
  for (const step of VIEW_STEPS) if (width <= step.width && height <= step.height) return step;
  return VIEW_STEPS[VIEW_STEPS.length - 1] as ViewSize;
}

export interface ViewChange extends ViewSize {
  publisher: number;
}

export class ViewTracker {
  /** publisher -> element -> size in device pixels. */
  private readonly shown = new Map<number, Map<unknown, ViewSize>>();
  /** publisher -> the step last sent. */
  private readonly sent = new Map<number, string>();

  /** An element showing `publisher` now measures width x height; the view to send, if it changed. */
  set(publisher: number, element: unknown, width: number, height: number): ViewChange | null {
    let elements = this.shown.get(publisher);
    if (elements === undefined) {
      elements = new Map();
      this.shown.set(publisher, elements);
    }
    elements.set(element, { width, height });
    return this.changed(publisher);
  }

  /** The element no longer shows `publisher`. */
  remove(publisher: number, element: unknown): ViewChange | null {
    const elements = this.shown.get(publisher);
    if (elements === undefined || !elements.delete(element)) return null;
    // The publisher stays known with no element: after a rejoin its 0 x 0 goes again.
    return this.changed(publisher);
  }

  /** The view of a publisher now: the largest of its elements, rounded up. */
  view(publisher: number): ViewSize {
    let width = 0;
    let height = 0;
    for (const size of this.shown.get(publisher)?.values() ?? []) {
      width = Math.max(width, size.width);
      height = Math.max(height, size.height);
    }
    return viewStep(width, height);
  }

  /** Every view this screen has had (0 x 0 for those it no longer shows), to send again after a
   * rejoin: the server forgot them all. */
  resend(): ViewChange[] {
    this.sent.clear();
    const out: ViewChange[] = [];
    for (const publisher of this.shown.keys()) {
      const change = this.changed(publisher);
      if (change !== null) out.push(change);
    }
    return out;
  }

  /** Forgets publishers no longer in the meeting's media (unless an element still shows them). */
  keepOnly(publishers: ReadonlySet<number>): void {
    for (const [publisher, elements] of [...this.shown]) {
      if (publishers.has(publisher) || elements.size > 0) continue;
      this.shown.delete(publisher);
      this.sent.delete(publisher);
    }
  }

  private changed(publisher: number): ViewChange | null {
    const view = this.view(publisher);
    const key = `${view.width}x${view.height}`;
    if (this.sent.get(publisher) === key) return null;
    this.sent.set(publisher, key);
    return { publisher, ...view };
  }
}
