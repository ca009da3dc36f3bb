import { withTenant } from '@companero/db/tenant';
import { backends } from '@companero/testing/backends';
import type { HttpClient } from '@companero/testing/http-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Body,
  type Creator,
  expectStatus,
  fixtureNames,
  guideTitles,
  type KnowledgeTestServer,
  query,
  readFixture,
  registerCreator,
  startKnowledgeServer,
  teammateToken,
  uploadDocument,
  uploadFixture,
  waitForDocument,
} from '../../ai-engine/test/knowledge-test-server';

const markdown = (title: string, sections: Record<string, string>) =>
  Buffer.from(
    `# ${title}\n\n${Object.entries(sections)
      .map(([heading, text]) => `## ${heading}\n\n${text}\n`)
      .join('\n')}`,
    'utf8',
  );

describe.each(backends())('knowledge documents on $name', (backend) => {
  let knowledge: KnowledgeTestServer;
  let http: HttpClient;
  let owner: Creator;
  let other: Creator;
  let viewerToken: string;
  const ready = new Map<string, Promise<Body>>();

  const guide = (name: string) => ready.get(name)!;
  const search = async (token: string, q: string, k = 5) =>
    expectStatus(await http.get<Body>(`/api/hub/knowledge/search${query({ q, k })}`, { token }), 200).body
      .results as Body[];
  const ingest = async (
    token: string,
    name: string,
    bytes: Buffer,
    fields?: { folderId?: string; tags?: string },
  ) => {
    const upload = expectStatus(await uploadDocument(knowledge.baseUrl, token, { name, bytes }, fields), 202);
    return waitForDocument(http, token, upload.body.id);
  };

  beforeAll(async () => {
    knowledge = await startKnowledgeServer(backend);
    http = knowledge.http;
    owner = await registerCreator(http, 'owner');
    other = await registerCreator(http, 'other');
    viewerToken = await teammateToken(http, owner, 'viewer');
    for (const name of fixtureNames) {
      const upload = expectStatus(await uploadFixture(knowledge.baseUrl, owner.token, name), 202);
      ready.set(name, waitForDocument(http, owner.token, upload.body.id));
    }
    // Search and answers below compare the five guides: all of them must be indexed first.
    const statuses = await Promise.all(fixtureNames.map(async (name) => (await ready.get(name)!).status));
    if (statuses.some((status) => status !== 'ready')) throw new Error(`guides not ready: ${statuses}`);
  });
  afterAll(async () => knowledge?.close());

  describe('refused uploads', () => {
    const documentCount = async () =>
      withTenant(knowledge.server.runtime.db, owner.creatorId, async (tx) =>
        Number(
          (await tx.query<{ count: string }>('select count(*) from knowledge_documents')).rows[0]!.count,
        ),
      );

    it.each(['image.png', 'renamed-zip.docx'])('refuses %s with 415 and stores nothing', async (name) => {
      const before = await documentCount();
      const response = await uploadFixture(knowledge.baseUrl, owner.token, name);
      expect(response.status).toBe(415);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(response.body).toMatchObject({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
      expect(response.body.detail).toMatch(/PDF, Word \(\.docx\), Markdown, HTML and plain-text/);
      expect(await documentCount()).toBe(before);
    });

    it('refuses an empty file with 422', async () => {
      const response = await uploadFixture(knowledge.baseUrl, owner.token, 'empty.txt');
      expect(response.status).toBe(422);
      expect(response.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: 'file' }] });
    });

    it('refuses a request without a file field with 422, and a JSON body with 415', async () => {
      const form = new FormData();
      form.append('tags', 'lonely');
      const withoutFile = await fetch(`${knowledge.baseUrl}/api/hub/knowledge/documents`, {
        method: 'POST',
        headers: { authorization: `Bearer ${owner.token}` },
        body: form,
      });
      expect(withoutFile.status).toBe(422);
      expect(await withoutFile.json()).toMatchObject({ errors: [{ path: 'file', message: 'Required' }] });
      const json = await http.post<Body>(
        '/api/hub/knowledge/documents',
        { file: 'hello' },
        { token: owner.token },
      );
      expect(json.status).toBe(415);
    });

    it('refuses a folderId that is not an id with 422, and an unknown folder with 422', async () => {
      const bytes = markdown('Folder Probe', { One: 'A probe for folder validation only.' });
      const notAnId = await uploadDocument(
        knowledge.baseUrl,
        owner.token,
        { name: 'probe.md', bytes },
        { folderId: 'inbox' },
      );
      expect(notAnId.status).toBe(422);
      expect(notAnId.body.errors).toEqual([{ path: 'folderId', message: 'Invalid UUID' }]);
      const unknown = await uploadDocument(
        knowledge.baseUrl,
        owner.token,
        { name: 'probe.md', bytes },
        { folderId: '00000000-0000-4000-8000-000000000000' },
      );
      expect(unknown.status).toBe(422);
      expect(unknown.body.errors).toEqual([{ path: 'folderId', message: 'Unknown folder' }]);
    });

    it('refuses the same bytes twice with 409 naming the document already there', async () => {
      const first = await guide('couch-to-5k.md');
      const again = await uploadDocument(knowledge.baseUrl, owner.token, {
        name: 'a-different-name.md',
        bytes: readFixture('couch-to-5k.md'),
      });
      expect(again.status).toBe(409);
      expect(again.body.code).toBe('CONFLICT');
      expect(again.body.detail).toContain(first.id);
      expect(again.body.detail).toContain('Couch to 5K Running Plan');
    });
  });

  describe('search', () => {
    it.each([
      ['How many hours of sleep does an adult need?', 'sleep-foundations.pdf'],
      ['How much water should I drink each day?', 'everyday-nutrition.docx'],
      ['When should I replace my running shoes?', 'couch-to-5k.md'],
      ['How does box breathing work?', 'managing-stress.html'],
      ['What is habit stacking?', 'building-habits.txt'],
    ])('puts the right document first for "%s"', async (question, name) => {
      const results = await search(owner.token, question);
      expect(results[0]).toMatchObject({
        documentId: (await guide(name)).id,
        title: guideTitles[name as keyof typeof guideTitles],
        isRelevant: true,
      });
      expect(results[0]!.text.length).toBeGreaterThan(20);
    });

    it('answers 422 without a question', async () => {
      expect((await http.get<Body>('/api/hub/knowledge/search?q=', { token: owner.token })).status).toBe(422);
    });
  });

  describe('changes', () => {
    it('renames, files and tags a document', async () => {
      const document = await guide('managing-stress.html');
      const folder = expectStatus(
        await http.post<Body>('/api/hub/knowledge/folders', { name: 'Wellbeing' }, { token: owner.token }),
        201,
      ).body;
      const patched = await http.patch<Body>(
        `/api/hub/knowledge/documents/${document.id}`,
        { title: 'Stress toolkit', folderId: folder.id, tags: ['stress', 'breathing'] },
        { token: owner.token },
      );
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({
        title: 'Stress toolkit',
        folderId: folder.id,
        tags: ['stress', 'breathing'],
      });
      const reread = expectStatus(
        await http.get<Body>(`/api/hub/knowledge/documents/${document.id}`, { token: owner.token }),
        200,
      );
      expect(reread.body).toMatchObject({
        title: 'Stress toolkit',
        folderId: folder.id,
        tags: ['stress', 'breathing'],
        status: 'ready',
      });
      const unfiled = await http.patch<Body>(
        `/api/hub/knowledge/documents/${document.id}`,
        { folderId: null },
        { token: owner.token },
      );
      expect(unfiled.body).toMatchObject({
        title: 'Stress toolkit',
        folderId: null,
        tags: ['stress', 'breathing'],
      });
    });

    it('refuses an empty patch, an unknown folder and an unknown document', async () => {
      const document = await guide('building-habits.txt');
      const path = `/api/hub/knowledge/documents/${document.id}`;
      expect((await http.patch<Body>(path, {}, { token: owner.token })).status).toBe(422);
      const unknownFolder = await http.patch<Body>(
        path,
        { folderId: '00000000-0000-4000-8000-000000000000' },
        { token: owner.token },
      );
      expect(unknownFolder.status).toBe(422);
      const missing = await http.patch<Body>(
        '/api/hub/knowledge/documents/00000000-0000-4000-8000-000000000000',
        { title: 'Nope' },
        { token: owner.token },
      );
      expect(missing.status).toBe(404);
      expect(
        (await http.get<Body>('/api/hub/knowledge/documents/not-an-id', { token: owner.token })).status,
      ).toBe(422);
    });
  });

  describe('listing', () => {
    let lister: Creator;
    let folderId: string;
    const ids: Record<string, string> = {};
    const list = async (params: Record<string, string | number | undefined>, token = lister.token) =>
      expectStatus(await http.get<Body>(`/api/hub/knowledge/documents${query(params)}`, { token }), 200).body;

    beforeAll(async () => {
      lister = await registerCreator(http, 'lister');
      folderId = expectStatus(
        await http.post<Body>('/api/hub/knowledge/folders', { name: 'Recipes' }, { token: lister.token }),
        201,
      ).body.id;
      const specs: [string, Buffer, { folderId?: string; tags?: string }][] = [
        [
          'porridge.md',
          markdown('Porridge', { Oats: 'Cook rolled oats with milk for five minutes.' }),
          { folderId, tags: 'breakfast,quick' },
        ],
        [
          'omelette.md',
          markdown('Omelette', { Eggs: 'Whisk three eggs and cook them in butter.' }),
          { folderId, tags: '["breakfast"]' },
        ],
        [
          'lentil-soup.md',
          markdown('Lentil soup', { Soup: 'Simmer red lentils with carrots for twenty minutes.' }),
          { tags: 'dinner' },
        ],
        [
          'stretching.md',
          markdown('Morning stretching', { Routine: 'Stretch your hamstrings for thirty seconds.' }),
          {},
        ],
        ['broken.pdf', readFixture('truncated.pdf'), {}],
      ];
      for (const [name, bytes, fields] of specs) {
        ids[name] = expectStatus(
          await uploadDocument(knowledge.baseUrl, lister.token, { name, bytes }, fields),
          202,
        ).body.id;
      }
      for (const id of Object.values(ids)) await waitForDocument(http, lister.token, id);
    });

    it('lists the creator’s documents newest first', async () => {
      const { items, nextCursor } = await list({});
      expect(items.map((item: Body) => item.id)).toEqual(Object.values(ids).reverse());
      expect(nextCursor).toBeNull();
    });

    it('filters by status', async () => {
      expect((await list({ status: 'failed' })).items.map((item: Body) => item.id)).toEqual([
        ids['broken.pdf'],
      ]);
      expect((await list({ status: 'ready' })).items).toHaveLength(4);
      expect((await list({ status: 'queued' })).items).toEqual([]);
      expect(
        (await http.get(`/api/hub/knowledge/documents?status=done`, { token: lister.token })).status,
      ).toBe(422);
    });

    it('filters by words of the title or file name, case-insensitively, with wildcards taken literally', async () => {
      expect((await list({ q: 'OMELETTE' })).items.map((item: Body) => item.id)).toEqual([
        ids['omelette.md'],
      ]);
      expect((await list({ q: 'lentil-soup.md' })).items.map((item: Body) => item.id)).toEqual([
        ids['lentil-soup.md'],
      ]);
      expect((await list({ q: '%' })).items).toEqual([]);
    });

    it('filters by folder and by tag', async () => {
      const inFolder = (await list({ folderId })).items.map((item: Body) => item.id);
      expect(inFolder.sort()).toEqual([ids['porridge.md'], ids['omelette.md']].sort());
      const breakfast = (await list({ tag: 'breakfast' })).items.map((item: Body) => item.id);
      expect(breakfast.sort()).toEqual([ids['porridge.md'], ids['omelette.md']].sort());
      expect((await list({ tag: 'quick', folderId })).items.map((item: Body) => item.id)).toEqual([
        ids['porridge.md'],
      ]);
      expect((await list({ tag: 'dinner' })).items.map((item: Body) => item.tags)).toEqual([['dinner']]);
    });

    it('pages with a cursor: every document once, in order', async () => {
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await list({ limit: 2, cursor });
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items.map((item: Body) => item.id));
        cursor = page.nextCursor ?? undefined;
        pages += 1;
      } while (cursor && pages < 10);
      expect(pages).toBe(3);
      expect(seen).toEqual(Object.values(ids).reverse());
    });

    it('refuses a forged cursor with 422', async () => {
      const response = await http.get<Body>(`/api/hub/knowledge/documents?cursor=bm90LWEtY3Vyc29y`, {
        token: lister.token,
      });
      expect(response.status).toBe(422);
      expect(response.body.errors).toEqual([{ path: 'query.cursor', message: 'Invalid cursor' }]);
      // Well-formed JSON whose values are not a timestamp and an id: still the client's mistake, not a 500.
      const forged = Buffer.from(JSON.stringify({ createdAt: 'soon', id: 'nope' })).toString('base64url');
      const garbled = await http.get<Body>(`/api/hub/knowledge/documents?cursor=${forged}`, {
        token: lister.token,
      });
      expect(garbled.status).toBe(422);
    });

    it('pages through documents created within the same millisecond without skipping any', async () => {
      const batch = await registerCreator(http, 'batch');
      const ids: string[] = [];
      for (const name of ['first', 'second', 'third']) {
        const bytes = markdown(`Batch ${name}`, { Note: `The ${name} note of a bulk import.` });
        ids.push(
          expectStatus(
            await uploadDocument(knowledge.baseUrl, batch.token, { name: `${name}.md`, bytes }),
            202,
          ).body.id,
        );
      }
      // A bulk import can store several documents within one millisecond; PostgreSQL keeps microseconds.
      await withTenant(knowledge.server.runtime.db, batch.creatorId, async (tx) => {
        for (const [index, id] of ids.entries()) {
          await tx.query('update knowledge_documents set created_at = $2::timestamptz where id = $1', [
            id,
            `2026-03-01T08:00:00.123${index + 1}00Z`,
          ]);
        }
      });
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = expectStatus(
          await http.get<Body>(`/api/hub/knowledge/documents${query({ limit: 1, cursor })}`, {
            token: batch.token,
          }),
          200,
        ).body;
        seen.push(...page.items.map((item: Body) => item.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor && seen.length < 10);
      expect(seen).toEqual([...ids].reverse());
    });
  });

  describe('folders', () => {
    let librarian: Creator;
    const create = (body: Body, token = librarian.token) =>
      http.post<Body>('/api/hub/knowledge/folders', body, { token });
    const folderList = async () =>
      expectStatus(await http.get<Body>('/api/hub/knowledge/folders', { token: librarian.token }), 200).body
        .items as Body[];

    beforeAll(async () => {
      librarian = await registerCreator(http, 'librarian');
    });

    it('creates folders and sub-folders and lists them by name with their document count', async () => {
      const nutrition = await create({ name: 'Nutrition' });
      expect(nutrition.status).toBe(201);
      expect(nutrition.body).toEqual({
        id: expect.any(String),
        name: 'Nutrition',
        parentId: null,
        documentCount: 0,
        createdAt: expect.any(String),
      });
      const recipes = expectStatus(await create({ name: 'recipes', parentId: nutrition.body.id }), 201).body;
      expect(recipes.parentId).toBe(nutrition.body.id);
      expectStatus(
        await uploadDocument(
          knowledge.baseUrl,
          librarian.token,
          {
            name: 'smoothie.md',
            bytes: markdown('Smoothie', { Blend: 'Blend a banana with oats and milk.' }),
          },
          { folderId: recipes.id },
        ),
        202,
      );
      const items = await folderList();
      expect(items.map((item) => item.name)).toEqual(['Nutrition', 'recipes']);
      expect(items.find((item) => item.id === recipes.id)?.documentCount).toBe(1);
    });

    it('refuses a duplicate name in the same place with 409, whatever its case', async () => {
      const parent = expectStatus(await create({ name: 'Training' }), 201).body;
      const duplicate = await create({ name: 'training' });
      expect(duplicate.status).toBe(409);
      expect(duplicate.body).toMatchObject({
        code: 'CONFLICT',
        detail: 'A folder named "training" already exists here.',
      });
      expect((await create({ name: 'Training', parentId: parent.id })).status).toBe(201);
      const sibling = expectStatus(await create({ name: 'Strength' }), 201).body;
      const renamed = await http.patch<Body>(
        `/api/hub/knowledge/folders/${sibling.id}`,
        { name: 'TRAINING' },
        { token: librarian.token },
      );
      expect(renamed.status).toBe(409);
    });

    it('renames and moves a folder, and moves it back to the top level', async () => {
      const parent = expectStatus(await create({ name: 'Mind' }), 201).body;
      const child = expectStatus(await create({ name: 'Breathing drills' }), 201).body;
      const path = `/api/hub/knowledge/folders/${child.id}`;
      const moved = await http.patch<Body>(
        path,
        { name: 'Breathing', parentId: parent.id },
        { token: librarian.token },
      );
      expect(moved.status).toBe(200);
      expect(moved.body).toMatchObject({ id: child.id, name: 'Breathing', parentId: parent.id });
      const top = await http.patch<Body>(path, { parentId: null }, { token: librarian.token });
      expect(top.body).toMatchObject({ name: 'Breathing', parentId: null });
    });

    it('refuses to move a folder inside itself or inside its own descendant with 422', async () => {
      const outer = expectStatus(await create({ name: 'Outer' }), 201).body;
      const inner = expectStatus(await create({ name: 'Inner', parentId: outer.id }), 201).body;
      const innermost = expectStatus(await create({ name: 'Innermost', parentId: inner.id }), 201).body;
      for (const target of [outer.id, inner.id, innermost.id]) {
        const response = await http.patch<Body>(
          `/api/hub/knowledge/folders/${outer.id}`,
          { parentId: target },
          { token: librarian.token },
        );
        expect(response.status).toBe(422);
        expect(response.body.errors).toEqual([{ path: 'body.parentId', message: 'Would create a cycle' }]);
      }
      expect((await folderList()).find((item) => item.id === outer.id)?.parentId).toBeNull();
    });

    it('answers 404 for an unknown folder or parent, and 422 for an empty name or patch', async () => {
      const unknown = '00000000-0000-4000-8000-000000000000';
      expect((await create({ name: 'Orphan', parentId: unknown })).status).toBe(404);
      expect(
        (await http.patch(`/api/hub/knowledge/folders/${unknown}`, { name: 'x' }, { token: librarian.token }))
          .status,
      ).toBe(404);
      const folder = expectStatus(await create({ name: 'Lonely' }), 201).body;
      expect(
        (
          await http.patch(
            `/api/hub/knowledge/folders/${folder.id}`,
            { parentId: unknown },
            { token: librarian.token },
          )
        ).status,
      ).toBe(404);
      expect((await create({ name: '   ' })).status).toBe(422);
      expect(
        (await http.patch(`/api/hub/knowledge/folders/${folder.id}`, {}, { token: librarian.token })).status,
      ).toBe(422);
    });

    it('deletes a folder with its sub-folders; their documents stay, unfiled', async () => {
      const shelf = expectStatus(await create({ name: 'Shelf' }), 201).body;
      const box = expectStatus(await create({ name: 'Box', parentId: shelf.id }), 201).body;
      const upload = expectStatus(
        await uploadDocument(
          knowledge.baseUrl,
          librarian.token,
          {
            name: 'tea.md',
            bytes: markdown('Green tea', { Brewing: 'Brew green tea at eighty degrees for two minutes.' }),
          },
          { folderId: box.id },
        ),
        202,
      );
      const deleted = await http.delete(`/api/hub/knowledge/folders/${shelf.id}`, undefined, {
        token: librarian.token,
      });
      expect(deleted.status).toBe(204);
      const remaining = (await folderList()).map((item) => item.id);
      expect(remaining).not.toContain(shelf.id);
      expect(remaining).not.toContain(box.id);
      const document = await http.get<Body>(`/api/hub/knowledge/documents/${upload.body.id}`, {
        token: librarian.token,
      });
      expect(document.body).toMatchObject({ folderId: null, title: 'tea' });
      expect(
        (await http.delete(`/api/hub/knowledge/folders/${shelf.id}`, undefined, { token: librarian.token }))
          .status,
      ).toBe(404);
    });
  });

  describe('roles', () => {
    it('lets a viewer read documents and search, but not upload, change or delete', async () => {
      const document = await guide('couch-to-5k.md');
      expect(
        (await http.get(`/api/hub/knowledge/documents/${document.id}`, { token: viewerToken })).status,
      ).toBe(200);
      expect((await http.get('/api/hub/knowledge/documents', { token: viewerToken })).status).toBe(200);
      expect((await http.get('/api/hub/knowledge/search?q=running', { token: viewerToken })).status).toBe(
        200,
      );
      const upload = await uploadDocument(knowledge.baseUrl, viewerToken, {
        name: 'viewer.md',
        bytes: markdown('Viewer', { Nope: 'Viewers cannot upload.' }),
      });
      expect(upload.status).toBe(403);
      const path = `/api/hub/knowledge/documents/${document.id}`;
      expect((await http.patch(path, { title: 'Mine now' }, { token: viewerToken })).status).toBe(403);
      expect((await http.post(`${path}/reindex`, undefined, { token: viewerToken })).status).toBe(403);
      expect((await http.delete(path, undefined, { token: viewerToken })).status).toBe(403);
      expect(
        (await http.post('/api/hub/knowledge/folders', { name: 'Viewer folder' }, { token: viewerToken }))
          .status,
      ).toBe(403);
      expect((await http.get(path, { token: owner.token })).body).toMatchObject({
        title: 'Couch to 5K Running Plan',
      });
    });

    it('answers 401 without a token', async () => {
      expect((await http.get('/api/hub/knowledge/documents')).status).toBe(401);
      expect((await uploadFixture(knowledge.baseUrl, '', 'couch-to-5k.md')).status).toBe(401);
    });
  });

  describe('tenant isolation', () => {
    it('answers 404 to another creator for every document operation', async () => {
      const document = await guide('sleep-foundations.pdf');
      const path = `/api/hub/knowledge/documents/${document.id}`;
      expect((await http.get(path, { token: other.token })).status).toBe(404);
      expect((await http.patch(path, { title: 'Stolen' }, { token: other.token })).status).toBe(404);
      expect((await http.post(`${path}/reindex`, undefined, { token: other.token })).status).toBe(404);
      expect((await http.delete(path, undefined, { token: other.token })).status).toBe(404);
      expect((await http.get(path, { token: owner.token })).body).toMatchObject({
        title: 'Sleep Foundations',
        status: 'ready',
      });
      const listed = expectStatus(
        await http.get<Body>('/api/hub/knowledge/documents', { token: other.token }),
        200,
      );
      expect(listed.body.items.map((item: Body) => item.id)).not.toContain(document.id);
    });

    it('never returns another creator’s chunks from search', async () => {
      const mine = await ingest(
        other.token,
        'other-sleep.md',
        markdown('Napping', {
          Naps: 'A nap of twenty minutes after lunch restores alertness without grogginess.',
        }),
      );
      const ownerIds = new Set(await Promise.all(fixtureNames.map(async (name) => (await guide(name)).id)));
      for (const question of [
        'How many hours of sleep does an adult need?',
        'How long should a nap be?',
        'running shoes',
      ]) {
        const results = await search(other.token, question, 50);
        expect(results.every((result) => !ownerIds.has(result.documentId))).toBe(true);
        expect(results.every((result) => result.documentId === mine.id)).toBe(true);
      }
    });

    it('deduplicates per creator: the same file is new to another creator', async () => {
      const upload = await uploadFixture(knowledge.baseUrl, other.token, 'building-habits.txt');
      expect(upload.status).toBe(202);
      expect((await waitForDocument(http, other.token, upload.body.id)).status).toBe('ready');
    });

    it('refuses to file a document in another creator’s folder', async () => {
      const folder = expectStatus(
        await http.post<Body>('/api/hub/knowledge/folders', { name: 'Owner only' }, { token: owner.token }),
        201,
      ).body;
      const [document] = (await http.get<Body>('/api/hub/knowledge/documents', { token: other.token })).body
        .items;
      const response = await http.patch<Body>(
        `/api/hub/knowledge/documents/${document.id}`,
        { folderId: folder.id },
        { token: other.token },
      );
      expect(response.status).toBe(422);
      expect(
        (
          await http.patch(
            `/api/hub/knowledge/folders/${folder.id}`,
            { name: 'Taken' },
            { token: other.token },
          )
        ).status,
      ).toBe(404);
      expect(
        (await http.delete(`/api/hub/knowledge/folders/${folder.id}`, undefined, { token: other.token }))
          .status,
      ).toBe(404);
      const othersFolders = (await http.get<Body>('/api/hub/knowledge/folders', { token: other.token })).body
        .items;
      expect(othersFolders.map((item: Body) => item.id)).not.toContain(folder.id);
    });
  });
});
