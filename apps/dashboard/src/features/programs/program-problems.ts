import {
  draftBlockingErrorCodes,
  validateProgramGraph,
} from '@companero/contracts/creator-hub/program-validation';
import {
  type TProgramGraph,
  type TProgramNode,
  type TProgramValidationError,
  ZProgramNode,
} from '@companero/contracts/creator-hub/programs';
import type { z } from 'zod';

/** A problem of one field of a step, keyed by its path under the node (`data.text`, `data.branches.0.label`). */
export type FieldErrors = Record<string, string>;

export type Problem = { code: string; message: string; isFromServer?: boolean };

export type ProgramProblems = {
  byNode: Map<string, Problem[]>;
  byEdge: Map<string, Problem[]>;
  /** Problems of the whole program (no start step, too large). */
  general: Problem[];
  /** Field problems of each node, for the side panel. */
  fieldsByNode: Map<string, FieldErrors>;
  /** The draft breaks the contract: the API would refuse to store it, so autosave holds it. */
  blocksSaving: boolean;
  count: number;
};

const fieldMessages: Record<string, string> = {
  'data.text': 'Write the text members receive.',
  'data.instruction': 'Tell the coach what to write.',
  'data.url': 'Use a full web address, starting with https://.',
  'data.programId': 'Choose the program to go to.',
  'data.tags': 'Add at least one tag.',
  'data.rules': 'Add at least one rule.',
  'data.time': 'Use a time of day like 08:00.',
  'data.saveAs': 'Letters, digits and _, starting with a letter (40 at most).',
  'data.weekdays': 'Pick at least one day.',
};

const lastSegment = (path: string) => path.slice(path.lastIndexOf('.') + 1);

/** Words for a schema issue, said about the field it is on. */
const describeIssue = (issue: z.core.$ZodIssue, path: string): string => {
  const exact = fieldMessages[path];
  if (
    exact &&
    (issue.code === 'too_small' || issue.code === 'invalid_format' || issue.code === 'invalid_type')
  )
    return exact;
  const field = lastSegment(path);
  if (issue.code === 'too_small') {
    if (issue.origin === 'array')
      return field === 'keywords' ? 'Add at least one keyword.' : 'Add at least one.';
    if (issue.origin === 'string') return 'This cannot be empty.';
    return `Use ${String(issue.minimum)} or more.`;
  }
  if (issue.code === 'too_big') {
    if (issue.origin === 'string') return `Keep it to ${String(issue.maximum)} characters.`;
    if (issue.origin === 'array') return `${String(issue.maximum)} at most.`;
    return `Use ${String(issue.maximum)} or less.`;
  }
  if (issue.code === 'invalid_type' && issue.expected === 'number') return 'Enter a whole number.';
  if (issue.code === 'invalid_format') {
    if (field === 'time') return 'Use a time of day like 08:00.';
    if (field === 'at') return 'Pick a date and time.';
    if (field === 'url') return fieldMessages['data.url']!;
    if (field === 'programId') return fieldMessages['data.programId']!;
  }
  return issue.message;
};

/** The contract's per-field problems of one node, in words for the person filling the form. */
export const stepFieldErrors = (node: TProgramNode): FieldErrors => {
  const parsed = ZProgramNode.safeParse(node);
  if (parsed.success) return {};
  const errors: FieldErrors = {};
  for (const issue of parsed.error.issues) {
    const path = issue.path.map(String).join('.');
    errors[path] ??= describeIssue(issue, path);
  }
  return errors;
};

const placeholderUuid = '00000000-0000-4000-8000-000000000000';

/**
 * A stand-in that passes the schema with the same id, place and exits, for a node whose fields are not filled
 * in yet: the structural rules (open exits, unreachable steps, loops) then still speak while a step is being
 * written, instead of waiting for every field of every step.
 */
const structuralStandIn = (node: TProgramNode): TProgramNode => {
  if (ZProgramNode.safeParse(node).success) return node;
  const base = { id: node.id, position: node.position };
  switch (node.type) {
    case 'start':
      return { ...base, type: 'start', data: { triggers: [{ type: 'manual' }] } };
    case 'message':
      return { ...base, type: 'message', data: { text: 'x', quickReplies: [], channel: 'auto' } };
    case 'ask':
      return {
        ...base,
        type: 'ask',
        data: {
          text: 'x',
          quickReplies: [],
          channel: 'auto',
          branches: node.data.branches.map((branch) => ({
            id: branch.id,
            label: 'x',
            match: { kind: 'choice', value: 'x' },
          })),
          timeout: { amount: 1, unit: 'days' },
        },
      };
    case 'wait':
      return { ...base, type: 'wait', data: { mode: 'duration', duration: { amount: 1, unit: 'days' } } };
    case 'condition':
      return {
        ...base,
        type: 'condition',
        data: { match: 'all', rules: [{ field: 'tag', op: 'has', value: 'x' }] },
      };
    case 'ai_message':
      return { ...base, type: 'ai_message', data: { instruction: 'x', useKnowledge: true, channel: 'auto' } };
    case 'tag':
      return { ...base, type: 'tag', data: { action: 'add', tags: ['x'] } };
    case 'webhook':
      return { ...base, type: 'webhook', data: { url: 'https://example.com' } };
    case 'goto_program':
      return { ...base, type: 'goto_program', data: { programId: placeholderUuid } };
    case 'end':
      return { ...base, type: 'end', data: {} };
  }
};

/** "Node "ask-1" (ask): connect its …" reads oddly on that node itself: the node is implied there. */
const withoutSubject = (message: string) =>
  message.replace(/^(Node|Edge) "[^"]*"( \([a-z_]+\))?(: | )/, (_match, _kind, _type, separator: string) =>
    separator === ' ' ? 'This step ' : '',
  );

const capitalised = (text: string) => (text ? text[0]!.toUpperCase() + text.slice(1) : text);

const add = (map: Map<string, Problem[]>, key: string, problem: Problem) => {
  const list = map.get(key) ?? [];
  if (!list.some((existing) => existing.message === problem.message)) list.push(problem);
  map.set(key, list);
};

/**
 * Everything wrong with a draft, placed on the node or edge at fault: the contract's field rules (in words per
 * field), the shared structural rules (`validateProgramGraph`, the function the server runs) and, until the
 * next edit, the errors the server gave on publish.
 */
export const checkProgram = (
  graph: TProgramGraph,
  serverErrors: readonly TProgramValidationError[] = [],
): ProgramProblems => {
  const byNode = new Map<string, Problem[]>();
  const byEdge = new Map<string, Problem[]>();
  const general: Problem[] = [];
  const fieldsByNode = new Map<string, FieldErrors>();

  for (const node of graph.nodes) {
    const fields = stepFieldErrors(node);
    if (Object.keys(fields).length === 0) continue;
    fieldsByNode.set(node.id, fields);
    for (const message of new Set(Object.values(fields))) add(byNode, node.id, { code: 'schema', message });
  }

  const validation = validateProgramGraph(graph);
  // With unfinished fields the schema stops the shared rules early; they run again over stand-ins for those
  // nodes, so open exits and unreachable steps show while the creator is still writing.
  const structural =
    validation.errors.length > 0 && validation.errors.every((error) => error.code === 'schema')
      ? validateProgramGraph({ ...graph, nodes: graph.nodes.map(structuralStandIn) }).errors.filter(
          (error) => error.code !== 'schema' && error.code !== 'unknown_variable',
        )
      : [];
  const place = (error: TProgramValidationError, isFromServer: boolean) => {
    // Field problems of a node are already said in the form's words above.
    if (error.code === 'schema' && error.nodeId && fieldsByNode.has(error.nodeId) && !isFromServer) return;
    const problem = { code: error.code, message: capitalised(withoutSubject(error.message)), isFromServer };
    if (error.nodeId && graph.nodes.some((node) => node.id === error.nodeId))
      add(byNode, error.nodeId, problem);
    else if (error.edgeId) add(byEdge, error.edgeId, problem);
    else general.push({ ...problem, message: error.message });
  };
  for (const error of [...validation.errors, ...structural]) place(error, false);
  for (const error of serverErrors) place(error, true);

  const count =
    [...byNode.values()].reduce((sum, list) => sum + list.length, 0) +
    [...byEdge.values()].reduce((sum, list) => sum + list.length, 0) +
    general.length;
  return {
    byNode,
    byEdge,
    general,
    fieldsByNode,
    blocksSaving: validation.errors.some((error) => draftBlockingErrorCodes.has(error.code)),
    count,
  };
};
