import PgBoss from 'pg-boss';
import type { z } from 'zod';
import type { Database, Queryable } from './database';
import { withMigrationLock } from './migrator';

export type JobOptions = {
  retryLimit?: number;
  retryDelay?: number;
  retryBackoff?: boolean;
  expireInSeconds?: number;
};

/** One kind of durable job: its queue name, the zod schema of its payload, and its retry policy. */
export type JobDefinition<Schema extends z.ZodType> = {
  name: string;
  schema: Schema;
  options?: JobOptions;
};

export type SendOptions = {
  /** Enqueue inside this open transaction: the job exists if and only if the transaction commits. */
  tx?: Queryable;
  startAfter?: Date | number;
  /** With singletonSeconds: at most one job per key per time slot (idempotent enqueue). */
  singletonKey?: string;
  singletonSeconds?: number;
};

export type JobContext = { id: string; retryCount: number };

export type JobQueue = {
  boss: PgBoss;
  start(): Promise<void>;
  define(definition: JobDefinition<z.ZodType>): Promise<void>;
  send<Schema extends z.ZodType>(
    definition: JobDefinition<Schema>,
    data: z.input<Schema>,
    options?: SendOptions,
  ): Promise<string | null>;
  work<Schema extends z.ZodType>(
    definition: JobDefinition<Schema>,
    handler: (data: z.output<Schema>, job: JobContext) => Promise<void>,
    options?: { pollingIntervalSeconds?: number; localConcurrency?: number },
  ): Promise<void>;
  stop(options?: { graceful?: boolean; timeoutMs?: number }): Promise<void>;
  ping(): Promise<void>;
};

const asPgBossDb = (queryable: Queryable & { exec?: Database['exec'] }) => ({
  // pg-boss sends its DDL and locked blocks as multi-statement scripts without parameters: those go to exec().
  async executeSql(text: string, values?: unknown[]) {
    if ((!values || values.length === 0) && queryable.exec) return queryable.exec(text);
    return queryable.query(text, values ?? []);
  },
});

// An arbitrary constant, like the migration lock's.
const queueCreationLockId = 4_217_002;

export type CreateJobQueueOptions = {
  database: Database;
  /** PostgreSQL: pg-boss keeps its own small pool, as the table owner so it can maintain its schema. */
  connectionString?: string;
  appRole: string;
  onError?: (error: Error) => void;
};

/**
 * Creates or upgrades pg-boss' schema as the owner, then lets the application role enqueue jobs inside its
 * own transactions (SendOptions.tx). Part of `companero db migrate`.
 */
export const installJobSchema = async (owner: Database, appRole: string): Promise<void> => {
  const boss = new PgBoss({ db: asPgBossDb(owner), schema: 'pgboss', supervise: false, schedule: false });
  boss.on('error', () => {});
  await boss.start();
  await boss.stop({ graceful: false, close: false, wait: true });
  await withMigrationLock(owner, (tx) =>
    tx.exec(`
    grant usage on schema pgboss to "${appRole}";
    grant select on pgboss.queue to "${appRole}";
    grant select, insert, delete on pgboss.job to "${appRole}";`),
  );
};

/**
 * pg-boss on the same database as the data (ARCHITECTURE §3): natively on PostgreSQL, through an adapter on
 * PGlite. Handlers must re-enter their tenant with `withTenant(…, data.creatorId, …)`.
 */
export const createJobQueue = (options: CreateJobQueueOptions): JobQueue => {
  const { database } = options;
  const boss =
    database.kind === 'pglite' || !options.connectionString
      ? new PgBoss({ db: asPgBossDb(database), schema: 'pgboss' })
      : new PgBoss({
          connectionString: options.connectionString,
          schema: 'pgboss',
          max: 4,
          application_name: 'companero-jobs',
        });
  boss.on('error', (error) => options.onError?.(error));
  const defined = new Set<string>();
  let isStarted = false;

  // Creating a queue attaches a partition to pgboss.job: processes starting together and creating different
  // queues at once deadlock ("deadlock detected" crashed one of two `companero start` replicas). They take
  // turns on an advisory lock instead (PGlite has one process).
  const createQueueInTurn = async (name: string, queueOptions: PgBoss.Queue) => {
    if (database.kind !== 'postgres') return boss.createQueue(name, queueOptions);
    await database.transaction(async (tx) => {
      await tx.query('select pg_advisory_xact_lock($1)', [queueCreationLockId]);
      if (!(await boss.getQueue(name))) await boss.createQueue(name, queueOptions);
    });
  };

  const define = async (definition: JobDefinition<z.ZodType>) => {
    if (defined.has(definition.name)) return;
    const existing = await boss.getQueue(definition.name);
    const queueOptions = {
      retryLimit: definition.options?.retryLimit ?? 5,
      retryDelay: definition.options?.retryDelay ?? 5,
      retryBackoff: definition.options?.retryBackoff ?? true,
      expireInSeconds: definition.options?.expireInSeconds ?? 15 * 60,
    };
    if (!existing) {
      try {
        await createQueueInTurn(definition.name, { name: definition.name, ...queueOptions });
      } catch (error) {
        // Another process created it between our check and our insert.
        if ((error as { code?: string }).code !== '23505') throw error;
      }
    }
    defined.add(definition.name);
  };

  return {
    boss,
    async start() {
      if (isStarted) return;
      await boss.start();
      isStarted = true;
    },
    define,
    async send(definition, data, sendOptions = {}) {
      if (sendOptions.tx && !defined.has(definition.name)) {
        // Defining reads pg-boss' tables outside the caller's transaction, which would deadlock on PGlite.
        throw new Error(
          `Job queue ${definition.name} must be defined at start-up before it is used in a transaction.`,
        );
      }
      await define(definition);
      const payload = definition.schema.parse(data);
      const pgBossOptions: PgBoss.SendOptions = {};
      if (sendOptions.singletonKey) pgBossOptions.singletonKey = sendOptions.singletonKey;
      if (sendOptions.singletonSeconds) pgBossOptions.singletonSeconds = sendOptions.singletonSeconds;
      if (sendOptions.startAfter !== undefined) {
        pgBossOptions.startAfter =
          typeof sendOptions.startAfter === 'number' ? sendOptions.startAfter : sendOptions.startAfter;
      }
      if (sendOptions.tx) pgBossOptions.db = asPgBossDb(sendOptions.tx);
      return boss.send(definition.name, payload as object, pgBossOptions);
    },
    async work(definition, handler, workOptions = {}) {
      await define(definition);
      // pg-boss 10 runs one fetch → handle → wait-the-polling-interval loop per work() call: local
      // concurrency is that many loops, each taking one job at a time.
      const loops = Math.max(1, workOptions.localConcurrency ?? 1);
      for (let loop = 0; loop < loops; loop += 1)
        await boss.work(
          definition.name,
          {
            pollingIntervalSeconds: workOptions.pollingIntervalSeconds ?? 1,
            batchSize: 1,
            includeMetadata: true,
          },
          async (jobs) => {
            for (const job of jobs) {
              const parsed = definition.schema.safeParse(job.data);
              if (!parsed.success) {
                // A payload that fails its schema will fail every retry too: give up on it loudly.
                throw new Error(
                  `Job ${definition.name}/${job.id} has an invalid payload: ${parsed.error.message}`,
                );
              }
              await handler(parsed.data, {
                id: job.id,
                retryCount: (job as { retryCount?: number }).retryCount ?? 0,
              });
            }
          },
        );
    },
    async stop(stopOptions = {}) {
      if (!isStarted) return;
      isStarted = false;
      await boss.stop({
        graceful: stopOptions.graceful ?? true,
        timeout: stopOptions.timeoutMs ?? 10_000,
        close: true,
        wait: true,
      });
    },
    async ping() {
      await boss.getQueues();
    },
  };
};
