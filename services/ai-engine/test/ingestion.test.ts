import { withTenant } from '@companero/db/tenant';
import { backends } from '@companero/testing/backends';
import type { HttpClient } from '@companero/testing/http-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Body,
  type Creator,
  eventually,
  expectStatus,
  fixtureNames,
  guideTitles,
  type KnowledgeTestServer,
  openSse,
  query,
  readFixture,
  registerCreator,
  startKnowledgeServer,
  uploadDocument,
  uploadFixture,
  waitForDocument,
} from './knowledge-test-server';

const markdown = (title: string, sections: Record<string, string>) =>
  Buffer.from(
    `# ${title}\n\n${Object.entries(sections)
      .map(([heading, text]) => `## ${heading}\n\n${text}\n`)
      .join('\n')}`,
    'utf8',
  );

const kettlebellGuide = markdown('Kettlebell Basics', {
  'The swing':
    'A kettlebell swing is a hip hinge: push the hips back, keep the spine long and snap the hips forward.',
  'Choosing a weight':
    'Most women start swinging a 12 kilogram kettlebell and most men a 16 kilogram kettlebell.',
});

const rowingGuide = markdown('Indoor Rowing', {
  Technique:
    'On the rowing machine the stroke order is legs, then body, then arms; the recovery reverses it.',
  'Damper setting': 'Set the rowing damper between three and five; a higher damper is not a harder workout.',
});

describe.each(backends())('document ingestion on $name', (backend) => {
  let knowledge: KnowledgeTestServer;
  let http: HttpClient;
  let owner: Creator;
  let other: Creator;
  const uploads = new Map<string, Body>();
  const ready = new Map<string, Promise<Body>>();

  const guide = (name: string) => ready.get(name)!;
  const search = async (token: string, q: string, k = 5) =>
    expectStatus(await http.get<Body>(`/api/hub/knowledge/search${query({ q, k })}`, { token }), 200).body
      .results as Body[];
  const chunksOf = (creatorId: string, documentId: string) =>
    withTenant(
      knowledge.server.runtime.db,
      creatorId,
      async (tx) =>
        (
          await tx.query<{ id: string; page: number | null }>(
            'select id, page from knowledge_chunks where document_id = $1 order by ordinal',
            [documentId],
          )
        ).rows,
    );
  const vectorIdsOf = async (creatorId: string, documentId: string) => {
    const [probe] = await knowledge.ai.embedder.embed(['anything']);
    const hits = await knowledge.ai.vectors.query(creatorId, probe!, { k: 1000, where: { documentId } });
    return hits.map((hit) => hit.id).sort();
  };
  const ingest = async (token: string, name: string, bytes: Buffer) => {
    const upload = expectStatus(await uploadDocument(knowledge.baseUrl, token, { name, bytes }), 202);
    return waitForDocument(http, token, upload.body.id);
  };

  beforeAll(async () => {
    knowledge = await startKnowledgeServer(backend);
    http = knowledge.http;
    owner = await registerCreator(http, 'owner');
    other = await registerCreator(http, 'other');
    for (const name of fixtureNames) {
      const upload = await uploadFixture(knowledge.baseUrl, owner.token, name);
      uploads.set(name, upload);
      if (upload.status === 202) ready.set(name, waitForDocument(http, owner.token, upload.body.id));
    }
  });
  afterAll(async () => knowledge?.close());

  describe('upload and ingestion', () => {
    it.each(fixtureNames)('takes %s with 202 queued and indexes it until ready with chunks', async (name) => {
      const upload = uploads.get(name)!;
      expect(upload.status).toBe(202);
      expect(upload.body).toEqual({ id: expect.any(String), status: 'queued' });
      const document = await guide(name);
      expect(document).toMatchObject({
        id: upload.body.id,
        fileName: name,
        status: 'ready',
        progress: 1,
        error: null,
        source: 'upload',
        bytes: readFixture(name).length,
      });
      expect(document.chunkCount).toBeGreaterThan(0);
      expect(await chunksOf(owner.creatorId, document.id)).toHaveLength(document.chunkCount);
    });

    it('names each document by the title written inside it, not by its file name', async () => {
      for (const name of fixtureNames) expect((await guide(name)).title).toBe(guideTitles[name]);
    });

    it('records the type detected from the bytes', async () => {
      expect((await guide('sleep-foundations.pdf')).mimeType).toBe('application/pdf');
      expect((await guide('everyday-nutrition.docx')).mimeType).toBe(
        'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      );
      expect((await guide('couch-to-5k.md')).mimeType).toBe('text/markdown');
      expect((await guide('managing-stress.html')).mimeType).toBe('text/html');
      expect((await guide('building-habits.txt')).mimeType).toBe('text/plain');
    });

    it('keeps the page of every PDF chunk, and the page count of the PDF', async () => {
      const pdf = await guide('sleep-foundations.pdf');
      expect(pdf.pageCount).toBe(3);
      const pages = (await chunksOf(owner.creatorId, pdf.id)).map((chunk) => chunk.page);
      expect(pages).toEqual([1, 2, 3]);
      const clock = await search(owner.token, 'Should I look at the clock when I lie awake?');
      expect(clock.find((result) => result.documentId === pdf.id)).toMatchObject({ page: 3 });
      const caffeine = await search(owner.token, 'How long is the half-life of caffeine?');
      expect(caffeine[0]).toMatchObject({ documentId: pdf.id, page: 2 });
      const markdownChunks = await chunksOf(owner.creatorId, (await guide('couch-to-5k.md')).id);
      expect(markdownChunks.every((chunk) => chunk.page === null)).toBe(true);
    });

    it('streams progress as server-sent events that end with ready', async () => {
      const events = await openSse(`${knowledge.baseUrl}/api/hub/knowledge/events`, { token: owner.token });
      const othersEvents = await openSse(`${knowledge.baseUrl}/api/hub/knowledge/events`, {
        token: other.token,
      });
      try {
        expect(events.status).toBe(200);
        expect(events.headers.get('content-type')).toContain('text/event-stream');
        await eventually(async () => (events.comments.includes('connected') ? true : undefined));
        await eventually(async () => (othersEvents.comments.includes('connected') ? true : undefined));
        const upload = expectStatus(
          await uploadDocument(knowledge.baseUrl, owner.token, {
            name: 'rowing.md',
            bytes: rowingGuide,
          }),
          202,
        );
        const received = await events.until(
          (event) => event.event === 'document' && JSON.parse(event.data).status === 'ready',
        );
        const mine = received
          .filter((event) => event.event === 'document')
          .map((event) => JSON.parse(event.data) as Body)
          .filter((event) => event.documentId === upload.body.id);
        expect(mine.length).toBeGreaterThanOrEqual(3);
        expect(mine[0]).toMatchObject({ status: 'processing' });
        const progress = mine.map((event) => event.progress as number);
        expect(progress).toEqual([...progress].sort((a, b) => a - b));
        expect(mine.at(-1)).toEqual({
          documentId: upload.body.id,
          status: 'ready',
          progress: 1,
          chunkCount: 2,
        });
        expect(othersEvents.events.filter((event) => event.data.includes(upload.body.id))).toEqual([]);
      } finally {
        events.close();
        othersEvents.close();
      }
    });

    it('answers 401 to the event stream without a token', async () => {
      const response = await http.get<Body>('/api/hub/knowledge/events');
      expect(response.status).toBe(401);
    });
  });

  describe('format detection and chunking', () => {
    it('takes the type from the content, not from the file name', async () => {
      const html = await ingest(
        owner.token,
        'exported-notes.txt',
        Buffer.from(
          '<!doctype html><html><head><title>Posture Notes</title></head><body><h1>Posture</h1><h2>Desk setup</h2><p>Keep the top of the screen at eye level and both feet flat on the floor.</p></body></html>',
        ),
      );
      expect(html).toMatchObject({ status: 'ready', mimeType: 'text/html', title: 'Posture Notes' });
      const markdownNamedText = await ingest(
        owner.token,
        'stretching.txt',
        Buffer.from(
          '# Stretching\n\n## Hamstrings\n\nHold each hamstring stretch for thirty seconds without bouncing.\n',
        ),
      );
      expect(markdownNamedText).toMatchObject({
        status: 'ready',
        mimeType: 'text/markdown',
        title: 'Stretching',
      });
      const [top] = await search(owner.token, 'How long should I hold a hamstring stretch?');
      expect(top).toMatchObject({
        documentId: markdownNamedText.id,
        headingPath: ['Stretching', 'Hamstrings'],
      });
    });

    it('splits a long text into overlapping chunks under its heading, whatever its punctuation', async () => {
      const words = Array.from({ length: 1_500 }, (_, index) => `cadence${index % 50} stride`).join(' ');
      // A 70 kB UTF-8 file: more than the 64 KiB the type sniffer reads, with accents across that boundary.
      const filler = 'Él corrió rápido por la montaña y respiró hondo antes de la subida. '.repeat(900);
      const bytes = Buffer.from(`Running Cadence Notes\n\nWarm-up\n\n${words}\n\n${filler}\n`, 'utf8');
      expect(bytes.length).toBeGreaterThan(64 * 1024);
      const document = await ingest(owner.token, 'cadence-notes.txt', bytes);
      expect(document).toMatchObject({
        status: 'ready',
        mimeType: 'text/plain',
        title: 'Running Cadence Notes',
      });
      expect(document.chunkCount).toBeGreaterThan(20);
      const texts = await withTenant(
        knowledge.server.runtime.db,
        owner.creatorId,
        async (tx) =>
          (
            await tx.query<{ text: string; headingPath: string[]; tokenCount: number }>(
              `select text, heading_path as "headingPath", token_count as "tokenCount" from knowledge_chunks
              where document_id = $1 order by ordinal`,
              [document.id],
            )
          ).rows,
      );
      expect(
        texts.every((chunk) => chunk.headingPath.join(' > ') === 'Running Cadence Notes > Warm-up'),
      ).toBe(true);
      expect(Math.max(...texts.map((chunk) => chunk.tokenCount))).toBeLessThanOrEqual(
        Math.round(220 * 1.6) + 60,
      );
      // Consecutive chunks share words: an idea cut at a boundary stays findable from both sides.
      const firstWords = (text: string) => text.split(' ').slice(0, 3).join(' ');
      expect(texts[1]!.text).not.toBe(texts[0]!.text);
      expect(texts.slice(1).some((chunk, index) => texts[index]!.text.includes(firstWords(chunk.text)))).toBe(
        true,
      );
    });
  });

  describe('failures', () => {
    it('fails a truncated PDF with a readable error, and the next upload still becomes ready', async () => {
      const truncated = expectStatus(
        await uploadFixture(knowledge.baseUrl, owner.token, 'truncated.pdf'),
        202,
      );
      const next = expectStatus(
        await uploadDocument(knowledge.baseUrl, owner.token, {
          name: 'kettlebell.md',
          bytes: kettlebellGuide,
        }),
        202,
      );
      const failed = await waitForDocument(http, owner.token, truncated.body.id);
      expect(failed).toMatchObject({ status: 'failed', chunkCount: 0 });
      expect(failed.error).toMatch(/^The PDF could not be read \(.+\)\. Is the file complete\?$/);
      const after = await waitForDocument(http, owner.token, next.body.id);
      expect(after).toMatchObject({ status: 'ready', title: 'Kettlebell Basics', chunkCount: 2 });
    });

    it('removes every vector of a document deleted while it is being processed', async () => {
      const creator = await registerCreator(http, 'hasty');
      const sections: Record<string, string> = {};
      for (let index = 1; index <= 400; index += 1) {
        sections[`Drill ${index}`] =
          `Drill number ${index}: skip rope for ${index} seconds, then rest for ${index % 7} breaths.`;
      }
      const events = await openSse(`${knowledge.baseUrl}/api/hub/knowledge/events`, { token: creator.token });
      try {
        await eventually(async () => (events.comments.includes('connected') ? true : undefined));
        const upload = expectStatus(
          await uploadDocument(knowledge.baseUrl, creator.token, {
            name: 'rope-drills.md',
            bytes: markdown('Rope drills', sections),
          }),
          202,
        );
        // Between two embedding batches: some vectors are in the collection, more are coming.
        await events.until((event) => {
          const data = JSON.parse(event.data);
          return data.documentId === upload.body.id && data.status === 'processing' && data.progress > 0.2;
        });
        const deleted = await http.delete(`/api/hub/knowledge/documents/${upload.body.id}`, undefined, {
          token: creator.token,
        });
        expect(deleted.status).toBe(204);
        await eventually(
          async () =>
            (await vectorIdsOf(creator.creatorId, upload.body.id)).length === 0 &&
            (await knowledge.ai.vectors.count(creator.creatorId)) === 0
              ? true
              : undefined,
          { timeoutMs: 30_000, what: 'the deleted document’s vectors to leave the collection' },
        );
        // The worker may still be finishing: nothing it writes afterwards may bring them back.
        await new Promise((resolve) => setTimeout(resolve, 2_000));
        expect(await knowledge.ai.vectors.count(creator.creatorId)).toBe(0);
        expect(
          (await http.get(`/api/hub/knowledge/documents/${upload.body.id}`, { token: creator.token })).status,
        ).toBe(404);
      } finally {
        events.close();
      }
    });

    it('rebuilds a collection that another embedding model built, then indexes the document', async () => {
      const creator = await registerCreator(http, 'migrated');
      // The collection as an earlier EMBEDDING_MODEL left it: same creator, another model and dimension.
      await knowledge.ai.vectors.ensureCollection(creator.creatorId, {
        model: 'local:retired-model',
        dimension: 3,
      });
      const upload = expectStatus(
        await uploadFixture(knowledge.baseUrl, creator.token, 'building-habits.txt'),
        202,
      );
      const document = await waitForDocument(http, creator.token, upload.body.id, 120_000);
      expect(document).toMatchObject({ status: 'ready', title: 'Building Habits That Stick' });
      const collection = await knowledge.ai.vectors.ensureCollection(creator.creatorId, {
        model: knowledge.ai.embedder.model,
        dimension: knowledge.ai.embedder.dimension,
      });
      expect(collection).toMatchObject({
        model: knowledge.ai.embedder.model,
        dimension: knowledge.ai.embedder.dimension,
        isNew: false,
      });
      expect(await vectorIdsOf(creator.creatorId, document.id)).toHaveLength(document.chunkCount);
      const [top] = await search(creator.token, 'What is habit stacking?');
      expect(top).toMatchObject({ documentId: document.id });
    });

    it('schedules a rebuild when a search meets a collection of another embedding model', async () => {
      const creator = await registerCreator(http, 'upgraded');
      const upload = expectStatus(
        await uploadFixture(knowledge.baseUrl, creator.token, 'couch-to-5k.md'),
        202,
      );
      const document = await waitForDocument(http, creator.token, upload.body.id);
      // What an upgrade of EMBEDDING_MODEL finds: the creator's vectors were built by the previous model.
      await knowledge.ai.vectors.dropCollection(creator.creatorId);
      await knowledge.ai.vectors.ensureCollection(creator.creatorId, {
        model: 'local:retired-model',
        dimension: 3,
      });

      const results = await search(creator.token, 'When should I replace my running shoes?');
      expect(results[0]).toMatchObject({ documentId: document.id });
      // Polled from outside while the worker drops and re-creates the collection: a query that lands in
      // that window fails (Chroma answers "Nothing found on disk"), so a failed poll just means "not yet".
      await eventually(
        async () => {
          const ids = await vectorIdsOf(creator.creatorId, document.id).catch(() => []);
          return ids.length === document.chunkCount ? true : undefined;
        },
        { timeoutMs: 60_000, what: 'the re-index with the current model' },
      );
      const collection = await knowledge.ai.vectors.ensureCollection(creator.creatorId, {
        model: knowledge.ai.embedder.model,
        dimension: knowledge.ai.embedder.dimension,
      });
      expect(collection.model).toBe(knowledge.ai.embedder.model);
      expect(await waitForDocument(http, creator.token, document.id)).toMatchObject({ status: 'ready' });
    });
  });

  describe('delete and reindex', () => {
    it('deletes a document: 204, then its chunks leave search, answers and the vector collection', async () => {
      const document = await ingest(
        owner.token,
        'kettlebell-delete.md',
        markdown('Kettlebell Grips', {
          'Hook grip': 'For kettlebell cleans use a loose hook grip so the handle rotates around the wrist.',
        }),
      );
      expect(document.status).toBe('ready');
      const before = await knowledge.ai.vectors.count(owner.creatorId);
      expect(await vectorIdsOf(owner.creatorId, document.id)).toHaveLength(document.chunkCount);
      const question = 'Which grip should I use for kettlebell cleans?';
      expect((await search(owner.token, question)).map((result) => result.documentId)).toContain(document.id);

      const deleted = await http.delete(`/api/hub/knowledge/documents/${document.id}`, undefined, {
        token: owner.token,
      });
      expect(deleted.status).toBe(204);
      expect(deleted.body).toBe('');

      expect(await knowledge.ai.vectors.count(owner.creatorId)).toBe(before - document.chunkCount);
      expect(await vectorIdsOf(owner.creatorId, document.id)).toEqual([]);
      expect(await chunksOf(owner.creatorId, document.id)).toEqual([]);
      expect((await search(owner.token, question, 50)).map((result) => result.documentId)).not.toContain(
        document.id,
      );
      const answer = expectStatus(
        await http.post<Body>('/api/ai/ask', { question }, { token: owner.token }),
        200,
      );
      expect(answer.body.citations.map((citation: Body) => citation.documentId)).not.toContain(document.id);
      expect(
        (await http.get(`/api/hub/knowledge/documents/${document.id}`, { token: owner.token })).status,
      ).toBe(404);
      expect(
        (await http.delete(`/api/hub/knowledge/documents/${document.id}`, undefined, { token: owner.token }))
          .status,
      ).toBe(404);
    });

    it('reindexes a document back to ready with fresh chunks and no duplicates', async () => {
      const document = await ingest(
        owner.token,
        'kettlebell-reindex.md',
        markdown('Kettlebell Programming', {
          'Weekly plan':
            'Swing the kettlebell three days a week: ten sets of ten swings, resting a minute between sets.',
          Progression:
            'Add one set per week until you reach fifteen sets, then move to a heavier kettlebell.',
        }),
      );
      const renamed = await http.patch<Body>(
        `/api/hub/knowledge/documents/${document.id}`,
        { title: 'My kettlebell plan' },
        { token: owner.token },
      );
      expect(renamed.status).toBe(200);
      const oldChunkIds = (await chunksOf(owner.creatorId, document.id)).map((chunk) => chunk.id).sort();
      expect(await vectorIdsOf(owner.creatorId, document.id)).toEqual(oldChunkIds);
      const totalBefore = await knowledge.ai.vectors.count(owner.creatorId);

      const reindex = await http.post<Body>(
        `/api/hub/knowledge/documents/${document.id}/reindex`,
        undefined,
        {
          token: owner.token,
        },
      );
      expect(reindex.status).toBe(202);
      expect(reindex.body).toEqual({ id: document.id, status: 'queued' });
      const again = await waitForDocument(http, owner.token, document.id);

      expect(again).toMatchObject({
        status: 'ready',
        chunkCount: document.chunkCount,
        title: 'My kettlebell plan',
      });
      const newChunkIds = (await chunksOf(owner.creatorId, document.id)).map((chunk) => chunk.id).sort();
      expect(newChunkIds).toHaveLength(document.chunkCount);
      expect(newChunkIds.filter((id) => oldChunkIds.includes(id))).toEqual([]);
      expect(await vectorIdsOf(owner.creatorId, document.id)).toEqual(newChunkIds);
      expect(await knowledge.ai.vectors.count(owner.creatorId)).toBe(totalBefore);
      const results = await search(owner.token, 'How many sets of kettlebell swings per week?', 10);
      const mine = results.filter((result) => result.documentId === document.id);
      expect(mine.length).toBeGreaterThan(0);
      expect(new Set(mine.map((result) => result.chunkId)).size).toBe(mine.length);
    });

    it('answers 404 when reindexing an unknown document', async () => {
      const response = await http.post<Body>(
        '/api/hub/knowledge/documents/00000000-0000-4000-8000-000000000000/reindex',
        undefined,
        { token: owner.token },
      );
      expect(response.status).toBe(404);
    });
  });
});
