import { programLimits } from '@companero/contracts/creator-hub/programs';
import { withTenant } from '@companero/db/tenant';
import { backends } from '@companero/testing/backends';
import type { HttpClient, JsonResponse } from '@companero/testing/http-client';
import type { TestServer } from '@companero/testing/test-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestVersion } from '../src/repositories/programs.repository';
import {
  type Body,
  type Creator,
  expectStatus,
  registerCreator,
  seedMember,
  teammateToken,
} from './hub-fixtures';
import { type HubTestServer, startHubServer } from './hub-test-server';

type RawNode = { id: string; type: string; data?: Record<string, unknown> };
type RawEdge = { id: string; source: string; target: string; sourceHandle?: string };
type RawGraph = { nodes: RawNode[]; edges: RawEdge[] };

const edges = (...list: [string, string, string?][]): RawEdge[] =>
  list.map(([source, target, sourceHandle], index) => ({
    id: `e${index + 1}`,
    source,
    target,
    ...(sourceHandle ? { sourceHandle } : {}),
  }));

/** start → ask sleep (yes / no) → yes: wait until 08:00 → morning message → end; no, other, timeout → end. */
const sleepGraph = (
  morningText = 'Morning {{member.firstName}}! You said "{{answers.sleep}}".',
): RawGraph => ({
  nodes: [
    { id: 'start', type: 'start', data: { triggers: [{ type: 'manual' }] } },
    {
      id: 'ask',
      type: 'ask',
      data: {
        text: 'Did you sleep well, {{member.firstName}}?',
        quickReplies: ['Yes', 'No'],
        saveAs: 'sleep',
        branches: [
          { id: 'yes', label: 'Yes', match: { kind: 'choice', value: 'yes' } },
          { id: 'no', label: 'No', match: { kind: 'keyword', keywords: ['no', 'badly'] } },
        ],
      },
    },
    { id: 'wait', type: 'wait', data: { mode: 'until', time: '08:00' } },
    { id: 'morning', type: 'message', data: { text: morningText } },
    { id: 'end', type: 'end' },
  ],
  edges: edges(
    ['start', 'ask'],
    ['ask', 'wait', 'yes'],
    ['ask', 'end', 'no'],
    ['ask', 'end', 'other'],
    ['ask', 'end', 'timeout'],
    ['wait', 'morning'],
    ['morning', 'end'],
  ),
});

const webhookGraph = (urls: string[]): RawGraph => {
  const hooks = urls.map(
    (url, index): RawNode => ({ id: `hook${index + 1}`, type: 'webhook', data: { url } }),
  );
  const chain = ['start', ...hooks.map((hook) => hook.id), 'end'];
  return {
    nodes: [{ id: 'start', type: 'start', data: {} }, ...hooks, { id: 'end', type: 'end' }],
    edges: edges(
      ...chain.slice(1).map((target, index): [string, string] => [chain[index]!, target]),
      ...hooks.map((hook): [string, string, string] => [hook.id, 'end', 'failed']),
    ),
  };
};

describe.each(backends())('programs API on $name', (backend) => {
  let hub: HubTestServer;
  let server: TestServer;
  let http: HttpClient;
  let owner: Creator;
  let rival: Creator;
  let viewer: string;
  let editor: string;

  beforeAll(async () => {
    hub = await startHubServer(backend);
    ({ server, http } = hub);
    owner = await registerCreator(http, 'programs');
    rival = await registerCreator(http, 'rival');
    viewer = await teammateToken(http, owner, 'viewer');
    editor = await teammateToken(http, owner, 'editor');
  });
  afterAll(async () => hub?.close());

  const put = (path: string, body: unknown, token: string) =>
    http.request<Body>('PUT', path, { body, token });
  const create = async (graph: unknown = sleepGraph(), token = owner.token, name = 'Sleep check-in') =>
    expectStatus(await http.post<Body>('/api/hub/programs', { name, graph }, { token }), 201).body;
  const read = async (id: string) =>
    expectStatus(await http.get<Body>(`/api/hub/programs/${id}`, { token: owner.token }), 200).body;
  const enroll = async (programId: string, status: 'active' | 'waiting' | 'completed' = 'active') => {
    const member = await seedMember(server, owner.creatorId, { name: `Enrolled ${status}` });
    return withTenant(server.runtime.db, owner.creatorId, async (tx) => {
      const version = await latestVersion(tx, programId);
      await tx.query(
        `insert into program_enrollments (creator_id, program_id, version_id, member_id, status)
         values ($1, $2, $3, $4, $5)`,
        [owner.creatorId, programId, version!.id, member.id, status],
      );
      return version!;
    });
  };
  const auditActions = async () => {
    const audit = expectStatus(
      await http.get<Body>('/api/auth/audit?limit=200', { token: owner.token }),
      200,
    );
    return audit.body.items.map((entry: Body) => entry.action) as string[];
  };

  it('creates, lists, reads, edits and deletes a draft, and audits each change', async () => {
    const created = await create();
    expect(created).toMatchObject({
      name: 'Sleep check-in',
      description: null,
      status: 'draft',
      latestVersion: null,
      hasUnpublishedChanges: true,
      activeEnrollments: 0,
      revision: 1,
    });
    // Stored parsed: defaults of the schema are filled in.
    expect(created.graph.nodes[1].data.timeout).toEqual({ amount: 1, unit: 'days' });

    const list = expectStatus(await http.get<Body>('/api/hub/programs', { token: owner.token }), 200);
    expect(list.body.items).toContainEqual(
      expect.objectContaining({
        id: created.id,
        name: 'Sleep check-in',
        status: 'draft',
        activeEnrollments: 0,
      }),
    );
    expect(await read(created.id)).toEqual(created);

    const renamed = expectStatus(
      await put(`/api/hub/programs/${created.id}`, { name: 'Sleep', description: 'Nightly' }, owner.token),
      200,
    ).body;
    expect(renamed).toMatchObject({ name: 'Sleep', description: 'Nightly', revision: 1 });

    const edited = expectStatus(
      await put(`/api/hub/programs/${created.id}`, { graph: sleepGraph('Hello again') }, owner.token),
      200,
    ).body;
    expect(edited.revision).toBe(2);
    expect(edited.graph.nodes[3].data.text).toBe('Hello again');
    const unchanged = expectStatus(
      await put(`/api/hub/programs/${created.id}`, { graph: sleepGraph('Hello again') }, owner.token),
      200,
    ).body;
    expect(unchanged.revision).toBe(2);

    expectStatus(
      await http.delete<Body>(`/api/hub/programs/${created.id}`, undefined, { token: owner.token }),
      204,
    );
    expectStatus(await http.get<Body>(`/api/hub/programs/${created.id}`, { token: owner.token }), 404);
    expect(await auditActions()).toEqual(
      expect.arrayContaining(['program.created', 'program.updated', 'program.deleted']),
    );
  });

  it('lets a viewer read, validate and simulate but answers 403 to every write; an editor writes', async () => {
    const program = await create();
    const path = `/api/hub/programs/${program.id}`;
    expectStatus(await http.get<Body>('/api/hub/programs', { token: viewer }), 200);
    expectStatus(await http.get<Body>(path, { token: viewer }), 200);
    expectStatus(await http.post<Body>(`${path}/validate`, undefined, { token: viewer }), 200);
    expectStatus(await http.post<Body>(`${path}/simulate`, {}, { token: viewer }), 200);
    const writes: [string, Promise<JsonResponse<Body>>][] = [
      ['create', http.post<Body>('/api/hub/programs', { name: 'x', graph: sleepGraph() }, { token: viewer })],
      ['edit', put(path, { name: 'Viewer was here' }, viewer)],
      ['publish', http.post<Body>(`${path}/publish`, undefined, { token: viewer })],
      ['delete', http.delete<Body>(path, undefined, { token: viewer })],
      ['proactive settings', put('/api/hub/programs/settings/proactive', { maxPerDay: 9 }, viewer)],
    ];
    for (const [what, send] of writes) {
      const response = await send;
      expect(response.status, what).toBe(403);
      expect(response.body.code, what).toBe('FORBIDDEN');
    }
    expect(await read(program.id)).toMatchObject({ name: 'Sleep check-in', latestVersion: null });

    const byEditor = await create(sleepGraph(), editor, 'Editor’s program');
    expectStatus(await put(`/api/hub/programs/${byEditor.id}`, { name: 'Renamed' }, editor), 200);
    expectStatus(
      await http.post<Body>(`/api/hub/programs/${byEditor.id}/publish`, undefined, { token: editor }),
      201,
    );
    expectStatus(
      await http.delete<Body>(`/api/hub/programs/${byEditor.id}`, undefined, { token: editor }),
      204,
    );
  });

  it('answers 404 to another creator for every endpoint of a program, and changes nothing', async () => {
    const program = await create();
    const path = `/api/hub/programs/${program.id}`;
    const attempts: [string, Promise<JsonResponse<Body>>][] = [
      ['read', http.get<Body>(path, { token: rival.token })],
      ['edit', put(path, { name: 'Stolen' }, rival.token)],
      ['validate', http.post<Body>(`${path}/validate`, undefined, { token: rival.token })],
      ['publish', http.post<Body>(`${path}/publish`, undefined, { token: rival.token })],
      ['versions', http.get<Body>(`${path}/versions`, { token: rival.token })],
      ['simulate', http.post<Body>(`${path}/simulate`, {}, { token: rival.token })],
      ['delete', http.delete<Body>(path, undefined, { token: rival.token })],
    ];
    for (const [what, send] of attempts) {
      const response = await send;
      expect(response.status, what).toBe(404);
      expect(response.body.code, what).toBe('NOT_FOUND');
    }
    const list = expectStatus(await http.get<Body>('/api/hub/programs', { token: rival.token }), 200);
    expect(list.body.items).toEqual([]);
    expect(await read(program.id)).toMatchObject({
      name: 'Sleep check-in',
      latestVersion: null,
      revision: 1,
    });
  });

  it('answers 422 naming the node or edge for a schema failure, a missing node and a graph over the size limit', async () => {
    const before = expectStatus(await http.get<Body>('/api/hub/programs', { token: owner.token }), 200).body
      .items.length;
    const post = (graph: unknown) =>
      http.post<Body>('/api/hub/programs', { name: 'Broken', graph }, { token: owner.token });

    const emptyText = sleepGraph();
    emptyText.nodes[3]!.data = { text: '' };
    const schema = expectStatus(await post(emptyText), 422);
    expect(schema.body.code).toBe('VALIDATION_FAILED');
    expect(schema.body.errors).toEqual([
      expect.objectContaining({ code: 'schema', nodeId: 'morning', path: 'body.graph.nodes.3.data.text' }),
    ]);
    expect(schema.body.detail).toContain('Node "morning" (message): data.text');

    const missing = sleepGraph();
    missing.edges[5]!.target = 'ghost';
    const missingNode = expectStatus(await post(missing), 422);
    expect(missingNode.body.errors).toEqual([
      expect.objectContaining({
        code: 'missing_node',
        edgeId: 'e6',
        nodeId: 'wait',
        path: 'body.graph.edges.5',
      }),
    ]);

    const huge = sleepGraph();
    for (let index = 0; index < 70; index += 1)
      huge.nodes.push({ id: `filler${index}`, type: 'message', data: { text: 'z'.repeat(4000) } });
    expect(JSON.stringify(huge).length).toBeGreaterThan(programLimits.maxGraphBytes);
    const tooLarge = expectStatus(await post(huge), 422);
    expect(tooLarge.body.errors).toEqual([
      expect.objectContaining({ code: 'too_large', path: 'body.graph' }),
    ]);

    const program = await create();
    const onEdit = expectStatus(
      await put(`/api/hub/programs/${program.id}`, { graph: missing }, owner.token),
      422,
    );
    expect(onEdit.body.errors[0]).toMatchObject({ code: 'missing_node', edgeId: 'e6' });
    expect((await read(program.id)).revision).toBe(1);
    const after = expectStatus(await http.get<Body>('/api/hub/programs', { token: owner.token }), 200).body
      .items;
    expect(after.length).toBe(before + 1);
  });

  it('refuses a draft whose edges use an unknown exit or share one, or whose ids repeat', async () => {
    const post = (graph: unknown) =>
      http.post<Body>('/api/hub/programs', { name: 'Broken', graph }, { token: owner.token });
    const unknownHandle = sleepGraph();
    unknownHandle.edges[5]!.sourceHandle = 'true';
    expect(expectStatus(await post(unknownHandle), 422).body.errors).toEqual([
      expect.objectContaining({ code: 'unknown_handle', nodeId: 'wait', edgeId: 'e6' }),
    ]);
    const sharedExit = sleepGraph();
    sharedExit.edges.push({ id: 'e99', source: 'morning', target: 'ask' });
    expect(expectStatus(await post(sharedExit), 422).body.errors).toEqual([
      expect.objectContaining({ code: 'duplicate_edge', nodeId: 'morning', edgeId: 'e99' }),
    ]);
    const repeated = sleepGraph();
    repeated.nodes.push({ id: 'wait', type: 'end' });
    expect(expectStatus(await post(repeated), 422).body.errors).toEqual([
      expect.objectContaining({ code: 'duplicate_id', nodeId: 'wait' }),
    ]);
  });

  it('keeps structural problems in a draft and reports each on validate, naming the node', async () => {
    const foreignProgram = await create(sleepGraph(), rival.token);
    const graph: RawGraph = {
      nodes: [
        { id: 's1', type: 'start', data: {} },
        { id: 'greet', type: 'message', data: { text: 'Hi {{member.nickname}}' } },
        { id: 'hook', type: 'webhook', data: { url: 'http://127.0.0.1:9/hook' } },
        { id: 'check', type: 'condition', data: { rules: [{ field: 'tag', op: 'has', value: 'vip' }] } },
        { id: 'jump', type: 'goto_program', data: { programId: foreignProgram.id } },
        { id: 'tagA', type: 'tag', data: { action: 'add', tags: ['a'] } },
        { id: 'tagB', type: 'tag', data: { action: 'add', tags: ['b'] } },
        { id: 's2', type: 'start', data: {} },
        { id: 'island', type: 'message', data: { text: 'Nobody gets here' } },
        { id: 'end', type: 'end' },
      ],
      edges: edges(
        ['s1', 'greet'],
        ['greet', 'hook'],
        ['hook', 'check'],
        ['check', 'jump', 'true'],
        ['check', 'tagA', 'false'],
        ['tagA', 'tagB'],
        ['tagB', 'tagA'],
        ['s2', 'end'],
        ['island', 'end'],
      ),
    };
    const program = await create(graph);
    const validation = expectStatus(
      await http.post<Body>(`/api/hub/programs/${program.id}/validate`, undefined, { token: owner.token }),
      200,
    ).body;
    expect(validation.valid).toBe(false);
    const found = validation.errors.map((error: Body) => [error.code, error.nodeId]);
    expect(found).toEqual(
      expect.arrayContaining([
        ['several_starts', 's2'],
        ['dangling_branch', 'hook'],
        ['unreachable', 'island'],
        ['loop_without_wait', 'tagA'],
        ['unknown_variable', 'greet'],
        ['unknown_program', 'jump'],
        ['private_webhook', 'hook'],
      ]),
    );
    expect(found).toHaveLength(7);

    const noStart = await create({ nodes: [{ id: 'end', type: 'end' }], edges: [] });
    const noStartValidation = expectStatus(
      await http.post<Body>(`/api/hub/programs/${noStart.id}/validate`, undefined, { token: owner.token }),
      200,
    ).body;
    expect(noStartValidation.errors).toEqual([expect.objectContaining({ code: 'no_start' })]);

    const sound = await create();
    const soundValidation = expectStatus(
      await http.post<Body>(`/api/hub/programs/${sound.id}/validate`, undefined, { token: owner.token }),
      200,
    ).body;
    expect(soundValidation).toEqual({ valid: true, errors: [] });
  });

  it('publishes a frozen version that later edits of the draft do not change', async () => {
    const program = await create();
    const path = `/api/hub/programs/${program.id}`;
    const first = expectStatus(
      await http.post<Body>(`${path}/publish`, undefined, { token: owner.token }),
      201,
    );
    expect(first.body).toEqual({ version: 1 });
    expect(await read(program.id)).toMatchObject({
      status: 'published',
      latestVersion: 1,
      hasUnpublishedChanges: false,
    });
    const again = expectStatus(
      await http.post<Body>(`${path}/publish`, undefined, { token: owner.token }),
      200,
    );
    expect(again.body).toEqual({ version: 1 });

    expectStatus(await put(path, { graph: sleepGraph('A new morning text') }, owner.token), 200);
    expect(await read(program.id)).toMatchObject({
      latestVersion: 1,
      hasUnpublishedChanges: true,
      revision: 2,
    });
    const running = await enroll(program.id, 'waiting');
    expect(running.version).toBe(1);

    const second = expectStatus(
      await http.post<Body>(`${path}/publish`, undefined, { token: owner.token }),
      201,
    );
    expect(second.body).toEqual({ version: 2 });
    const versions = expectStatus(await http.get<Body>(`${path}/versions`, { token: owner.token }), 200).body
      .items;
    expect(versions.map((version: Body) => [version.version, version.enrollments])).toEqual([
      [2, 0],
      [1, 1],
    ]);
    expect(versions[1].graph.nodes[3].data.text).toBe(
      'Morning {{member.firstName}}! You said "{{answers.sleep}}".',
    );
    expect(versions[0].graph.nodes[3].data.text).toBe('A new morning text');
    expect(versions[1].publishedBy).toBe(owner.accountId);
    expect((await read(program.id)).activeEnrollments).toBe(1);
    expect(await auditActions()).toContain('program.published');
  });

  it('refuses to publish a draft with problems, with the errors of validate, and freezes nothing', async () => {
    const open = sleepGraph();
    open.edges = open.edges.filter((edge) => edge.sourceHandle !== 'timeout');
    const program = await create(open);
    const refused = expectStatus(
      await http.post<Body>(`/api/hub/programs/${program.id}/publish`, undefined, { token: owner.token }),
      422,
    );
    expect(refused.body.errors).toEqual([
      expect.objectContaining({ code: 'dangling_branch', nodeId: 'ask', path: 'graph.nodes.1' }),
    ]);
    const versions = expectStatus(
      await http.get<Body>(`/api/hub/programs/${program.id}/versions`, { token: owner.token }),
      200,
    );
    expect(versions.body.items).toEqual([]);
    expect((await read(program.id)).latestVersion).toBeNull();
  });

  it('answers 409 to an edit based on a stale revision and keeps the newer draft', async () => {
    const program = await create();
    const path = `/api/hub/programs/${program.id}`;
    expectStatus(await put(path, { graph: sleepGraph('Saved first'), revision: 1 }, owner.token), 200);
    const stale = expectStatus(
      await put(path, { graph: sleepGraph('Saved second'), revision: 1 }, editor),
      409,
    );
    expect(stale.body.code).toBe('CONFLICT');
    expect(stale.body.detail).toContain('revision 1');
    const current = await read(program.id);
    expect(current).toMatchObject({ revision: 2 });
    expect(current.graph.nodes[3].data.text).toBe('Saved first');
    expectStatus(await put(path, { graph: sleepGraph('Saved second'), revision: 2 }, editor), 200);
    expect((await read(program.id)).revision).toBe(3);
  });

  it('refuses to delete a program with running enrollments unless forced, then removes them with it', async () => {
    const program = await create();
    const path = `/api/hub/programs/${program.id}`;
    expectStatus(await http.post<Body>(`${path}/publish`, undefined, { token: owner.token }), 201);
    await enroll(program.id, 'active');
    await enroll(program.id, 'completed');
    const refused = expectStatus(await http.delete<Body>(path, undefined, { token: owner.token }), 409);
    expect(refused.body.detail).toContain('1 member is still in this program');
    expect(await read(program.id)).toMatchObject({ activeEnrollments: 1 });

    expectStatus(await http.delete<Body>(`${path}?force=true`, undefined, { token: owner.token }), 204);
    expectStatus(await http.get<Body>(path, { token: owner.token }), 404);
    const left = await withTenant(server.runtime.db, owner.creatorId, async (tx) => {
      const { rows } = await tx.query<{ count: number }>(
        'select count(*)::int as count from program_enrollments where program_id = $1',
        [program.id],
      );
      return rows[0]!.count;
    });
    expect(left).toBe(0);
  });

  it('refuses webhooks to private, loopback and link-local addresses on validate and publish', async () => {
    const program = await create(
      webhookGraph([
        'http://127.0.0.1:9/hook',
        'http://localhost/hook',
        'http://169.254.169.254/latest/meta-data',
        'http://[fd00::1]/hook',
        'https://93.184.215.14/hook',
      ]),
    );
    const validation = expectStatus(
      await http.post<Body>(`/api/hub/programs/${program.id}/validate`, undefined, { token: owner.token }),
      200,
    ).body;
    expect(validation.errors.map((error: Body) => [error.code, error.nodeId])).toEqual([
      ['private_webhook', 'hook1'],
      ['private_webhook', 'hook2'],
      ['private_webhook', 'hook3'],
      ['private_webhook', 'hook4'],
    ]);
    expect(validation.errors[2].path).toBe('nodes.3.data.url');
    const publish = expectStatus(
      await http.post<Body>(`/api/hub/programs/${program.id}/publish`, undefined, { token: owner.token }),
      422,
    );
    expect(publish.body.errors.map((error: Body) => error.code)).toEqual(Array(4).fill('private_webhook'));
  });

  it('simulates the draft with a wait until 08:00 in the member’s time zone and an ask branch', async () => {
    const program = await create();
    const path = `/api/hub/programs/${program.id}`;
    expectStatus(await http.post<Body>(`${path}/publish`, undefined, { token: owner.token }), 201);
    expectStatus(
      await put(path, { graph: sleepGraph('Draft says hi to {{member.firstName}}') }, owner.token),
      200,
    );
    const input = {
      member: {
        name: 'Nora Example',
        timezone: 'America/New_York',
        tags: [],
        attributes: {},
        channel: 'widget',
      },
      // 16:00 in New York (EDT, UTC−4).
      startAt: '2025-06-02T20:00:00Z',
      replies: ['Yes'],
    };
    const draft = expectStatus(
      await http.post<Body>(`${path}/simulate`, input, { token: owner.token }),
      200,
    ).body;
    expect(draft.ended).toBe('end');
    expect(draft.path.map((step: Body) => [step.nodeId, step.via])).toEqual([
      ['start', 'next'],
      ['ask', 'yes'],
      ['wait', 'next'],
      ['morning', 'next'],
      ['end', null],
    ]);
    expect(draft.path[1].detail).toContain('Asks "Did you sleep well, Nora?"');
    expect(draft.path[2].detail).toBe('Waits until 2025-06-03 08:00 America/New_York.');
    expect(draft.path[3]).toMatchObject({ at: '2025-06-03T12:00:00.000Z', outcome: 'sent' });
    expect(draft.path[3].detail).toContain('"Draft says hi to Nora"');

    const published = expectStatus(
      await http.post<Body>(
        `${path}/simulate?version=1`,
        { ...input, replies: ['no, badly'] },
        { token: owner.token },
      ),
      200,
    ).body;
    expect(published.path.map((step: Body) => step.nodeId)).toEqual(['start', 'ask', 'end']);
    expect(published.path[1].via).toBe('no');

    expectStatus(await http.post<Body>(`${path}/simulate?version=7`, input, { token: owner.token }), 404);
    const badZone = expectStatus(
      await http.post<Body>(
        `${path}/simulate`,
        { ...input, member: { ...input.member, timezone: 'Mars/Olympus' } },
        { token: owner.token },
      ),
      422,
    );
    expect(badZone.body.errors).toEqual([expect.objectContaining({ path: 'body.member.timezone' })]);
  });

  it('answers the default proactive settings, then stores and returns the creator’s own', async () => {
    const settingsPath = '/api/hub/programs/settings/proactive';
    const defaults = expectStatus(await http.get<Body>(settingsPath, { token: rival.token }), 200).body;
    expect(defaults).toEqual({
      quietHours: { start: '21:00', end: '08:00' },
      maxPerDay: 3,
      channelOrder: ['whatsapp', 'telegram', 'push', 'app', 'widget'],
      unsubscribeKeywords: ['STOP', 'UNSUBSCRIBE', 'BAJA'],
      resubscribeKeywords: ['START', 'ALTA'],
    });
    const saved = expectStatus(
      await put(
        settingsPath,
        { quietHours: null, maxPerDay: 5, channelOrder: ['telegram', 'widget'] },
        editor,
      ),
      200,
    ).body;
    expect(saved).toMatchObject({ quietHours: null, maxPerDay: 5, channelOrder: ['telegram', 'widget'] });
    expect(expectStatus(await http.get<Body>(settingsPath, { token: viewer }), 200).body).toEqual(saved);
    // Another creator still has the defaults.
    expect(expectStatus(await http.get<Body>(settingsPath, { token: rival.token }), 200).body).toEqual(
      defaults,
    );

    const badTime = expectStatus(
      await put(settingsPath, { quietHours: { start: '25:00', end: '08:00' } }, editor),
      422,
    );
    expect(badTime.body.errors[0].path).toBe('body.quietHours.start');
    const repeated = expectStatus(
      await put(settingsPath, { channelOrder: ['widget', 'widget'] }, editor),
      422,
    );
    expect(repeated.body.errors[0].path).toBe('body.channelOrder');
    expect(await auditActions()).toContain('program.proactive_settings_changed');
  });

  it('documents every program endpoint in OpenAPI with the contract schemas', async () => {
    const document = expectStatus(await http.get<Body>('/openapi.json'), 200).body;
    for (const [path, methods] of Object.entries({
      '/api/hub/programs': ['get', 'post'],
      '/api/hub/programs/{id}': ['get', 'put', 'delete'],
      '/api/hub/programs/{id}/validate': ['post'],
      '/api/hub/programs/{id}/publish': ['post'],
      '/api/hub/programs/{id}/versions': ['get'],
      '/api/hub/programs/{id}/simulate': ['post'],
      '/api/hub/programs/settings/proactive': ['get', 'put'],
    })) {
      for (const method of methods) expect(document.paths[path]?.[method], `${method} ${path}`).toBeDefined();
    }
    // Responses name the contract schemas by their ids (ZProgram, ZProgramProblem, ZSimulationResult…).
    const json = (value: unknown) => JSON.stringify(value);
    const responses = (path: string, method: string) => json(document.paths[path][method].responses);
    expect(responses('/api/hub/programs/{id}', 'get')).toContain('"#/components/schemas/Program"');
    expect(responses('/api/hub/programs', 'post')).toContain('"#/components/schemas/ProgramProblem"');
    expect(responses('/api/hub/programs/{id}/validate', 'post')).toContain(
      '"#/components/schemas/ProgramValidation"',
    );
    expect(responses('/api/hub/programs/{id}/simulate', 'post')).toContain(
      '"#/components/schemas/SimulationResult"',
    );
    expect(responses('/api/hub/programs/settings/proactive', 'get')).toContain(
      '"#/components/schemas/ProactiveSettings"',
    );
  });
});

describe.each(backends())('programs API with PROGRAM_WEBHOOKS_ALLOW_PRIVATE on $name', (backend) => {
  let hub: HubTestServer;
  let owner: Creator;

  beforeAll(async () => {
    hub = await startHubServer(backend, { PROGRAM_WEBHOOKS_ALLOW_PRIVATE: 'true' });
    owner = await registerCreator(hub.http, 'intranet');
  });
  afterAll(async () => hub?.close());

  it('accepts and publishes webhooks to private addresses when the configuration allows them', async () => {
    const created = expectStatus(
      await hub.http.post<Body>(
        '/api/hub/programs',
        { name: 'Intranet', graph: webhookGraph(['http://127.0.0.1:9/hook', 'http://10.0.0.7/hook']) },
        { token: owner.token },
      ),
      201,
    );
    const path = `/api/hub/programs/${created.body.id}`;
    const validation = expectStatus(
      await hub.http.post<Body>(`${path}/validate`, undefined, { token: owner.token }),
      200,
    );
    expect(validation.body).toEqual({ valid: true, errors: [] });
    expectStatus(await hub.http.post<Body>(`${path}/publish`, undefined, { token: owner.token }), 201);
  });
});
