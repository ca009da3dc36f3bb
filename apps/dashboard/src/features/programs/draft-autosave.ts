/**
 * Saves a draft a moment after the last edit, one request at a time, each based on the revision the previous
 * one returned (the API answers 409 to a stale revision). Nothing the person typed is dropped: on a conflict it
 * stops and keeps the draft until they choose (reload theirs, or overwrite); a draft the API would refuse is
 * kept until it is fixed; network trouble is retried. No React here, so the timing is tested with fake timers.
 */

export type AutosaveStatus =
  | { kind: 'saved'; savedAt: number | null }
  /** Edited; the save waits for typing to pause. */
  | { kind: 'unsaved' }
  | { kind: 'saving' }
  /** The draft breaks the contract (an empty message…): kept here, saved once fixed. */
  | { kind: 'invalid'; message: string }
  /** Someone saved in between: nothing more is sent until the person chooses. */
  | { kind: 'conflict' }
  /** The save failed for a reason that may pass (network, 5xx): retried after `retryMs`. */
  | { kind: 'error'; message: string };

export type SaveFailure = 'conflict' | 'invalid' | 'retry';

export type Timers = {
  setTimeout: (callback: () => void, ms: number) => unknown;
  clearTimeout: (handle: unknown) => void;
};

export type DraftAutosaveOptions<Draft> = {
  revision: number;
  /** The draft as the server has it now. */
  saved: Draft;
  save: (draft: Draft, revision: number) => Promise<{ revision: number }>;
  /** Why the draft cannot be saved yet, checked before sending; null when it can. */
  check?: (draft: Draft) => string | null;
  classifyError: (error: unknown) => SaveFailure;
  describeError: (error: unknown) => string;
  isSame: (left: Draft, right: Draft) => boolean;
  onStatus: (status: AutosaveStatus, revision: number) => void;
  delayMs?: number;
  retryMs?: number;
  now?: () => number;
  timers?: Timers;
};

export type DraftAutosave<Draft> = {
  /** The latest draft: saved after `delayMs` without another update. */
  update(draft: Draft): void;
  /** Saves now what is waiting and resolves true once the server has the latest draft. */
  flush(): Promise<boolean>;
  /** After a conflict: the server's revision and draft are now the base; a different latest draft is saved. */
  rebase(input: { revision: number; saved: Draft }): void;
  readonly status: AutosaveStatus;
  readonly revision: number;
  /** Whether the latest draft differs from what the server has. */
  readonly isDirty: boolean;
  dispose(): void;
};

export const createDraftAutosave = <Draft>(options: DraftAutosaveOptions<Draft>): DraftAutosave<Draft> => {
  const delayMs = options.delayMs ?? 800;
  const retryMs = options.retryMs ?? 5000;
  const now = options.now ?? Date.now;
  const timers: Timers = options.timers ?? {
    setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
    clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>),
  };
  let revision = options.revision;
  let saved = options.saved;
  let latest = options.saved;
  let status: AutosaveStatus = { kind: 'saved', savedAt: null };
  let timer: unknown = null;
  let inFlight: Promise<void> | null = null;
  let isDisposed = false;

  const setStatus = (next: AutosaveStatus) => {
    status = next;
    if (!isDisposed) options.onStatus(next, revision);
  };
  const clearTimer = () => {
    if (timer !== null) timers.clearTimeout(timer);
    timer = null;
  };
  const schedule = (ms: number) => {
    clearTimer();
    timer = timers.setTimeout(() => {
      timer = null;
      void run();
    }, ms);
  };
  const isDirty = () => !options.isSame(latest, saved);

  const run = async (): Promise<void> => {
    if (isDisposed || inFlight || status.kind === 'conflict') return;
    if (!isDirty()) {
      if (status.kind !== 'saved') setStatus({ kind: 'saved', savedAt: now() });
      return;
    }
    const problem = options.check?.(latest) ?? null;
    if (problem) {
      setStatus({ kind: 'invalid', message: problem });
      return;
    }
    const sending = latest;
    setStatus({ kind: 'saving' });
    inFlight = (async () => {
      try {
        const answer = await options.save(sending, revision);
        revision = answer.revision;
        saved = sending;
        inFlight = null;
        if (isDirty()) {
          setStatus({ kind: 'unsaved' });
          schedule(delayMs);
        } else {
          setStatus({ kind: 'saved', savedAt: now() });
        }
      } catch (error) {
        inFlight = null;
        const failure = options.classifyError(error);
        if (failure === 'conflict') setStatus({ kind: 'conflict' });
        else if (failure === 'invalid') setStatus({ kind: 'invalid', message: options.describeError(error) });
        else {
          setStatus({ kind: 'error', message: options.describeError(error) });
          schedule(retryMs);
        }
      }
    })();
    await inFlight;
  };

  return {
    update(draft) {
      latest = draft;
      if (status.kind === 'conflict' || isDisposed) return;
      if (inFlight) {
        // The answer to the save on its way decides what happens next (it looks at `latest`).
        return;
      }
      if (!isDirty()) {
        clearTimer();
        if (status.kind !== 'saved') setStatus({ kind: 'saved', savedAt: now() });
        return;
      }
      if (status.kind !== 'unsaved') setStatus({ kind: 'unsaved' });
      schedule(delayMs);
    },
    async flush() {
      clearTimer();
      if (inFlight) await inFlight;
      clearTimer();
      if (isDirty() && status.kind !== 'conflict') await run();
      if (inFlight) await inFlight;
      return !isDirty();
    },
    rebase(input) {
      clearTimer();
      revision = input.revision;
      saved = input.saved;
      setStatus({ kind: 'saved', savedAt: now() });
      if (isDirty()) {
        setStatus({ kind: 'unsaved' });
        schedule(0);
      }
    },
    get status() {
      return status;
    },
    get revision() {
      return revision;
    },
    get isDirty() {
      return isDirty();
    },
    dispose() {
      isDisposed = true;
      clearTimer();
    },
  };
};
