import {
  draftBlockingErrorCodes,
  validateProgramGraph,
} from '@companero/contracts/creator-hub/program-validation';
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, errorMessage } from '../../api/api-error';
import {
  type AutosaveStatus,
  createDraftAutosave,
  type DraftAutosave,
  type SaveFailure,
} from './draft-autosave';
import { isSameGraph, normalizeGraph } from './program-flow-mapping';
import { type TProgram, type TProgramGraph, useFetchProgram, useSaveProgramDraft } from './programs.api';

export type ProgramDraft = { name: string; graph: TProgramGraph };

const classifyError = (error: unknown): SaveFailure => {
  if (error instanceof ApiError && error.status === 409) return 'conflict';
  if (error instanceof ApiError && (error.status === 422 || error.status === 400 || error.status === 413))
    return 'invalid';
  return 'retry';
};

/** Why the API would refuse this draft; checked here so a half-written step does not cost a request. */
const draftProblem = (draft: ProgramDraft): string | null => {
  const name = draft.name.trim();
  if (!name) return 'Give the program a name to save it.';
  if (name.length > 120) return 'Keep the name to 120 characters to save it.';
  const blocking = validateProgramGraph(draft.graph).errors.filter((error) =>
    draftBlockingErrorCodes.has(error.code),
  );
  if (blocking.length > 0)
    return `Not saved yet: fix the ${blocking.length === 1 ? 'step' : 'steps'} outlined in red.`;
  return null;
};

const isSameDraft = (left: ProgramDraft, right: ProgramDraft) =>
  left.name.trim() === right.name.trim() && isSameGraph(left.graph, right.graph);

/**
 * Autosaves the builder's draft (see draft-autosave.ts) and answers a conflict: `reloadTheirs` fetches the
 * server's program for the canvas, `keepMine` saves this draft over it. Unsaved edits hold the tab open.
 */
export const useProgramAutosave = ({
  program,
  initialGraph,
  draft,
}: {
  program: TProgram;
  /** The loaded graph as the canvas holds it, so opening a program saves nothing. */
  initialGraph: TProgramGraph;
  draft: ProgramDraft;
}) => {
  const saveDraft = useSaveProgramDraft(program.id);
  const fetchProgram = useFetchProgram();
  const [status, setStatus] = useState<AutosaveStatus>({ kind: 'saved', savedAt: null });
  const autosaveRef = useRef<DraftAutosave<ProgramDraft> | null>(null);
  const revisionRef = useRef(program.revision);
  const saveRef = useRef(saveDraft);
  saveRef.current = saveDraft;

  // Made in an effect, so StrictMode's second mount gets a live one (the first is disposed).
  // biome-ignore lint/correctness/useExhaustiveDependencies: one autosave per program the page opened
  useEffect(() => {
    const autosave = createDraftAutosave<ProgramDraft>({
      revision: revisionRef.current,
      saved: { name: program.name, graph: initialGraph },
      save: async (next, revision) => {
        const saved = await saveRef.current({ name: next.name.trim(), graph: next.graph, revision });
        return { revision: saved.revision };
      },
      check: draftProblem,
      classifyError,
      describeError: errorMessage,
      isSame: isSameDraft,
      onStatus: (next, revision) => {
        revisionRef.current = revision;
        setStatus(next);
      },
    });
    autosaveRef.current = autosave;
    return () => {
      // Leaving the page saves what waited for the pause (the request is sent before this returns).
      void autosave.flush();
      autosave.dispose();
      autosaveRef.current = null;
    };
  }, [program.id]);

  useEffect(() => {
    autosaveRef.current?.update(draft);
  }, [draft]);

  useEffect(() => {
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      if (!autosaveRef.current?.isDirty) return;
      void autosaveRef.current.flush();
      event.preventDefault();
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => window.removeEventListener('beforeunload', onBeforeUnload);
  }, []);

  const flush = useCallback(async () => (await autosaveRef.current?.flush()) ?? false, []);

  /** The server's program now; the caller puts its graph on the canvas (undo brings this person's back). */
  const reloadTheirs = useCallback(async (): Promise<TProgram> => {
    const latest = await fetchProgram(program.id);
    const theirs = { name: latest.name, graph: normalizeGraph(latest.graph) };
    autosaveRef.current?.update(theirs);
    autosaveRef.current?.rebase({ revision: latest.revision, saved: theirs });
    return { ...latest, graph: theirs.graph };
  }, [fetchProgram, program.id]);

  /** Saves this draft over the server's latest revision. */
  const keepMine = useCallback(async () => {
    const latest = await fetchProgram(program.id);
    autosaveRef.current?.rebase({
      revision: latest.revision,
      saved: { name: latest.name, graph: normalizeGraph(latest.graph) },
    });
  }, [fetchProgram, program.id]);

  return { status, flush, reloadTheirs, keepMine };
};
