/*
 * The PDF viewer's engine: pdf.js (pdfjs-dist from npm), loaded only when someone opens a
 * document, with its worker built into dist/assets by Vite (the `?url` import emits the file with
 * a content hash; nothing comes from a CDN, which remote halls may not reach).
 *
 * The bytes come from api.documentContent(): all HTTP goes through api.ts, and that read is what
 * records the member's read receipt. Fonts a PDF does not embed are drawn with the browser's
 * own; official documents embed theirs.
 */
import workerUrl from 'pdfjs-dist/build/pdf.worker.min.mjs?url';

export interface PdfDocument {
  readonly pages: number;
  /** Draws page `n` (1-based) into the canvas at `scale`; resolves when drawn. */
  render(n: number, canvas: HTMLCanvasElement, scale: number): Promise<void>;
  /** The width of page n at scale 1, in CSS pixels. */
  width(n: number): Promise<number>;
  /** The text of page n, for screen readers. */
  text(n: number): Promise<string>;
  destroy(): void;
}

export async function openPdf(data: ArrayBuffer): Promise<PdfDocument> {
  const pdfjs = await import('pdfjs-dist');
  pdfjs.GlobalWorkerOptions.workerSrc = workerUrl;
  const task = pdfjs.getDocument({ data: new Uint8Array(data), isEvalSupported: false });
  const doc = await task.promise;
  let rendering: { cancel(): void } | null = null;
  return {
    pages: doc.numPages,
    async render(n, canvas, scale) {
      rendering?.cancel();
      const page = await doc.getPage(n);
      const ratio = globalThis.devicePixelRatio || 1;
      const viewport = page.getViewport({ scale: scale * ratio });
      canvas.width = Math.floor(viewport.width);
      canvas.height = Math.floor(viewport.height);
      canvas.style.width = `${Math.floor(viewport.width / ratio)}px`;
      canvas.style.height = `${Math.floor(viewport.height / ratio)}px`;
      const context = canvas.getContext('2d');
      if (context === null) return;
      const task = page.render({ canvasContext: context, viewport });
      rendering = task;
      try {
        await task.promise;
      } catch (err) {
        if (err instanceof Error && err.name === 'RenderingCancelledException') return;
        throw err;
      } finally {
        if (rendering === task) rendering = null;
      }
    },
    async width(n) {
      const page = await doc.getPage(n);
      return page.getViewport({ scale: 1 }).width;
    },
    async text(n) {
      const page = await doc.getPage(n);
      const content = await page.getTextContent();
      return content.items
        .map((item) => ('str' in item ? item.str + (item.hasEOL ? '\n' : '') : ''))
        .join('')
        .trim();
    },
    destroy() {
      rendering?.cancel();
      void doc.destroy();
    },
  };
}
