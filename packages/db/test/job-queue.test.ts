import { randomBytes, randomUUID } from 'node:crypto';
import { loadConfig } from '@companero/core/config/load-config';
import { createJobQueue, type JobDefinition } from '@companero/db/job-queue';
import { createRuntime, type Runtime } from '@companero/db/runtime';
import { withTenant } from '@companero/db/tenant';
import { backends, createTestEnvironment, type TestEnvironment } from '@companero/testing/backends';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { rejectionMessage } from './test-database';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const waitFor = async (condition: () => boolean, timeoutMs = 20_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(50);
  }
};

describe.each(backends())('job queue on $name', (backend) => {
  let environment: TestEnvironment;
  let runtime: Runtime;
  const creatorId = randomUUID();
  const suffix = randomBytes(3).toString('hex');

  const welcomeJob = {
    name: `test-welcome-${suffix}`,
    schema: z.object({ creatorId: z.uuid(), memberId: z.uuid(), note: z.string() }),
    options: { retryLimit: 0 },
  } satisfies JobDefinition<z.ZodType>;
  const digestJob = {
    name: `test-digest-${suffix}`,
    schema: z.object({ creatorId: z.uuid() }),
  } satisfies JobDefinition<z.ZodType>;

  const handled: Array<{ note: string; memberName: string | null; retryCount: number }> = [];

  const jobsOf = async (name: string) =>
    (
      await runtime.database.query<{ state: string; data: { note?: string }; output: unknown }>(
        'select state, data, output from pgboss.job where name = $1 order by created_on',
        [name],
      )
    ).rows;

  const addMember = (tx: { query: Runtime['database']['query'] }, name: string) =>
    tx
      .query<{ id: string }>('insert into members (creator_id, name) values ($1, $2) returning id', [
        creatorId,
        name,
      ])
      .then((result) => result.rows[0]!.id);

  beforeAll(async () => {
    environment = await createTestEnvironment(backend);
    runtime = await createRuntime(loadConfig(environment.env), { migrate: true });
    await runtime.database.query("insert into creators (id, name, slug) values ($1, 'Jobs', 'jobs')", [
      creatorId,
    ]);
    await runtime.jobs.start();
    await runtime.jobs.start();
    await runtime.jobs.define(welcomeJob);
    await runtime.jobs.define(digestJob);
    await runtime.jobs.work(welcomeJob, async (data, job) => {
      // Handlers re-enter their tenant from the payload: RLS applies as in a request.
      const memberName = await withTenant(runtime.db, data.creatorId, async (tx) => {
        const { rows } = await tx.query<{ name: string }>('select name from members where id = $1', [
          data.memberId,
        ]);
        return rows[0]?.name ?? null;
      });
      handled.push({ note: data.note, memberName, retryCount: job.retryCount });
    });
  });
  afterAll(async () => {
    await runtime?.close();
    await environment?.cleanup();
  });

  it('runs a job sent inside a committed tenant transaction, and its handler re-enters the tenant', async () => {
    const jobId = await withTenant(runtime.db, creatorId, async (tx) => {
      const memberId = await addMember(tx, 'Lucía');
      return runtime.jobs.send(welcomeJob, { creatorId, memberId, note: 'committed' }, { tx });
    });
    expect(jobId).toMatch(/^[0-9a-f-]{36}$/);
    await waitFor(() => handled.some((entry) => entry.note === 'committed'));
    expect(handled.find((entry) => entry.note === 'committed')).toEqual({
      note: 'committed',
      memberName: 'Lucía',
      retryCount: 0,
    });
  });

  it("confines a handler to the payload's tenant: another creator's member stays invisible", async () => {
    const otherCreatorId = randomUUID();
    await runtime.database.query("insert into creators (id, name, slug) values ($1, 'Other', 'other')", [
      otherCreatorId,
    ]);
    const memberId = await withTenant(runtime.db, creatorId, (tx) =>
      addMember(tx, 'Private to the first creator'),
    );
    await runtime.jobs.send(welcomeJob, { creatorId: otherCreatorId, memberId, note: 'cross-tenant' });
    await waitFor(() => handled.some((entry) => entry.note === 'cross-tenant'));
    expect(handled.find((entry) => entry.note === 'cross-tenant')!.memberName).toBeNull();
  });

  it('never runs a job sent inside a transaction that rolled back', async () => {
    const message = await rejectionMessage(
      withTenant(runtime.db, creatorId, async (tx) => {
        const memberId = await addMember(tx, 'Ghost');
        await runtime.jobs.send(welcomeJob, { creatorId, memberId, note: 'rolled back' }, { tx });
        throw new Error('payment declined');
      }),
    );
    expect(message).toBe('payment declined');
    expect((await jobsOf(welcomeJob.name)).map((job) => job.data.note)).not.toContain('rolled back');
    // A later job runs; by then the rolled-back one would have run too, had it existed.
    const memberId = await withTenant(runtime.db, creatorId, (tx) => addMember(tx, 'Sentinel'));
    await runtime.jobs.send(welcomeJob, { creatorId, memberId, note: 'sentinel' });
    await waitFor(() => handled.some((entry) => entry.note === 'sentinel'));
    expect(handled.map((entry) => entry.note)).not.toContain('rolled back');
  });

  it('rejects an invalid payload at send and enqueues nothing', async () => {
    const before = (await jobsOf(welcomeJob.name)).length;
    const message = await rejectionMessage(
      runtime.jobs.send(welcomeJob, { creatorId: 'not-a-uuid', memberId: randomUUID(), note: 'bad' }),
    );
    expect(message).toMatch(/creatorId/);
    expect((await jobsOf(welcomeJob.name)).length).toBe(before);
  });

  it('enqueues once for the same singletonKey within singletonSeconds', async () => {
    const options = {
      singletonKey: creatorId,
      singletonSeconds: 3600,
      startAfter: new Date(Date.now() + 3_600_000),
    };
    const first = await runtime.jobs.send(digestJob, { creatorId }, options);
    const second = await runtime.jobs.send(digestJob, { creatorId }, options);
    expect(first).toMatch(/^[0-9a-f-]{36}$/);
    expect(second).toBeNull();
    const other = await runtime.jobs.send(
      digestJob,
      { creatorId },
      { ...options, singletonKey: randomUUID() },
    );
    expect(other).toMatch(/^[0-9a-f-]{36}$/);
    expect(await jobsOf(digestJob.name)).toHaveLength(2);
  });

  it('delays a job by startAfter given in seconds', async () => {
    const id = await runtime.jobs.send(digestJob, { creatorId: randomUUID() }, { startAfter: 600 });
    const { rows } = await runtime.database.query<{ delay: number }>(
      'select extract(epoch from start_after - now())::int as delay from pgboss.job where id = $1',
      [id],
    );
    expect(rows[0]!.delay).toBeGreaterThan(590);
    expect(rows[0]!.delay).toBeLessThanOrEqual(600);
  });

  it('refuses to send inside a transaction to a queue that was not defined at start-up', async () => {
    const undefinedJob = { name: `test-undefined-${suffix}`, schema: z.object({ creatorId: z.uuid() }) };
    const message = await rejectionMessage(
      withTenant(runtime.db, creatorId, (tx) => runtime.jobs.send(undefinedJob, { creatorId }, { tx })),
    );
    expect(message).toBe(
      `Job queue ${undefinedJob.name} must be defined at start-up before it is used in a transaction.`,
    );
  });

  it('defines a queue on first use outside a transaction', async () => {
    const lateJob = { name: `test-late-${suffix}`, schema: z.object({ creatorId: z.uuid() }) };
    expect(await runtime.jobs.send(lateJob, { creatorId })).toMatch(/^[0-9a-f-]{36}$/);
    const queue = await runtime.jobs.boss.getQueue(lateJob.name);
    expect(queue).toMatchObject({
      name: lateJob.name,
      retryLimit: 5,
      retryBackoff: true,
      expireInSeconds: 900,
    });
  });

  it('fails a queued job whose payload breaks its schema without calling the handler', async () => {
    const brokenJob = {
      name: `test-broken-${suffix}`,
      schema: z.object({ creatorId: z.uuid() }),
      options: { retryLimit: 0 },
    } satisfies JobDefinition<z.ZodType>;
    let calls = 0;
    await runtime.jobs.work(brokenJob, async () => {
      calls += 1;
    });
    // Written straight through pg-boss, as an older release or another tool might have.
    await runtime.jobs.boss.send(brokenJob.name, { creatorId: 'legacy-id' });
    let jobs = await jobsOf(brokenJob.name);
    const deadline = Date.now() + 20_000;
    while (jobs[0]?.state !== 'failed' && Date.now() < deadline) {
      await sleep(100);
      jobs = await jobsOf(brokenJob.name);
    }
    expect(jobs[0]!.state).toBe('failed');
    expect(JSON.stringify(jobs[0]!.output)).toContain('has an invalid payload');
    expect(calls).toBe(0);
  });

  it('answers ping while the queue can read its tables', async () => {
    await expect(runtime.jobs.ping()).resolves.toBeUndefined();
  });

  it('finds a queue another process already created instead of creating it again', async () => {
    const second = createJobQueue({
      database: runtime.database,
      connectionString: runtime.config.DATABASE_URL,
      appRole: runtime.config.DATABASE_APP_ROLE,
    });
    await second.start();
    try {
      await second.define(welcomeJob);
      expect(
        (await runtime.jobs.boss.getQueues()).filter((queue) => queue.name === welcomeJob.name),
      ).toHaveLength(1);
    } finally {
      await second.stop({ graceful: false });
      await second.stop();
    }
  });
});

describe.each(backends().filter((backend) => backend.usesPostgres))(
  'job queues of processes starting together on $name',
  (backend) => {
    let environment: TestEnvironment;
    let runtime: Runtime;
    const suffix = randomBytes(3).toString('hex');

    beforeAll(async () => {
      environment = await createTestEnvironment(backend);
      runtime = await createRuntime(loadConfig(environment.env), { migrate: true });
      await runtime.jobs.start();
    });
    afterAll(async () => {
      await runtime?.close();
      await environment?.cleanup();
    });

    it('defines their queues without deadlocking', async () => {
      // Each new queue attaches a partition to pgboss.job; created concurrently they deadlocked.
      const queues = Array.from({ length: 3 }, () =>
        createJobQueue({
          database: runtime.database,
          connectionString: runtime.config.DATABASE_URL,
          appRole: runtime.config.DATABASE_APP_ROLE,
        }),
      );
      await Promise.all(queues.map((queue) => queue.start()));
      try {
        const names = Array.from({ length: 8 }, (_, index) => `test-together-${suffix}-${index}`);
        const outcomes = await Promise.allSettled(
          queues.map(async (queue, index) => {
            for (const name of index % 2 ? [...names].reverse() : names)
              await queue.define({ name, schema: z.object({}) });
          }),
        );
        const failures = outcomes.flatMap((outcome) =>
          outcome.status === 'rejected' ? [String(outcome.reason)] : [],
        );
        expect(failures).toEqual([]);
        const created = (await runtime.jobs.boss.getQueues()).filter((queue) => names.includes(queue.name));
        expect(created).toHaveLength(names.length);
      } finally {
        await Promise.all(queues.map((queue) => queue.stop({ graceful: false })));
      }
    });
  },
);
