import { z } from 'zod';
import { ZProblem } from '../common/problem';

/**
 * A coaching program is a graph: one `start` node holding the triggers, then steps joined by edges. An edge
 * leaves a node through a handle (`sourceHandle`): `next` for single-exit nodes, a branch id, `other` or
 * `timeout` for ask nodes, `true`/`false` for conditions, `next`/`failed` for webhooks. The same schema checks
 * the editor's draft, the API's input and the engine's frozen versions.
 */

export const programLimits = {
  maxNodes: 200,
  maxEdges: 400,
  /** Serialized graph size in bytes (UTF-8). */
  maxGraphBytes: 256 * 1024,
  maxTextLength: 4096,
  maxQuickReplies: 10,
  maxBranches: 12,
} as const;

const ZNodeId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, - and _');
const ZLocalTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day as HH:MM (24-hour)');
const ZWeekdays = z
  .array(z.number().int().min(0).max(6))
  .min(1)
  .max(7)
  .describe('Days of the week, 0 = Sunday … 6 = Saturday');
const ZMessageText = z.string().trim().min(1).max(programLimits.maxTextLength);
const ZQuickReplies = z.array(z.string().trim().min(1).max(40)).max(programLimits.maxQuickReplies);
const ZTag = z.string().trim().min(1).max(64);

/** Channels a step can prefer; the member's reachable channels and the creator's fallback order decide. */
export const programChannels = ['auto', 'whatsapp', 'telegram', 'widget', 'app', 'push'] as const;
const ZChannelPreference = z.enum(programChannels).default('auto');

export const ZDuration = z.object({
  amount: z.number().int().min(1).max(10_000),
  unit: z.enum(['minutes', 'hours', 'days']),
});
export type TDuration = z.infer<typeof ZDuration>;

export const ZProgramTrigger = z
  .discriminatedUnion('type', [
    z.object({ type: z.literal('manual').describe('Enrolled from the dashboard or the API') }),
    z.object({ type: z.literal('member_joined').describe("The member's first message or creation") }),
    z.object({ type: z.literal('tag_added'), tag: ZTag }),
    z.object({
      type: z.literal('keyword'),
      keywords: z.array(z.string().trim().min(1).max(64)).min(1).max(20),
    }),
    z.object({ type: z.literal('inactivity'), days: z.number().int().min(1).max(365) }),
    z.object({
      type: z.literal('date'),
      at: z.iso.datetime({ offset: true }).optional().describe('An absolute moment'),
      field: z
        .string()
        .max(64)
        .optional()
        .describe('Or a date attribute of the member (e.g. startDate), at `time` member-local'),
      offsetDays: z.number().int().min(-365).max(365).default(0),
      time: ZLocalTime.default('09:00'),
    }),
    z.object({
      type: z.literal('schedule'),
      time: ZLocalTime,
      weekdays: ZWeekdays.default([0, 1, 2, 3, 4, 5, 6]),
      tag: ZTag.optional().describe('Only members with this tag; all members when absent'),
    }),
  ])
  .meta({ id: 'ProgramTrigger' });
export type TProgramTrigger = z.infer<typeof ZProgramTrigger>;

export const ZAskBranch = z.object({
  id: ZNodeId.describe('The handle an edge leaves this branch by'),
  label: z.string().trim().min(1).max(60),
  match: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('choice'), value: z.string().trim().min(1).max(40) }),
    z.object({
      kind: z.literal('keyword'),
      keywords: z.array(z.string().trim().min(1).max(64)).min(1).max(20),
    }),
    z.object({ kind: z.literal('number'), min: z.number().optional(), max: z.number().optional() }),
    z
      .object({ kind: z.literal('ai'), intent: z.string().trim().min(1).max(200) })
      .describe('The coach classifies the reply against every ai branch intent'),
  ]),
});
export type TAskBranch = z.infer<typeof ZAskBranch>;

export const ZConditionRule = z.object({
  field: z.enum(['attribute', 'tag', 'channel', 'timezone', 'habit_streak', 'points']),
  key: z.string().max(64).optional().describe('Attribute name, or habit name for habit_streak'),
  op: z.enum(['eq', 'neq', 'contains', 'exists', 'not_exists', 'gt', 'gte', 'lt', 'lte', 'has', 'not_has']),
  value: z.union([z.string().max(200), z.number()]).optional(),
});
export type TConditionRule = z.infer<typeof ZConditionRule>;

const nodeBase = {
  id: ZNodeId,
  position: z.object({ x: z.number(), y: z.number() }).default({ x: 0, y: 0 }),
  label: z.string().max(80).optional(),
};

export const ZProgramNode = z
  .discriminatedUnion('type', [
    z.object({
      ...nodeBase,
      type: z.literal('start'),
      data: z.object({
        triggers: z
          .array(ZProgramTrigger)
          .max(10)
          .default([{ type: 'manual' }]),
      }),
    }),
    z.object({
      ...nodeBase,
      type: z.literal('message'),
      data: z.object({
        text: ZMessageText.describe(
          'Variables: {{member.firstName}}, {{member.name}}, {{member.attributes.X}}',
        ),
        quickReplies: ZQuickReplies.default([]),
        channel: ZChannelPreference,
      }),
    }),
    z.object({
      ...nodeBase,
      type: z.literal('ask'),
      data: z.object({
        text: ZMessageText,
        quickReplies: ZQuickReplies.default([]),
        channel: ZChannelPreference,
        branches: z.array(ZAskBranch).max(programLimits.maxBranches).default([]),
        timeout: ZDuration.default({ amount: 1, unit: 'days' }),
        saveAs: z
          .string()
          .regex(/^[A-Za-z][A-Za-z0-9_]{0,39}$/)
          .optional()
          .describe('Keep the reply as {{answers.NAME}} for later steps'),
      }),
    }),
    z.object({
      ...nodeBase,
      type: z.literal('wait'),
      data: z.discriminatedUnion('mode', [
        z.object({ mode: z.literal('duration'), duration: ZDuration }),
        z.object({ mode: z.literal('until'), time: ZLocalTime, weekdays: ZWeekdays.optional() }),
      ]),
    }),
    z.object({
      ...nodeBase,
      type: z.literal('condition'),
      data: z.object({
        match: z.enum(['all', 'any']).default('all'),
        rules: z.array(ZConditionRule).min(1).max(20),
      }),
    }),
    z.object({
      ...nodeBase,
      type: z.literal('ai_message'),
      data: z.object({
        instruction: z
          .string()
          .trim()
          .min(1)
          .max(2000)
          .describe('What the coach should write, e.g. encourage'),
        useKnowledge: z.boolean().default(true),
        channel: ZChannelPreference,
      }),
    }),
    z.object({
      ...nodeBase,
      type: z.literal('tag'),
      data: z.object({ action: z.enum(['add', 'remove']), tags: z.array(ZTag).min(1).max(20) }),
    }),
    z.object({
      ...nodeBase,
      type: z.literal('webhook'),
      data: z.object({ url: z.url({ protocol: /^https?$/ }).max(2000) }),
    }),
    z.object({ ...nodeBase, type: z.literal('goto_program'), data: z.object({ programId: z.uuid() }) }),
    z.object({ ...nodeBase, type: z.literal('end'), data: z.object({}).default({}) }),
  ])
  .meta({ id: 'ProgramNode' });
export type TProgramNode = z.infer<typeof ZProgramNode>;
export type TProgramNodeType = TProgramNode['type'];
export const programNodeTypes = [
  'start',
  'message',
  'ask',
  'wait',
  'condition',
  'ai_message',
  'tag',
  'webhook',
  'goto_program',
  'end',
] as const satisfies readonly TProgramNodeType[];

export const ZProgramEdge = z
  .object({
    id: z.string().min(1).max(128),
    source: ZNodeId,
    target: ZNodeId,
    sourceHandle: z
      .string()
      .max(64)
      .nullish()
      .describe('next (default), a branch id, other, timeout, true, false, failed'),
  })
  .meta({ id: 'ProgramEdge' });
export type TProgramEdge = z.infer<typeof ZProgramEdge>;

export const ZProgramGraph = z
  .object({
    nodes: z.array(ZProgramNode).max(programLimits.maxNodes),
    edges: z.array(ZProgramEdge).max(programLimits.maxEdges),
  })
  .meta({ id: 'ProgramGraph' });
export type TProgramGraph = z.infer<typeof ZProgramGraph>;

/** The exits a node has (the handles its outgoing edges may use). */
export const nodeHandles = (node: TProgramNode): string[] => {
  switch (node.type) {
    case 'end':
    case 'goto_program':
      return [];
    case 'ask':
      return [...node.data.branches.map((branch) => branch.id), 'other', 'timeout'];
    case 'condition':
      return ['true', 'false'];
    case 'webhook':
      return ['next', 'failed'];
    default:
      return ['next'];
  }
};

export const programErrorCodes = [
  'schema',
  'too_large',
  'no_start',
  'several_starts',
  'missing_node',
  'duplicate_id',
  'unknown_handle',
  'dangling_branch',
  'unreachable',
  'loop_without_wait',
  'unknown_variable',
  'private_webhook',
  'unknown_program',
  'duplicate_edge',
] as const;

export const ZProgramValidationError = z
  .object({
    nodeId: z.string().optional(),
    edgeId: z.string().optional(),
    code: z.enum(programErrorCodes),
    message: z.string(),
    path: z.string().optional().describe('Where in the graph, e.g. nodes.3.data.text'),
  })
  .meta({ id: 'ProgramValidationError' });
export type TProgramValidationError = z.infer<typeof ZProgramValidationError>;

export const ZProgramValidation = z
  .object({ valid: z.boolean(), errors: z.array(ZProgramValidationError) })
  .meta({ id: 'ProgramValidation' });

export const ZCreateProgram = z.object({
  name: z.string().trim().min(1).max(120),
  description: z.string().trim().max(2000).optional(),
  graph: z.unknown().describe('A ProgramGraph; checked against its schema with errors naming the node'),
});
export const ZUpdateProgram = z.object({
  name: z.string().trim().min(1).max(120).optional(),
  description: z.string().trim().max(2000).nullable().optional(),
  graph: z.unknown().optional(),
  revision: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe('The draft revision this edit is based on (409 if stale)'),
});

export const ZProgramSummary = z
  .object({
    id: z.uuid(),
    name: z.string(),
    description: z.string().nullable(),
    status: z.enum(['draft', 'published']),
    latestVersion: z.number().int().nullable(),
    hasUnpublishedChanges: z.boolean(),
    activeEnrollments: z.number().int(),
    updatedAt: z.string(),
  })
  .meta({ id: 'ProgramSummary' });

export const ZProgram = ZProgramSummary.extend({
  graph: ZProgramGraph,
  revision: z.number().int(),
  createdAt: z.string(),
}).meta({ id: 'Program' });
export type TProgram = z.infer<typeof ZProgram>;

export const ZProgramVersion = z
  .object({
    version: z.number().int(),
    publishedAt: z.string(),
    publishedBy: z.uuid().nullable(),
    graph: ZProgramGraph,
    enrollments: z.number().int(),
  })
  .meta({ id: 'ProgramVersion' });

export const enrollmentStatuses = ['active', 'waiting', 'completed', 'exited', 'failed'] as const;
export const ZEnrollment = z
  .object({
    id: z.uuid(),
    memberId: z.uuid(),
    memberName: z.string().nullable(),
    version: z.number().int(),
    status: z.enum(enrollmentStatuses),
    currentNodeId: z.string().nullable(),
    waitingFor: z.enum(['reply', 'time']).nullable(),
    wakeAt: z.string().nullable(),
    source: z.string(),
    enrolledAt: z.string(),
    updatedAt: z.string(),
    exitReason: z.string().nullable(),
  })
  .meta({ id: 'Enrollment' });
export type TEnrollment = z.infer<typeof ZEnrollment>;

export const ZEnrollMembers = z.object({ memberIds: z.array(z.uuid()).min(1).max(1000) });
export const ZEnrollResult = z.object({
  enrolled: z.array(z.uuid()),
  alreadyEnrolled: z.array(z.uuid()),
  notFound: z.array(z.uuid()),
});

export const ZProgramFunnel = z
  .object({
    version: z.number().int().nullable(),
    nodes: z.array(
      z.object({
        nodeId: z.string(),
        type: z.string(),
        entered: z.number().int(),
        completed: z.number().int(),
        dropped: z.number().int().describe('Entered and then exited, failed or unenrolled here'),
        waiting: z.number().int(),
      }),
    ),
  })
  .meta({ id: 'ProgramFunnel' });

/** One recorded step of an enrollment: what ran, what was sent or skipped, and why. */
export const ZProgramStep = z
  .object({
    seq: z.number().int(),
    nodeId: z.string(),
    nodeType: z.string(),
    outcome: z.enum(['entered', 'completed', 'waiting', 'deferred', 'skipped', 'failed', 'exited']),
    detail: z.record(z.string(), z.unknown()),
    at: z.string(),
  })
  .meta({ id: 'ProgramStep' });

/** Proactive sending rules of a creator; a member's own quiet hours and timezone override them. */
export const ZProactiveSettings = z
  .object({
    quietHours: z
      .object({ start: ZLocalTime, end: ZLocalTime })
      .nullable()
      .default({ start: '21:00', end: '08:00' }),
    maxPerDay: z.number().int().min(1).max(50).default(3),
    channelOrder: z
      .array(z.enum(['whatsapp', 'telegram', 'push', 'app', 'widget']))
      .max(5)
      .default(['whatsapp', 'telegram', 'push', 'app', 'widget']),
    unsubscribeKeywords: z
      .array(z.string().trim().min(1).max(32))
      .max(20)
      .default(['STOP', 'UNSUBSCRIBE', 'BAJA']),
    resubscribeKeywords: z.array(z.string().trim().min(1).max(32)).max(20).default(['START', 'ALTA']),
  })
  .meta({ id: 'ProactiveSettings' });
export type TProactiveSettings = z.infer<typeof ZProactiveSettings>;

export const ZSimulateProgram = z.object({
  member: z
    .object({
      name: z.string().max(120).default('Alex Sample'),
      timezone: z.string().max(64).default('UTC'),
      tags: z.array(ZTag).max(20).default([]),
      attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
      channel: z.string().max(20).default('widget'),
    })
    .default({ name: 'Alex Sample', timezone: 'UTC', tags: [], attributes: {}, channel: 'widget' }),
  replies: z
    .array(z.string().max(500))
    .max(50)
    .default([])
    .describe('What the sample member answers, in order'),
  startAt: z.iso.datetime({ offset: true }).optional(),
  maxSteps: z.number().int().min(1).max(500).default(100),
});
export const ZSimulationResult = z
  .object({
    path: z.array(
      z.object({
        nodeId: z.string(),
        type: z.string(),
        at: z.string().describe('Simulated time'),
        outcome: z.string(),
        detail: z.string(),
        via: z.string().nullable().describe('The handle taken out of this node'),
      }),
    ),
    ended: z.enum(['end', 'goto_program', 'waiting_for_reply', 'max_steps', 'dead_end']),
  })
  .meta({ id: 'SimulationResult' });

// --- Hub API shapes (programs.routes.ts) ---

export const ZProgramParams = z.object({ id: z.uuid() });
export const ZProgramListResponse = z.object({ items: z.array(ZProgramSummary) });
export const ZProgramVersionListResponse = z.object({ items: z.array(ZProgramVersion) });
export const ZPublishProgramResult = z
  .object({ version: z.number().int().describe('The published version (the latest one if nothing changed)') })
  .meta({ id: 'PublishProgramResult' });
export const ZDeleteProgramQuery = z.object({
  force: z
    .enum(['true', 'false'])
    .default('false')
    .transform((value) => value === 'true')
    .describe('Delete even with running enrollments (they end with the program)'),
});
export const ZSimulateProgramQuery = z.object({
  version: z.coerce
    .number()
    .int()
    .min(1)
    .optional()
    .describe('Simulate this published version instead of the draft'),
});

/** A 422 (or 409) about a program: `errors` name the node or edge, with the validation code. */
export const ZProgramProblem = ZProblem.extend({
  errors: z
    .array(
      z.object({
        path: z.string(),
        message: z.string(),
        code: z.string().optional(),
        nodeId: z.string().optional(),
        edgeId: z.string().optional(),
      }),
    )
    .optional(),
}).meta({
  id: 'ProgramProblem',
  description: 'RFC 9457 problem details; errors name the node or edge at fault',
});
