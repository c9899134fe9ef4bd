/*
 * A Svelte action on a <video> that tells the media session how large it shows a publisher
 * (media.view): measured with a ResizeObserver in device pixels, and 0 x 0 when the element
 * goes. Browsers without ResizeObserver report the size once.
 */
export interface ViewReporter {
  setView(publisher: number, element: unknown, width: number, height: number): void;
  removeView(publisher: number, element: unknown): void;
}

export interface ViewSizeOptions {
  reporter: ViewReporter | null;
  publisher: number | null;
}

export function viewSize(node: HTMLElement, options: ViewSizeOptions) {
  let current = options;
  const report = () => {
    if (current.reporter === null || current.publisher === null) return;
    const ratio = globalThis.devicePixelRatio || 1;
    const rect = node.getBoundingClientRect();
    current.reporter.setView(current.publisher, node, Math.round(rect.width * ratio), Math.round(rect.height * ratio));
  };
  const observer = typeof ResizeObserver === 'undefined' ? null : new ResizeObserver(report);
  observer?.observe(node);
  report();
  const forget = () => {
    if (current.reporter !== null && current.publisher !== null) current.reporter.removeView(current.publisher, node);
  };
  return {
    update(next: ViewSizeOptions) {
      if (next.reporter === current.reporter && next.publisher === current.publisher) return;
      forget();
      current = next;
      report();
    },
    destroy() {
      observer?.disconnect();
      forget();
    },
  };
}
