import type { TProgramGraph } from '@companero/contracts/creator-hub/programs';

export type ProgramTemplate = {
  id: 'blank' | 'morning-check-in';
  name: string;
  description: string;
  graph: () => TProgramGraph;
};

const blankGraph = (): TProgramGraph => ({
  nodes: [{ id: 'start', type: 'start', position: { x: 0, y: 0 }, data: { triggers: [{ type: 'manual' }] } }],
  edges: [],
});

const encouragement = (mood: string, instruction: string) => ({
  instruction: `The member said they feel ${mood} this morning ({{answers.mood}}). ${instruction}`,
  useKnowledge: true,
  channel: 'auto' as const,
});

/**
 * Each morning at 08:00 (the member's time) the coach asks how they feel and answers the mood with a short
 * encouragement; a member who does not answer within the day simply finishes.
 */
const morningCheckInGraph = (): TProgramGraph => ({
  nodes: [
    { id: 'start', type: 'start', position: { x: 260, y: 0 }, data: { triggers: [{ type: 'manual' }] } },
    {
      id: 'wait-morning',
      type: 'wait',
      label: 'Next morning',
      position: { x: 260, y: 150 },
      data: { mode: 'until', time: '08:00' },
    },
    {
      id: 'ask-mood',
      type: 'ask',
      label: 'Morning check-in',
      position: { x: 200, y: 300 },
      data: {
        text: 'Good morning {{member.firstName}}! How do you feel this morning?',
        quickReplies: ['Great', 'Okay', 'Low'],
        channel: 'auto',
        branches: [
          { id: 'great', label: 'Great', match: { kind: 'choice', value: 'Great' } },
          { id: 'okay', label: 'Okay', match: { kind: 'choice', value: 'Okay' } },
          { id: 'low', label: 'Low', match: { kind: 'choice', value: 'Low' } },
        ],
        timeout: { amount: 12, unit: 'hours' },
        saveAs: 'mood',
      },
    },
    {
      id: 'ai-great',
      type: 'ai_message',
      label: 'Celebrate',
      position: { x: 0, y: 560 },
      data: encouragement(
        'great',
        'Celebrate it in one or two sentences and suggest one way to use the energy.',
      ),
    },
    {
      id: 'ai-okay',
      type: 'ai_message',
      label: 'Encourage',
      position: { x: 280, y: 560 },
      data: encouragement(
        'okay',
        'Encourage them warmly and suggest one small thing that could lift the day.',
      ),
    },
    {
      id: 'ai-low',
      type: 'ai_message',
      label: 'Support',
      position: { x: 560, y: 560 },
      data: encouragement(
        'low',
        'Acknowledge it kindly, without judging, and offer one gentle, doable idea.',
      ),
    },
    { id: 'end', type: 'end', position: { x: 300, y: 760 }, data: {} },
  ],
  edges: [
    { id: 'start-next', source: 'start', target: 'wait-morning', sourceHandle: 'next' },
    { id: 'wait-next', source: 'wait-morning', target: 'ask-mood', sourceHandle: 'next' },
    { id: 'ask-great', source: 'ask-mood', target: 'ai-great', sourceHandle: 'great' },
    { id: 'ask-okay', source: 'ask-mood', target: 'ai-okay', sourceHandle: 'okay' },
    { id: 'ask-low', source: 'ask-mood', target: 'ai-low', sourceHandle: 'low' },
    { id: 'ask-other', source: 'ask-mood', target: 'ai-okay', sourceHandle: 'other' },
    { id: 'ask-timeout', source: 'ask-mood', target: 'end', sourceHandle: 'timeout' },
    { id: 'great-next', source: 'ai-great', target: 'end', sourceHandle: 'next' },
    { id: 'okay-next', source: 'ai-okay', target: 'end', sourceHandle: 'next' },
    { id: 'low-next', source: 'ai-low', target: 'end', sourceHandle: 'next' },
  ],
});

export const programTemplates: ProgramTemplate[] = [
  {
    id: 'blank',
    name: 'Blank program',
    description: 'A Start step, and the canvas is yours.',
    graph: blankGraph,
  },
  {
    id: 'morning-check-in',
    name: '7-day morning check-in',
    description:
      'Waits until 08:00 in the member’s time zone, asks how they feel (Great, Okay or Low) and answers each mood with an encouraging message from the coach.',
    graph: morningCheckInGraph,
  },
];
