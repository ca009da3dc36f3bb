import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../src/api/api-error';
import {
  type AutosaveStatus,
  createDraftAutosave,
  type DraftAutosaveOptions,
  type SaveFailure,
} from '../src/features/programs/draft-autosave';

type Draft = { text: string };
type Save = { draft: Draft; revision: number; settle: (outcome: { revision: number } | Error) => void };

const classifyError = (error: unknown): SaveFailure =>
  error instanceof ApiError && error.status === 409
    ? 'conflict'
    : error instanceof ApiError && error.status === 422
      ? 'invalid'
      : 'retry';

/** An autosave over a fake API whose answers the test gives, one save at a time. */
const setup = (overrides: Partial<DraftAutosaveOptions<Draft>> = {}) => {
  const saves: Save[] = [];
  const statuses: AutosaveStatus['kind'][] = [];
  const autosave = createDraftAutosave<Draft>({
    revision: 1,
    saved: { text: '' },
    save: (draft, revision) =>
      new Promise((resolve, reject) => {
        saves.push({
          draft,
          revision,
          settle: (outcome) => (outcome instanceof Error ? reject(outcome) : resolve(outcome)),
        });
      }),
    classifyError,
    describeError: (error) => (error instanceof Error ? error.message : String(error)),
    isSame: (left, right) => left.text === right.text,
    onStatus: (status) => statuses.push(status.kind),
    delayMs: 800,
    retryMs: 5000,
    ...overrides,
  });
  return { autosave, saves, statuses };
};

const conflict = () => new ApiError({ status: 409, message: 'Someone else saved this program.' });

describe('draft autosave', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('saves once typing pauses, with the revision the server gave last', async () => {
    const { autosave, saves, statuses } = setup();
    autosave.update({ text: 'H' });
    await vi.advanceTimersByTimeAsync(500);
    autosave.update({ text: 'He' });
    await vi.advanceTimersByTimeAsync(500);
    autosave.update({ text: 'Hey' });
    await vi.advanceTimersByTimeAsync(799);
    expect(saves).toHaveLength(0);
    expect(autosave.status.kind).toBe('unsaved');
    await vi.advanceTimersByTimeAsync(1);
    expect(saves.map((save) => [save.draft.text, save.revision])).toEqual([['Hey', 1]]);
    expect(autosave.status.kind).toBe('saving');
    saves[0]!.settle({ revision: 2 });
    await vi.advanceTimersByTimeAsync(0);
    expect(autosave.status.kind).toBe('saved');
    expect(autosave.revision).toBe(2);
    expect(statuses).toEqual(['unsaved', 'saving', 'saved']);

    autosave.update({ text: 'Hey!' });
    await vi.advanceTimersByTimeAsync(800);
    expect(saves[1]!.revision).toBe(2);
  });

  it('sends one request at a time and saves what was typed meanwhile after the answer', async () => {
    const { autosave, saves } = setup();
    autosave.update({ text: 'one' });
    await vi.advanceTimersByTimeAsync(800);
    autosave.update({ text: 'one two' });
    await vi.advanceTimersByTimeAsync(5000);
    expect(saves).toHaveLength(1);
    saves[0]!.settle({ revision: 2 });
    await vi.advanceTimersByTimeAsync(0);
    expect(autosave.status.kind).toBe('unsaved');
    await vi.advanceTimersByTimeAsync(800);
    expect(saves.map((save) => [save.draft.text, save.revision])).toEqual([
      ['one', 1],
      ['one two', 2],
    ]);
  });

  it('goes back to saved without a request when the edit is undone before it was sent', async () => {
    const { autosave, saves } = setup();
    autosave.update({ text: 'typo' });
    autosave.update({ text: '' });
    await vi.advanceTimersByTimeAsync(2000);
    expect(saves).toHaveLength(0);
    expect(autosave.status.kind).toBe('saved');
  });

  it('stops on a 409 and keeps every edit until the person chooses; rebasing saves theirs on the new revision', async () => {
    const { autosave, saves } = setup();
    autosave.update({ text: 'mine' });
    await vi.advanceTimersByTimeAsync(800);
    saves[0]!.settle(conflict());
    await vi.advanceTimersByTimeAsync(0);
    expect(autosave.status.kind).toBe('conflict');

    // Editing on after the conflict sends nothing, and nothing typed is forgotten.
    autosave.update({ text: 'mine, more' });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(saves).toHaveLength(1);
    expect(autosave.isDirty).toBe(true);

    // "Keep mine": the server's latest revision becomes the base; the person's draft is saved over it.
    autosave.rebase({ revision: 7, saved: { text: 'theirs' } });
    await vi.advanceTimersByTimeAsync(0);
    expect(saves.map((save) => [save.draft.text, save.revision])).toEqual([
      ['mine', 1],
      ['mine, more', 7],
    ]);
    saves[1]!.settle({ revision: 8 });
    await vi.advanceTimersByTimeAsync(0);
    expect(autosave.status.kind).toBe('saved');
  });

  it('after a 409, reloading their version leaves nothing to save', async () => {
    const { autosave, saves } = setup();
    autosave.update({ text: 'mine' });
    await vi.advanceTimersByTimeAsync(800);
    saves[0]!.settle(conflict());
    await vi.advanceTimersByTimeAsync(0);
    autosave.update({ text: 'theirs' });
    autosave.rebase({ revision: 7, saved: { text: 'theirs' } });
    await vi.advanceTimersByTimeAsync(5000);
    expect(saves).toHaveLength(1);
    expect(autosave.status.kind).toBe('saved');
    expect(autosave.revision).toBe(7);
  });

  it('holds a draft the contract refuses without sending it, and saves it once fixed', async () => {
    const { autosave, saves } = setup({
      check: (draft) => (draft.text.endsWith('?') ? null : 'A question ends with ?'),
    });
    autosave.update({ text: 'How are you' });
    await vi.advanceTimersByTimeAsync(800);
    expect(saves).toHaveLength(0);
    expect(autosave.status).toEqual({ kind: 'invalid', message: 'A question ends with ?' });
    autosave.update({ text: 'How are you?' });
    await vi.advanceTimersByTimeAsync(800);
    expect(saves).toHaveLength(1);
  });

  it('retries after a network failure and keeps the edit', async () => {
    const { autosave, saves } = setup();
    autosave.update({ text: 'offline edit' });
    await vi.advanceTimersByTimeAsync(800);
    saves[0]!.settle(new ApiError({ status: 0, message: 'Cannot reach Compañero.' }));
    await vi.advanceTimersByTimeAsync(0);
    expect(autosave.status).toEqual({ kind: 'error', message: 'Cannot reach Compañero.' });
    await vi.advanceTimersByTimeAsync(4999);
    expect(saves).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(saves).toHaveLength(2);
    expect(saves[1]!.draft.text).toBe('offline edit');
  });

  it('flush saves at once what waits for the pause, for publishing and test runs', async () => {
    const { autosave, saves } = setup();
    autosave.update({ text: 'publish me' });
    const flushed = autosave.flush();
    await vi.advanceTimersByTimeAsync(0);
    expect(saves).toHaveLength(1);
    saves[0]!.settle({ revision: 2 });
    await expect(flushed).resolves.toBe(true);
    await expect(autosave.flush()).resolves.toBe(true);
    expect(saves).toHaveLength(1);
  });
});
