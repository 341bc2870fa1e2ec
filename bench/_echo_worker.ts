// The raw baseline of bench/threads_compare.ts: a plain Web Worker that posts every message straight back.

(self as unknown as Worker).onmessage = (event: MessageEvent) => {
  (self as unknown as Worker).postMessage(event.data);
};
