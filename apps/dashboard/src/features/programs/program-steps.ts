import {
  nodeHandles,
  type TDuration,
  type TProgramNode,
  type TProgramNodeType,
  type TProgramTrigger,
} from '@companero/contracts/creator-hub/programs';

/** A program node without its place on the canvas: what the side panel edits and the canvas node shows. */
export type ProgramStep = TProgramNode extends infer Node
  ? Node extends TProgramNode
    ? Omit<Node, 'id' | 'position'>
    : never
  : never;

export type StepOf<Type extends TProgramNodeType> = Extract<ProgramStep, { type: Type }>;

type StepKind = {
  label: string;
  /** One line for the palette and the screen-reader description of the node. */
  description: string;
  /** The node's accent colour; text on it stays dark, so any of these passes contrast. */
  accent: string;
  /** Whether the palette offers it (a program has one start, made with the program). */
  isInPalette: boolean;
};

export const stepKinds: Record<TProgramNodeType, StepKind> = {
  start: {
    label: 'Start',
    description: 'Where members enter: by hand, when they join, on a tag, a keyword or a schedule.',
    accent: '#16a34a',
    isInPalette: false,
  },
  message: {
    label: 'Message',
    description: 'Sends a message, with optional quick replies.',
    accent: '#4f46e5',
    isInPalette: true,
  },
  ask: {
    label: 'Ask',
    description: 'Asks a question and branches on the answer.',
    accent: '#0891b2',
    isInPalette: true,
  },
  wait: {
    label: 'Wait',
    description: 'Waits for a while, or until a time of day in the member’s time zone.',
    accent: '#d97706',
    isInPalette: true,
  },
  condition: {
    label: 'Condition',
    description: 'Goes one way or another on tags, attributes, channel or streaks.',
    accent: '#7c3aed',
    isInPalette: true,
  },
  ai_message: {
    label: 'AI message',
    description: 'The coach writes a message from your instruction and knowledge.',
    accent: '#db2777',
    isInPalette: true,
  },
  tag: {
    label: 'Tag',
    description: 'Adds or removes tags on the member.',
    accent: '#0d9488',
    isInPalette: true,
  },
  webhook: {
    label: 'Webhook',
    description: 'Tells another system (POST to a URL) and goes on.',
    accent: '#64748b',
    isInPalette: true,
  },
  goto_program: {
    label: 'Go to program',
    description: 'Moves the member into another program.',
    accent: '#9333ea',
    isInPalette: true,
  },
  end: {
    label: 'End',
    description: 'The member finishes the program.',
    accent: '#dc2626',
    isInPalette: true,
  },
};

export const paletteStepTypes = (Object.keys(stepKinds) as TProgramNodeType[]).filter(
  (type) => stepKinds[type].isInPalette,
);

/** What a step of each type starts with when it is dropped on the canvas; empty texts ask to be written. */
export const newStep = (type: TProgramNodeType): ProgramStep => {
  switch (type) {
    case 'start':
      return { type, data: { triggers: [{ type: 'manual' }] } };
    case 'message':
      return { type, data: { text: '', quickReplies: [], channel: 'auto' } };
    case 'ask':
      return {
        type,
        data: {
          text: '',
          quickReplies: [],
          channel: 'auto',
          branches: [],
          timeout: { amount: 1, unit: 'days' },
        },
      };
    case 'wait':
      return { type, data: { mode: 'duration', duration: { amount: 1, unit: 'days' } } };
    case 'condition':
      return { type, data: { match: 'all', rules: [{ field: 'tag', op: 'has', value: '' }] } };
    case 'ai_message':
      return { type, data: { instruction: '', useKnowledge: true, channel: 'auto' } };
    case 'tag':
      return { type, data: { action: 'add', tags: [] } };
    case 'webhook':
      return { type, data: { url: '' } };
    case 'goto_program':
      return { type, data: { programId: '' } };
    case 'end':
      return { type, data: {} };
  }
};

/** A node id the schema accepts (letters, digits, - and _) and that is unique in practice. */
export const newNodeId = (type: TProgramNodeType, taken: ReadonlySet<string> = new Set()): string => {
  for (;;) {
    const id = `${type.replace('_', '-')}-${crypto.randomUUID().slice(0, 6)}`;
    if (!taken.has(id)) return id;
  }
};

/** The node's exits, with the words shown next to each handle. */
export const stepExits = (node: TProgramNode): { handle: string; label: string }[] =>
  nodeHandles(node).map((handle) => ({ handle, label: exitLabel(node, handle) }));

const exitLabel = (node: TProgramNode, handle: string): string => {
  if (node.type === 'ask') {
    const branch = node.data.branches.find((candidate) => candidate.id === handle);
    if (branch) return branch.label.trim() || 'Unnamed answer';
    if (handle === 'other') return 'Any other answer';
    if (handle === 'timeout') return 'No answer';
  }
  if (node.type === 'condition') return handle === 'true' ? 'Yes' : 'No';
  if (node.type === 'webhook') return handle === 'failed' ? 'Failed' : 'Next';
  return 'Next';
};

const unitWords: Record<TDuration['unit'], [string, string]> = {
  minutes: ['minute', 'minutes'],
  hours: ['hour', 'hours'],
  days: ['day', 'days'],
};

export const durationText = (duration: TDuration): string =>
  `${duration.amount} ${unitWords[duration.unit][duration.amount === 1 ? 0 : 1]}`;

const weekdayNames = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

export const weekdaysText = (weekdays: readonly number[] | undefined): string => {
  if (!weekdays || weekdays.length === 0 || weekdays.length === 7) return 'every day';
  const sorted = [...weekdays].sort();
  if (sorted.join() === '1,2,3,4,5') return 'on weekdays';
  if (sorted.join() === '0,6') return 'at weekends';
  return `on ${sorted.map((day) => weekdayNames[day]).join(', ')}`;
};

export const triggerText = (trigger: TProgramTrigger): string => {
  switch (trigger.type) {
    case 'manual':
      return 'Enrolled by hand';
    case 'member_joined':
      return 'When a member joins';
    case 'tag_added':
      return `When tagged “${trigger.tag}”`;
    case 'keyword':
      return `When they write ${trigger.keywords.map((keyword) => `“${keyword}”`).join(' or ')}`;
    case 'inactivity':
      return `After ${trigger.days} quiet day${trigger.days === 1 ? '' : 's'}`;
    case 'date':
      return trigger.at
        ? `On ${trigger.at.slice(0, 16).replace('T', ' ')}`
        : `On their ${trigger.field ?? 'date'}${trigger.offsetDays ? ` ${trigger.offsetDays > 0 ? '+' : ''}${trigger.offsetDays} days` : ''} at ${trigger.time}`;
    case 'schedule':
      return `At ${trigger.time} ${weekdaysText(trigger.weekdays)}${trigger.tag ? ` for “${trigger.tag}”` : ''}`;
  }
};

const conditionOperators: Record<string, string> = {
  eq: 'is',
  neq: 'is not',
  contains: 'contains',
  exists: 'is set',
  not_exists: 'is not set',
  gt: '>',
  gte: '≥',
  lt: '<',
  lte: '≤',
  has: 'has',
  not_has: 'has not',
};

/** The lines a node shows under its title: what it does, in a few words. */
export const stepSummary = (
  step: ProgramStep,
  programNames: ReadonlyMap<string, string> = new Map(),
): string[] => {
  switch (step.type) {
    case 'start':
      return step.data.triggers.length > 0 ? step.data.triggers.map(triggerText) : ['No trigger yet'];
    case 'message':
      return [step.data.text.trim() || 'No text yet'];
    case 'ask':
      return [
        step.data.text.trim() || 'No question yet',
        `Waits ${durationText(step.data.timeout)} for an answer`,
      ];
    case 'wait':
      return step.data.mode === 'duration'
        ? [`Wait ${durationText(step.data.duration)}`]
        : [`Wait until ${step.data.time} ${weekdaysText(step.data.weekdays)}`];
    case 'condition':
      return [
        `${step.data.match === 'all' ? 'All' : 'Any'} of:`,
        ...step.data.rules.map((rule) =>
          [rule.field.replace('_', ' '), rule.key, conditionOperators[rule.op] ?? rule.op, rule.value]
            .filter((part) => part !== undefined && part !== '')
            .join(' '),
        ),
      ];
    case 'ai_message':
      return [step.data.instruction.trim() || 'No instruction yet'];
    case 'tag':
      return [
        step.data.tags.length > 0
          ? `${step.data.action === 'add' ? 'Add' : 'Remove'} ${step.data.tags.map((tag) => `“${tag}”`).join(', ')}`
          : 'No tags yet',
      ];
    case 'webhook':
      return [step.data.url.trim() || 'No URL yet'];
    case 'goto_program':
      return [
        step.data.programId
          ? `To “${programNames.get(step.data.programId) ?? 'another program'}”`
          : 'No program chosen yet',
      ];
    case 'end':
      return ['The program ends here'];
  }
};

/** The node's name: its own label when it has one, else the kind of step. */
export const stepTitle = (step: ProgramStep): string => step.label?.trim() || stepKinds[step.type].label;
