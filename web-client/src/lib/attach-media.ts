/*
 * A Svelte action that shows a MediaStream in a <video> or <audio> element and starts it.
 * Browsers may refuse to start sound without a tap (autoplay policy): onBlocked is called then,
 * and the page offers a button that starts it.
 */
export interface AttachOptions {
  stream: MediaStream | null;
  onBlocked?: (() => void) | undefined;
}

export function attachMedia(node: HTMLMediaElement, options: AttachOptions) {
  const apply = ({ stream, onBlocked }: AttachOptions) => {
    if (node.srcObject === stream) return;
    node.srcObject = stream;
    if (stream === null) return;
    node.play().catch((err: unknown) => {
      if (err instanceof DOMException && err.name === 'NotAllowedError') onBlocked?.();
    });
  };
  apply(options);
  return {
    update: apply,
    destroy: () => {
      node.srcObject = null;
    },
  };
}
