import { coachPersonaRepository } from '@companero/ai/coach-persona.repository';
import {
  simulateProgram,
  type TSimulateProgramInput,
} from '@companero/contracts/creator-hub/program-simulation';
import {
  draftBlockingErrorCodes,
  validateProgramGraph,
} from '@companero/contracts/creator-hub/program-validation';
import {
  type TProactiveSettings,
  type TProgramGraph,
  type TProgramValidationError,
  ZProactiveSettings,
} from '@companero/contracts/creator-hub/programs';
import type { StaffContext } from '@companero/core/auth/request-context';
import { AppError, notFound } from '@companero/core/errors/app-error';
import { type AddressLookup, assertPublicUrl } from '@companero/core/http/private-address';
import { isTimeZone } from '@companero/core/time/time-zone';
import { appendAuditEntry } from '@companero/db/audit-log';
import type { JobQueue } from '@companero/db/job-queue';
import { type TenantDatabase, type TenantTx, withTenant } from '@companero/db/tenant';
import { scheduleProgramTriggerScan } from '../engine/program-jobs';
import { proactiveSettingsRepository } from '../repositories/proactive-settings.repository';
import {
  type ProgramRow,
  type ProgramSummaryRow,
  programsRepository,
} from '../repositories/programs.repository';

export type ProgramsServiceDeps = {
  db: TenantDatabase;
  /** PROGRAM_WEBHOOKS_ALLOW_PRIVATE: webhook nodes may point at private, loopback and link-local addresses. */
  allowPrivateWebhooks: boolean;
  /** DNS for the webhook address check; the system resolver when absent. */
  lookup?: AddressLookup;
  now?: () => Date;
  /** Publishing a program with inactivity, date or schedule triggers starts its creator's minute scans. */
  jobs?: JobQueue;
};

const periodicTriggers = new Set(['inactivity', 'date', 'schedule']);
const hasPeriodicTrigger = (graph: TProgramGraph) =>
  graph.nodes.some(
    (node) =>
      node.type === 'start' && node.data.triggers.some((trigger) => periodicTriggers.has(trigger.type)),
  );

/** The creator's proactive sending rules, the defaults filled in (also when none were ever saved). */
export const getProactiveSettings = async (tx: TenantTx): Promise<TProactiveSettings> =>
  ZProactiveSettings.parse((await proactiveSettingsRepository.get(tx)) ?? {});

const iso = (date: Date) => new Date(date).toISOString();

const toSummary = (row: ProgramSummaryRow) => ({
  id: row.id,
  name: row.name,
  description: row.description,
  status: row.latestVersion === null ? ('draft' as const) : ('published' as const),
  latestVersion: row.latestVersion,
  hasUnpublishedChanges: row.publishedRevision !== row.revision,
  activeEnrollments: row.activeEnrollments,
  updatedAt: iso(row.updatedAt),
});

const toProgram = (row: ProgramRow) => ({
  ...toSummary(row),
  graph: row.draft,
  revision: row.revision,
  createdAt: iso(row.createdAt),
});

/** A 422 whose `errors` keep the validation code and the node or edge, with the path under `prefix`. */
const graphProblem = (message: string, errors: TProgramValidationError[], prefix: string) =>
  new AppError('VALIDATION_FAILED', {
    message,
    errors: errors.map((error) => ({ ...error, path: error.path ? `${prefix}.${error.path}` : prefix })),
  });

/** Schema, size and reference failures: a draft with these cannot be stored (structure is checked on publish). */
const parseDraftGraph = (input: unknown): TProgramGraph => {
  const result = validateProgramGraph(input);
  const blocking = result.errors.filter((error) => draftBlockingErrorCodes.has(error.code));
  if (!result.graph || blocking.length > 0) {
    throw graphProblem(
      blocking.length === 1 ? blocking[0]!.message : `The graph has ${blocking.length} errors.`,
      blocking,
      'body.graph',
    );
  }
  return result.graph;
};

// A resolver that does not answer within this time says nothing about the address; the sender checks again.
const dnsTimeoutMs = 3000;

/**
 * Programs of the creator hub: drafts edited in the dashboard (optimistic revisions), validation with the
 * shared rules plus what only the server can check (webhook addresses, the creator's program ids), publishing
 * into immutable versions, the simulator, and the creator's proactive sending rules.
 */
export const createProgramsService = (deps: ProgramsServiceDeps) => {
  const now = deps.now ?? (() => new Date());

  /** A webhook URL whose host is (or resolves to) a private address, unless the configuration allows it. */
  const webhookErrors = async (graph: TProgramGraph): Promise<TProgramValidationError[]> => {
    if (deps.allowPrivateWebhooks) return [];
    const checks = graph.nodes.map(async (node, index): Promise<TProgramValidationError | null> => {
      if (node.type !== 'webhook') return null;
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        await Promise.race([
          assertPublicUrl(node.data.url, {
            allowPrivate: false,
            ...(deps.lookup ? { lookup: deps.lookup } : {}),
          }),
          new Promise((resolve) => {
            timer = setTimeout(resolve, dnsTimeoutMs);
          }),
        ]);
        return null;
      } catch (error) {
        // A name that does not resolve now is not known to be private: the sender refuses private addresses
        // again at connect time, so only a definite private address is a validation error.
        if (!(error instanceof AppError)) return null;
        return {
          nodeId: node.id,
          code: 'private_webhook',
          path: `nodes.${index}.data.url`,
          message: `Node "${node.id}" (webhook): ${error.message}`,
        };
      } finally {
        clearTimeout(timer);
      }
    });
    return (await Promise.all(checks)).filter((error) => error !== null);
  };

  /** Every rule, for publishing: the shared validation against this creator's programs, then webhooks. */
  const validateForPublish = async (draft: TProgramGraph, knownProgramIds: Set<string>) => {
    const result = validateProgramGraph(draft, { knownProgramIds });
    const errors = [...result.errors, ...(result.graph ? await webhookErrors(result.graph) : [])];
    return { valid: errors.length === 0, errors };
  };

  /** The draft and the creator's program ids, read in one transaction (the checks after it may use DNS). */
  const readForValidation = (ctx: StaffContext, id: string) =>
    withTenant(deps.db, ctx.creatorId, async (tx) => {
      const program = await programsRepository.getById(tx, id);
      if (!program) throw notFound('program');
      return { program, knownProgramIds: new Set(await programsRepository.listIds(tx)) };
    });

  return {
    async list(ctx: StaffContext) {
      const rows = await withTenant(deps.db, ctx.creatorId, (tx) => programsRepository.list(tx));
      return { items: rows.map(toSummary) };
    },

    async get(ctx: StaffContext, id: string) {
      const row = await withTenant(deps.db, ctx.creatorId, (tx) => programsRepository.getById(tx, id));
      if (!row) throw notFound('program');
      return toProgram(row);
    },

    async create(
      ctx: StaffContext,
      input: { name: string; description?: string | undefined; graph: unknown },
    ) {
      const draft = parseDraftGraph(input.graph);
      return withTenant(deps.db, ctx.creatorId, async (tx) => {
        const id = await programsRepository.insert(tx, {
          name: input.name,
          description: input.description || null,
          draft,
          createdBy: ctx.actor.id,
        });
        await appendAuditEntry(tx, ctx, {
          action: 'program.created',
          targetType: 'program',
          targetId: id,
          metadata: { name: input.name, nodes: draft.nodes.length },
        });
        return toProgram((await programsRepository.getById(tx, id))!);
      });
    },

    /** Partial edit; `revision`, when given, must be the current one (else 409: someone saved in between). */
    async update(
      ctx: StaffContext,
      id: string,
      patch: { name?: string; description?: string | null; graph?: unknown; revision?: number },
    ) {
      const draft = patch.graph === undefined ? undefined : parseDraftGraph(patch.graph);
      return withTenant(deps.db, ctx.creatorId, async (tx) => {
        const locked = await programsRepository.lockById(tx, id);
        if (!locked) throw notFound('program');
        if (patch.revision !== undefined && patch.revision !== locked.revision) {
          throw new AppError('CONFLICT', {
            message: `The program was saved again since revision ${patch.revision} (it is at ${locked.revision}). Reload it and apply your change again.`,
          });
        }
        await programsRepository.update(tx, id, {
          ...(patch.name !== undefined ? { name: patch.name } : {}),
          ...(patch.description !== undefined ? { description: patch.description || null } : {}),
          ...(draft !== undefined ? { draft } : {}),
        });
        const row = (await programsRepository.getById(tx, id))!;
        await appendAuditEntry(tx, ctx, {
          action: 'program.updated',
          targetType: 'program',
          targetId: id,
          metadata: {
            fields: ['name', 'description', 'graph'].filter(
              (field) => patch[field as keyof typeof patch] !== undefined,
            ),
            revision: row.revision,
          },
        });
        return toProgram(row);
      });
    },

    /**
     * Deletes the program with its versions, enrollments and their step history (the tables cascade). With
     * running enrollments it refuses (409) unless `force`: the members then simply leave the program, and
     * their pending wake-ups go with it.
     */
    async delete(ctx: StaffContext, id: string, options: { force: boolean }) {
      await withTenant(deps.db, ctx.creatorId, async (tx) => {
        if (!(await programsRepository.lockById(tx, id))) throw notFound('program');
        const program = (await programsRepository.getById(tx, id))!;
        const running = await programsRepository.countRunningEnrollments(tx, id);
        if (running > 0 && !options.force) {
          throw new AppError('CONFLICT', {
            message: `${running} member${running > 1 ? 's are' : ' is'} still in this program. Remove them first, or delete with ?force=true to end their enrollments too.`,
          });
        }
        await programsRepository.delete(tx, id);
        await appendAuditEntry(tx, ctx, {
          action: 'program.deleted',
          targetType: 'program',
          targetId: id,
          metadata: { name: program.name, runningEnrollments: running, forced: options.force },
        });
      });
    },

    async validate(ctx: StaffContext, id: string) {
      const { program, knownProgramIds } = await readForValidation(ctx, id);
      return validateForPublish(program.draft, knownProgramIds);
    },

    /**
     * Freezes the validated draft as version latest + 1. Running enrollments stay on the version they started
     * on. Publishing a draft that has not changed since the last publish creates nothing (`created: false`).
     */
    async publish(ctx: StaffContext, id: string): Promise<{ version: number; created: boolean }> {
      const { program, knownProgramIds } = await readForValidation(ctx, id);
      if (program.latestVersion !== null && program.publishedRevision === program.revision) {
        return { version: program.latestVersion, created: false };
      }
      const validation = await validateForPublish(program.draft, knownProgramIds);
      if (!validation.valid) {
        throw graphProblem(
          `The program has ${validation.errors.length} problem${validation.errors.length > 1 ? 's' : ''} to fix before it can be published.`,
          validation.errors,
          'graph',
        );
      }
      return withTenant(deps.db, ctx.creatorId, async (tx) => {
        const locked = await programsRepository.lockById(tx, id);
        if (!locked) throw notFound('program');
        // The draft was validated outside this transaction (DNS lookups): publish it only if it is still the same.
        if (locked.revision !== program.revision) {
          throw new AppError('CONFLICT', {
            message: 'The program was saved while it was being published. Publish again.',
          });
        }
        const version = await programsRepository.insertVersion(tx, {
          programId: id,
          graph: program.draft,
          revision: program.revision,
          publishedBy: ctx.actor.id,
        });
        if (deps.jobs && hasPeriodicTrigger(program.draft as TProgramGraph))
          await scheduleProgramTriggerScan(deps.jobs, ctx.creatorId, { tx });
        await appendAuditEntry(tx, ctx, {
          action: 'program.published',
          targetType: 'program',
          targetId: id,
          metadata: { version, revision: program.revision },
        });
        return { version, created: true };
      });
    },

    async versions(ctx: StaffContext, id: string) {
      return withTenant(deps.db, ctx.creatorId, async (tx) => {
        if (!(await programsRepository.getById(tx, id))) throw notFound('program');
        const rows = await programsRepository.listVersions(tx, id);
        return {
          items: rows.map((row) => ({
            version: row.version,
            publishedAt: iso(row.publishedAt),
            publishedBy: row.publishedBy,
            graph: row.graph,
            enrollments: row.enrollments,
          })),
        };
      });
    },

    /** Runs the simulator on the draft, or on published `version`, for the sample member of `input`. */
    async simulate(
      ctx: StaffContext,
      id: string,
      input: TSimulateProgramInput,
      options: { version?: number },
    ) {
      if (!isTimeZone(input.member.timezone)) {
        throw new AppError('VALIDATION_FAILED', {
          message: `"${input.member.timezone}" is not a time zone.`,
          errors: [{ path: 'body.member.timezone', message: 'Use an IANA time zone such as Europe/Madrid' }],
        });
      }
      const { graph, settings, creatorName, coachName } = await withTenant(
        deps.db,
        ctx.creatorId,
        async (tx) => {
          const program = await programsRepository.getById(tx, id);
          if (!program) throw notFound('program');
          const version =
            options.version === undefined
              ? null
              : await programsRepository.versionByNumber(tx, id, options.version);
          if (options.version !== undefined && !version) throw notFound(`version ${options.version}`);
          return {
            graph: version?.graph ?? program.draft,
            settings: await getProactiveSettings(tx),
            creatorName: await programsRepository.creatorName(tx),
            coachName: (await coachPersonaRepository.get(tx)).name,
          };
        },
      );
      return simulateProgram(graph, input, {
        now: now(),
        creatorName,
        coachName,
        quietHours: settings.quietHours,
      });
    },

    getProactiveSettings(ctx: StaffContext) {
      return withTenant(deps.db, ctx.creatorId, (tx) => getProactiveSettings(tx));
    },

    async putProactiveSettings(ctx: StaffContext, settings: TProactiveSettings) {
      const repeated = settings.channelOrder.find(
        (channel, index) => settings.channelOrder.indexOf(channel) !== index,
      );
      if (repeated) {
        throw new AppError('VALIDATION_FAILED', {
          message: `"${repeated}" appears twice in channelOrder.`,
          errors: [{ path: 'body.channelOrder', message: 'List each channel once' }],
        });
      }
      return withTenant(deps.db, ctx.creatorId, async (tx) => {
        await proactiveSettingsRepository.upsert(tx, settings);
        await appendAuditEntry(tx, ctx, {
          action: 'program.proactive_settings_changed',
          targetType: 'proactive_settings',
          metadata: settings,
        });
        return getProactiveSettings(tx);
      });
    },
  };
};

export type ProgramsService = ReturnType<typeof createProgramsService>;
