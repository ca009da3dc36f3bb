import { randomUUID } from 'node:crypto';
import { createChannelEvents, type PendingEvent } from '@companero/channel/services/channel-events.service';
import { createOutbox } from '@companero/channel/services/outbox.service';
import { createProactiveService } from '@companero/channel/services/proactive.service';
import { withTenant } from '@companero/db/tenant';
import { backends } from '@companero/testing/backends';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProgramEngine } from '../src/engine/program-engine';
import { type ProgramWorkers, registerProgramWorkers } from '../src/engine/program-jobs';
import {
  type Body,
  type Creator,
  eventually,
  expectStatus,
  registerCreator,
  seedMember,
  teammateToken,
} from './hub-fixtures';
import { type HubTestServer, startHubServer } from './hub-test-server';
import { edges } from './program-engine-harness';

const graph = {
  nodes: [
    { id: 'start', type: 'start', data: { triggers: [{ type: 'manual' }] } },
    { id: 'hello', type: 'message', data: { text: 'Hello {{member.firstName}}!' } },
    {
      id: 'ask',
      type: 'ask',
      data: {
        text: 'Ready?',
        branches: [{ id: 'yes', label: 'Yes', match: { kind: 'choice', value: 'yes' } }],
      },
    },
    { id: 'end', type: 'end' },
  ],
  edges: edges(
    ['start', 'hello'],
    ['hello', 'ask'],
    ['ask', 'end', 'yes'],
    ['ask', 'end', 'other'],
    ['ask', 'end', 'timeout'],
  ),
};

describe.each(backends())('enrollment API and program workers ($name)', (backend) => {
  let hub: HubTestServer;
  let owner: Creator;
  let viewerToken: string;
  let programId: string;
  let workers: ProgramWorkers;
  const members: string[] = [];

  beforeAll(async () => {
    hub = await startHubServer(backend, { PROGRAM_SCHEDULER_INTERVAL_MS: '100' });
    const { runtime } = hub.server;
    // The workers as apps/server runs them, with the channel service's proactive sender as the messenger.
    const logger = pino({ level: 'silent' });
    const events = createChannelEvents({ pubsub: runtime.cache.pubsub, logger: logger as never });
    const proactive = createProactiveService({
      db: runtime.db,
      outbox: createOutbox({ jobs: runtime.jobs, events }),
      events,
    });
    const engine = createProgramEngine({
      db: runtime.db,
      jobs: runtime.jobs,
      ports: {
        messenger: {
          sendInTx: (tx, request) => proactive.sendInTxOrdered(tx, request),
          publish: (pending) => events.publishAll(pending as PendingEvent[]),
        },
      },
      logger,
      config: { schedulerIntervalMs: runtime.config.PROGRAM_SCHEDULER_INTERVAL_MS },
    });
    workers = await registerProgramWorkers(runtime, logger, engine);

    owner = await registerCreator(hub.http, 'programs-owner');
    viewerToken = await teammateToken(hub.http, owner, 'viewer');
    for (const name of ['Ana Ruiz', 'Bo Chen'])
      members.push(
        (
          await seedMember(hub.server, owner.creatorId, {
            name,
            timezone: 'UTC',
            identities: [{ channel: 'widget', externalId: `visitor-${randomUUID()}` }],
          })
        ).id,
      );
    const created = expectStatus(
      await hub.http.post<Body>('/api/hub/programs', { name: 'Kick-off', graph }, { token: owner.token }),
      201,
    );
    programId = created.body.id;
  });
  afterAll(async () => {
    await workers?.stop();
    await hub?.close();
  });

  const path = (suffix = '') => `/api/hub/programs/${programId}${suffix}`;

  it('refuses to enroll before the program is published (409), and lets only editors enroll', async () => {
    const early = await hub.http.post<Body>(
      path('/enrollments'),
      { memberIds: members },
      { token: owner.token },
    );
    expect(early.status).toBe(409);
    expect(early.body.code).toBe('CONFLICT');
    expectStatus(await hub.http.post(path('/publish'), {}, { token: owner.token }), 201);
    const forbidden = await hub.http.post<Body>(
      path('/enrollments'),
      { memberIds: members },
      { token: viewerToken },
    );
    expect(forbidden.status).toBe(403);
    const invalid = await hub.http.post<Body>(
      path('/enrollments'),
      { memberIds: ['nope'] },
      { token: owner.token },
    );
    expect(invalid.status).toBe(422);
  });

  it('enrolls, and the workers run the steps until the question waits for a reply', async () => {
    const unknown = randomUUID();
    const enrolled = expectStatus(
      await hub.http.post<Body>(
        path('/enrollments'),
        { memberIds: [...members, unknown] },
        { token: owner.token },
      ),
      200,
    );
    expect(enrolled.body).toEqual({ enrolled: members, alreadyEnrolled: [], notFound: [unknown] });
    const again = expectStatus(
      await hub.http.post<Body>(path('/enrollments'), { memberIds: [members[0]] }, { token: owner.token }),
      200,
    );
    expect(again.body).toEqual({ enrolled: [], alreadyEnrolled: [members[0]], notFound: [] });

    const waiting = await eventually(
      async () => {
        const list = await hub.http.get<Body>(path('/enrollments?status=waiting'), { token: viewerToken });
        return list.body.items?.length === 2 ? list.body : undefined;
      },
      { what: 'both enrollments waiting at the question' },
    );
    expect(waiting.items[0]).toMatchObject({
      status: 'waiting',
      currentNodeId: 'ask',
      waitingFor: 'reply',
      version: 1,
      source: 'manual',
    });
    const sent = await withTenant(hub.server.runtime.db, owner.creatorId, async (tx) => {
      const { rows } = await tx.query<{ content: string }>(
        `select content from messages where member_id = $1 and direction = 'out' order by created_at`,
        [members[0]],
      );
      return rows.map((row) => row.content);
    });
    expect(sent.sort()).toEqual(['Hello Ana!', 'Ready?']);

    const page = expectStatus(
      await hub.http.get<Body>(path('/enrollments?limit=1'), { token: viewerToken }),
      200,
    ).body;
    expect(page.items).toHaveLength(1);
    const next = expectStatus(
      await hub.http.get<Body>(path(`/enrollments?limit=1&cursor=${page.nextCursor}`), {
        token: viewerToken,
      }),
      200,
    ).body;
    expect(next.items[0].id).not.toBe(page.items[0].id);
    expect(next.nextCursor).toBeNull();

    const steps = expectStatus(
      await hub.http.get<Body>(path(`/enrollments/${page.items[0].id}/steps`), { token: viewerToken }),
      200,
    ).body;
    expect(steps.items.map((step: Body) => `${step.nodeId}:${step.outcome}`)).toEqual([
      'start:completed',
      'hello:completed',
      'ask:waiting',
    ]);
  });

  it('unenrolls a member, and counts the funnel per node', async () => {
    expect(
      (await hub.http.delete(path(`/enrollments/${members[1]}`), undefined, { token: viewerToken })).status,
    ).toBe(403);
    expectStatus(
      await hub.http.delete(path(`/enrollments/${members[1]}`), undefined, { token: owner.token }),
      204,
    );
    expect(
      (await hub.http.delete(path(`/enrollments/${members[1]}`), undefined, { token: owner.token })).status,
    ).toBe(404);
    const funnel = expectStatus(await hub.http.get<Body>(path('/funnel'), { token: viewerToken }), 200).body;
    expect(funnel.version).toBe(1);
    expect(funnel.nodes).toEqual([
      { nodeId: 'start', type: 'start', entered: 2, completed: 2, dropped: 0, waiting: 0 },
      { nodeId: 'hello', type: 'message', entered: 2, completed: 2, dropped: 0, waiting: 0 },
      { nodeId: 'ask', type: 'ask', entered: 2, completed: 0, dropped: 1, waiting: 1 },
      { nodeId: 'end', type: 'end', entered: 0, completed: 0, dropped: 0, waiting: 0 },
    ]);
    expect((await hub.http.get(path('/funnel?version=9'), { token: viewerToken })).status).toBe(404);
    const exited = expectStatus(
      await hub.http.get<Body>(path('/enrollments?status=exited'), { token: owner.token }),
      200,
    ).body;
    expect(exited.items).toMatchObject([{ memberId: members[1], exitReason: 'unenrolled' }]);
  });

  it("hides another creator's program enrollments", async () => {
    const other = await registerCreator(hub.http, 'programs-other');
    for (const request of [
      hub.http.get(path('/enrollments'), { token: other.token }),
      hub.http.get(path('/funnel'), { token: other.token }),
      hub.http.post(path('/enrollments'), { memberIds: members }, { token: other.token }),
      hub.http.delete(path(`/enrollments/${members[0]}`), undefined, { token: other.token }),
    ])
      expect((await request).status).toBe(404);
  });
});
