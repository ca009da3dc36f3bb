/**
 * Undo and redo over whole snapshots: a program is small (200 nodes at most), so a snapshot per change is
 * simpler and safer than inverse operations. Typing into one field is one step, not one per key: a change
 * with the same `coalesceKey` as the last one, within `coalesceMs`, replaces it instead of stacking.
 */
export type History<T> = {
  past: T[];
  present: T;
  future: T[];
  /** The coalesce key and time of the change that made `present`, null after undo/redo or a reset. */
  last: { key: string; at: number } | null;
};

export const historyLimit = 100;
export const coalesceMs = 1500;

export const createHistory = <T>(present: T): History<T> => ({ past: [], present, future: [], last: null });

export const pushHistory = <T>(
  history: History<T>,
  snapshot: T,
  options: { coalesceKey?: string; at?: number; isSame?: (left: T, right: T) => boolean } = {},
): History<T> => {
  if (options.isSame?.(history.present, snapshot)) return history;
  const at = options.at ?? 0;
  const key = options.coalesceKey;
  const isContinuation =
    key !== undefined &&
    history.last?.key === key &&
    at - history.last.at <= coalesceMs &&
    history.past.length > 0;
  return {
    past: isContinuation ? history.past : [...history.past, history.present].slice(-historyLimit),
    present: snapshot,
    future: [],
    last: key === undefined ? null : { key, at },
  };
};

export const canUndo = (history: History<unknown>) => history.past.length > 0;
export const canRedo = (history: History<unknown>) => history.future.length > 0;

export const undoHistory = <T>(history: History<T>): History<T> => {
  const previous = history.past.at(-1);
  if (previous === undefined) return history;
  return {
    past: history.past.slice(0, -1),
    present: previous,
    future: [history.present, ...history.future],
    last: null,
  };
};

export const redoHistory = <T>(history: History<T>): History<T> => {
  const [next, ...rest] = history.future;
  if (next === undefined) return history;
  return { past: [...history.past, history.present], present: next, future: rest, last: null };
};
