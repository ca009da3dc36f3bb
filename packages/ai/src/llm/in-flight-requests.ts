/**
 * The generations a provider has running, each with its own AbortController linked to the caller's signal,
 * so that `close()` can end them all. (Not `AbortSignal.any` on one long-lived signal: on Node 20 that keeps
 * every dependent signal reachable for as long as the provider lives.)
 */
export const createInFlightRequests = () => {
  const controllers = new Set<AbortController>();
  let closedReason: Error | undefined;
  return {
    /** A signal that aborts when the caller's does or when the provider closes; call `finish()` when done. */
    start(callerSignal?: AbortSignal): { signal: AbortSignal; abort(reason: Error): void; finish(): void } {
      if (closedReason) throw closedReason;
      callerSignal?.throwIfAborted();
      const controller = new AbortController();
      const onCallerAbort = () => controller.abort(callerSignal?.reason);
      callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
      controllers.add(controller);
      return {
        signal: controller.signal,
        abort: (reason) => controller.abort(reason),
        finish() {
          callerSignal?.removeEventListener('abort', onCallerAbort);
          controllers.delete(controller);
        },
      };
    },
    abortAll(reason: Error): void {
      closedReason = reason;
      for (const controller of controllers) controller.abort(reason);
      controllers.clear();
    },
  };
};
