/**
 * Turns a callback producer (node-llama-cpp's `onTextChunk`) into an async iterable: chunks are buffered
 * until the consumer pulls them, and the producer's end or failure is delivered after the buffered chunks.
 */
export const createTextChunkQueue = () => {
  const chunks: string[] = [];
  let ended: { error?: unknown } | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  return {
    push(chunk: string): void {
      if (chunk === '' || ended) return;
      chunks.push(chunk);
      notify();
    },
    end(error?: unknown): void {
      if (ended) return;
      ended = error === undefined ? {} : { error };
      notify();
    },
    async *drain(): AsyncGenerator<string> {
      for (;;) {
        const chunk = chunks.shift();
        if (chunk !== undefined) {
          yield chunk;
          continue;
        }
        if (ended) {
          if ('error' in ended) throw ended.error;
          return;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    },
  };
};
