import type { z } from 'zod';
import { templateVariables } from './program-logic';
import {
  nodeHandles,
  programLimits,
  type TProgramGraph,
  type TProgramNode,
  type TProgramValidationError,
  ZProgramGraph,
} from './programs';

/**
 * Checks a program graph the way the server does before it saves or publishes one, with errors that name the
 * node or edge at fault (the dashboard editor runs the same function as the creator edits). Pure: no I/O and
 * no Node-only APIs. The server adds what needs the network or the database (private webhook addresses, the
 * creator's program ids through `knownProgramIds`).
 *
 * Rules beyond the schema, decided here:
 * - Every exit of every node must be connected, including an ask node's `other` and `timeout` and a webhook's
 *   `failed`: a flow that silently stops on an unexpected answer is the bug this catches, and an `end` node
 *   costs nothing.
 * - A cycle must pass through a `wait` or an `ask` node (which waits for a reply); any other cycle would run
 *   without pause for ever.
 * - `{{answers.NAME}}` is known in a node only when an ask node with `saveAs: NAME` leads to it.
 */

export type ValidateProgramOptions = {
  /** The creator's program ids; when given, goto_program targets outside it are `unknown_program`. */
  knownProgramIds?: ReadonlySet<string>;
};

export type ProgramGraphValidation = {
  valid: boolean;
  errors: TProgramValidationError[];
  /** The parsed graph (defaults applied) once it passes the schema, even with structural errors. */
  graph?: TProgramGraph;
};

/**
 * Error codes that make a graph unusable as data (it cannot be stored as a draft); the others are structural
 * and only block publishing.
 */
export const draftBlockingErrorCodes: ReadonlySet<TProgramValidationError['code']> = new Set([
  'schema',
  'too_large',
  'duplicate_id',
  'missing_node',
  'unknown_handle',
  'duplicate_edge',
]);

const fixedVariables = new Set([
  'member.firstName',
  'member.name',
  'member.email',
  'creator.name',
  'coach.name',
]);
const attributeVariable = /^member\.attributes\.[^.]+$/;
const answerVariable = /^answers\.([^.]+)$/;
const placeholderPattern = /\{\{[^{}]*\}\}/g;

const utf8Length = (text: string) => new TextEncoder().encode(text).length;

const describeNode = (node: { id: string; type: string }) => `Node "${node.id}" (${node.type})`;

const recordAt = (value: unknown, key: PropertyKey): Record<string, unknown> | undefined => {
  if (value === null || typeof value !== 'object') return undefined;
  const child = (value as Record<PropertyKey, unknown>)[key];
  return child !== null && typeof child === 'object' ? (child as Record<string, unknown>) : undefined;
};

/** Schema issues, each tied to the node or edge its path points into. */
const schemaErrors = (input: unknown, issues: readonly z.core.$ZodIssue[]): TProgramValidationError[] =>
  issues.map((issue) => {
    const [collection, index, ...rest] = issue.path;
    const path = issue.path.map(String).join('.');
    const field = rest.map(String).join('.');
    if ((collection === 'nodes' || collection === 'edges') && typeof index === 'number') {
      const item = recordAt(recordAt(input, collection), index);
      const id = typeof item?.id === 'string' ? item.id : undefined;
      const type = typeof item?.type === 'string' ? item.type : undefined;
      const subject =
        collection === 'nodes'
          ? `Node ${id !== undefined ? `"${id}"` : `#${index + 1}`}${type ? ` (${type})` : ''}`
          : `Edge ${id !== undefined ? `"${id}"` : `#${index + 1}`}`;
      return {
        ...(id !== undefined ? (collection === 'nodes' ? { nodeId: id } : { edgeId: id }) : {}),
        code: 'schema' as const,
        path,
        message: `${subject}: ${field ? `${field}: ` : ''}${issue.message}`,
      };
    }
    return { code: 'schema' as const, path, message: `${path ? `${path}: ` : ''}${issue.message}` };
  });

/** Strongly connected components (Tarjan), iterative so a long chain cannot overflow the stack. */
const stronglyConnectedComponents = (ids: string[], successors: Map<string, string[]>): string[][] => {
  const index = new Map<string, number>();
  const lowLink = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;
  for (const root of ids) {
    if (index.has(root)) continue;
    const work: { id: string; next: number }[] = [{ id: root, next: 0 }];
    index.set(root, counter);
    lowLink.set(root, counter);
    counter += 1;
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const children = successors.get(frame.id) ?? [];
      if (frame.next < children.length) {
        const child = children[frame.next]!;
        frame.next += 1;
        if (!index.has(child)) {
          index.set(child, counter);
          lowLink.set(child, counter);
          counter += 1;
          stack.push(child);
          onStack.add(child);
          work.push({ id: child, next: 0 });
        } else if (onStack.has(child)) {
          lowLink.set(frame.id, Math.min(lowLink.get(frame.id)!, index.get(child)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) lowLink.set(parent.id, Math.min(lowLink.get(parent.id)!, lowLink.get(frame.id)!));
      if (lowLink.get(frame.id) === index.get(frame.id)) {
        const component: string[] = [];
        let member: string | undefined;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.id);
        components.push(component);
      }
    }
  }
  return components;
};

/** Every node reachable from `from` by one or more edges. */
const descendants = (from: string[], successors: Map<string, string[]>): Set<string> => {
  const seen = new Set<string>();
  const queue = from.flatMap((id) => successors.get(id) ?? []);
  while (queue.length > 0) {
    const id = queue.shift()!;
    if (seen.has(id)) continue;
    seen.add(id);
    queue.push(...(successors.get(id) ?? []));
  }
  return seen;
};

/** The texts the engine renders as templates. */
const templateTexts = (node: TProgramNode): string[] =>
  node.type === 'message' || node.type === 'ask' ? [node.data.text] : [];

const structuralErrors = (
  graph: TProgramGraph,
  options: ValidateProgramOptions,
): TProgramValidationError[] => {
  const errors: TProgramValidationError[] = [];
  const nodeIndex = new Map<string, number>();
  const nodes = new Map<string, TProgramNode>();

  graph.nodes.forEach((node, index) => {
    if (nodes.has(node.id)) {
      errors.push({
        nodeId: node.id,
        code: 'duplicate_id',
        path: `nodes.${index}.id`,
        message: `${describeNode(node)}: another node already has the id "${node.id}".`,
      });
      return;
    }
    nodes.set(node.id, node);
    nodeIndex.set(node.id, index);
    if (node.type === 'ask') {
      const seen = new Set<string>();
      for (const branch of node.data.branches) {
        if (seen.has(branch.id) || branch.id === 'other' || branch.id === 'timeout') {
          errors.push({
            nodeId: node.id,
            code: 'duplicate_id',
            path: `nodes.${index}.data.branches`,
            message: `${describeNode(node)}: the branch id "${branch.id}" is used twice (other and timeout are taken).`,
          });
        }
        seen.add(branch.id);
      }
    }
  });
  const nodePath = (id: string) => `nodes.${nodeIndex.get(id)}`;

  const starts = graph.nodes.filter((node) => node.type === 'start');
  if (starts.length === 0) {
    errors.push({ code: 'no_start', path: 'nodes', message: 'The program has no start node.' });
  }
  for (const extra of starts.slice(1)) {
    errors.push({
      nodeId: extra.id,
      code: 'several_starts',
      path: nodePath(extra.id),
      message: `${describeNode(extra)}: a program has one start node; "${starts[0]!.id}" is already one.`,
    });
  }

  // Edges: both ends exist, the handle is an exit of the source, one edge per exit.
  const successors = new Map<string, string[]>();
  const usedHandles = new Map<string, Set<string>>();
  const edgeIds = new Set<string>();
  graph.edges.forEach((edge, index) => {
    const path = `edges.${index}`;
    if (edgeIds.has(edge.id)) {
      errors.push({
        edgeId: edge.id,
        code: 'duplicate_id',
        path: `${path}.id`,
        message: `Edge "${edge.id}": another edge already has this id.`,
      });
      return;
    }
    edgeIds.add(edge.id);
    const source = nodes.get(edge.source);
    const missing = [edge.source, edge.target].filter((id) => !nodes.has(id));
    if (missing.length > 0) {
      errors.push({
        ...(source ? { nodeId: source.id } : {}),
        edgeId: edge.id,
        code: 'missing_node',
        path,
        message: `Edge "${edge.id}" connects to ${missing.map((id) => `"${id}"`).join(' and ')}, which is not a node.`,
      });
      return;
    }
    const handle = edge.sourceHandle ?? 'next';
    if (!nodeHandles(source!).includes(handle)) {
      const exits = nodeHandles(source!);
      errors.push({
        nodeId: source!.id,
        edgeId: edge.id,
        code: 'unknown_handle',
        path: `${path}.sourceHandle`,
        message: `Edge "${edge.id}" leaves ${describeNode(source!)} by "${handle}", which it does not have (${exits.length > 0 ? `exits: ${exits.join(', ')}` : 'it has no exits'}).`,
      });
      return;
    }
    const used = usedHandles.get(source!.id) ?? new Set<string>();
    if (used.has(handle)) {
      errors.push({
        nodeId: source!.id,
        edgeId: edge.id,
        code: 'duplicate_edge',
        path,
        message: `Edge "${edge.id}": ${describeNode(source!)} already has an edge on its "${handle}" exit.`,
      });
      return;
    }
    used.add(handle);
    usedHandles.set(source!.id, used);
    successors.set(source!.id, [...(successors.get(source!.id) ?? []), edge.target]);
  });

  for (const node of nodes.values()) {
    const used = usedHandles.get(node.id);
    const open = nodeHandles(node).filter((handle) => !used?.has(handle));
    if (open.length > 0) {
      errors.push({
        nodeId: node.id,
        code: 'dangling_branch',
        path: nodePath(node.id),
        message: `${describeNode(node)}: connect its ${open.map((handle) => `"${handle}"`).join(', ')} exit${open.length > 1 ? 's' : ''} (an end node will do).`,
      });
    }
  }

  if (starts.length > 0) {
    const reachable = descendants(
      starts.map((start) => start.id),
      successors,
    );
    for (const start of starts) reachable.add(start.id);
    for (const node of nodes.values()) {
      if (!reachable.has(node.id)) {
        errors.push({
          nodeId: node.id,
          code: 'unreachable',
          path: nodePath(node.id),
          message: `${describeNode(node)} cannot be reached from the start node.`,
        });
      }
    }
  }

  // A cycle without a pause is a cycle among the nodes that never wait.
  const isPause = (node: TProgramNode) => node.type === 'wait' || node.type === 'ask';
  const busyIds = [...nodes.values()].filter((node) => !isPause(node)).map((node) => node.id);
  const busy = new Set(busyIds);
  const busySuccessors = new Map(
    busyIds.map((id) => [id, (successors.get(id) ?? []).filter((target) => busy.has(target))]),
  );
  for (const component of stronglyConnectedComponents(busyIds, busySuccessors)) {
    const isCycle = component.length > 1 || (busySuccessors.get(component[0]!) ?? []).includes(component[0]!);
    if (!isCycle) continue;
    const first = component.reduce((a, b) => (nodeIndex.get(a)! <= nodeIndex.get(b)! ? a : b));
    errors.push({
      nodeId: first,
      code: 'loop_without_wait',
      path: nodePath(first),
      message: `${describeNode(nodes.get(first)!)} is in a loop (${component.length} node${component.length > 1 ? 's' : ''}) with no wait or question: it would repeat without pause. Add a wait node to it.`,
    });
  }

  // Template variables; answers are known after an ask node that saves them leads here.
  const answersAt = new Map<string, Set<string>>();
  for (const node of nodes.values()) {
    if (node.type !== 'ask' || !node.data.saveAs) continue;
    for (const id of descendants([node.id], successors)) {
      const names = answersAt.get(id) ?? new Set<string>();
      names.add(node.data.saveAs);
      answersAt.set(id, names);
    }
  }
  for (const node of nodes.values()) {
    const unknown = new Set<string>();
    for (const text of templateTexts(node)) {
      for (const placeholder of text.match(placeholderPattern) ?? []) {
        const [variable] = templateVariables(placeholder);
        if (variable === undefined) {
          unknown.add(placeholder);
          continue;
        }
        if (fixedVariables.has(variable) || attributeVariable.test(variable)) continue;
        const answer = answerVariable.exec(variable)?.[1];
        if (answer !== undefined && answersAt.get(node.id)?.has(answer)) continue;
        unknown.add(`{{${variable}}}`);
      }
    }
    if (unknown.size > 0) {
      const list = [...unknown];
      errors.push({
        nodeId: node.id,
        code: 'unknown_variable',
        path: `${nodePath(node.id)}.data`,
        message: `${describeNode(node)} uses ${list.join(', ')}, which ${list.length > 1 ? 'are' : 'is'} not known here. Known: {{member.firstName}}, {{member.name}}, {{member.email}}, {{member.attributes.NAME}}, {{creator.name}}, {{coach.name}}, and {{answers.NAME}} after an ask node that saves NAME.`,
      });
    }
  }

  if (options.knownProgramIds) {
    for (const node of nodes.values()) {
      if (node.type === 'goto_program' && !options.knownProgramIds.has(node.data.programId)) {
        errors.push({
          nodeId: node.id,
          code: 'unknown_program',
          path: `${nodePath(node.id)}.data.programId`,
          message: `${describeNode(node)} goes to program ${node.data.programId}, which is not one of your programs.`,
        });
      }
    }
  }
  return errors;
};

/** Validates a program graph from any input: size, schema, then structure. See the module comment. */
export const validateProgramGraph = (
  input: unknown,
  options: ValidateProgramOptions = {},
): ProgramGraphValidation => {
  let serialized: string | undefined;
  try {
    serialized = JSON.stringify(input);
  } catch {
    return {
      valid: false,
      errors: [{ code: 'schema', path: '', message: 'The graph is not JSON (it refers to itself).' }],
    };
  }
  const bytes = utf8Length(serialized ?? '');
  if (bytes > programLimits.maxGraphBytes) {
    return {
      valid: false,
      errors: [
        {
          code: 'too_large',
          path: '',
          message: `The graph takes ${bytes} bytes; the limit is ${programLimits.maxGraphBytes}. Split it into programs joined by "go to program".`,
        },
      ],
    };
  }
  const parsed = ZProgramGraph.safeParse(input);
  if (!parsed.success) return { valid: false, errors: schemaErrors(input, parsed.error.issues) };
  const errors = structuralErrors(parsed.data, options);
  return { valid: errors.length === 0, errors, graph: parsed.data };
};
