import { createContext, useContext } from 'react';
import type { Problem, ProgramProblems } from '../program-problems';
import type { TProgramFunnel } from '../programs.api';

export type FunnelCounts = TProgramFunnel['nodes'][number];
/** When a test run passed through a node: its place in the path (1-based) and the simulated time, formatted. */
export type Visit = { order: number; time: string; outcome: string; via: string | null };

/**
 * What the canvas draws on top of the program: problems, live counts of the published version, and the path of
 * the last test run. Read by each node through context, so the nodes themselves stay the graph's data.
 */
export type CanvasDecorations = {
  problems: ProgramProblems | null;
  funnel: ReadonlyMap<string, FunnelCounts> | null;
  visits: ReadonlyMap<string, Visit[]> | null;
  programNames: ReadonlyMap<string, string>;
};

const emptyDecorations: CanvasDecorations = {
  problems: null,
  funnel: null,
  visits: null,
  programNames: new Map(),
};

const DecorationsContext = createContext<CanvasDecorations>(emptyDecorations);

export const CanvasDecorationsProvider = DecorationsContext.Provider;

export const useCanvasDecorations = () => useContext(DecorationsContext);

const noProblems: Problem[] = [];

export const useNodeDecorations = (nodeId: string) => {
  const { problems, funnel, visits, programNames } = useCanvasDecorations();
  return {
    problems: problems?.byNode.get(nodeId) ?? noProblems,
    counts: funnel?.get(nodeId) ?? null,
    visits: visits?.get(nodeId) ?? null,
    programNames,
  };
};
