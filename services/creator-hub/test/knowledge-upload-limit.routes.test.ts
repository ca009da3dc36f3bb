import { withTenant } from '@companero/db/tenant';
import { backends } from '@companero/testing/backends';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Body,
  type Creator,
  expectStatus,
  type KnowledgeTestServer,
  readFixture,
  registerCreator,
  startKnowledgeServer,
  uploadDocument,
  uploadFixture,
  waitForDocument,
} from '../../ai-engine/test/knowledge-test-server';

// Small enough that the DOCX fixture (about 10 kB) is over it and the Markdown one (under 1 kB) is not.
const maxUploadBytes = 4096;

describe.each(backends())('knowledge upload size limit on $name', (backend) => {
  let knowledge: KnowledgeTestServer;
  let creator: Creator;

  const storedDocuments = () =>
    withTenant(knowledge.server.runtime.db, creator.creatorId, async (tx) =>
      Number((await tx.query<{ count: string }>('select count(*) from knowledge_documents')).rows[0]!.count),
    );

  beforeAll(async () => {
    knowledge = await startKnowledgeServer(backend, { KNOWLEDGE_MAX_UPLOAD_BYTES: String(maxUploadBytes) });
    creator = await registerCreator(knowledge.http, 'limited');
  });
  afterAll(async () => knowledge?.close());

  it('refuses a file over KNOWLEDGE_MAX_UPLOAD_BYTES with 413 and stores nothing', async () => {
    expect(readFixture('everyday-nutrition.docx').length).toBeGreaterThan(maxUploadBytes);
    const response = await uploadFixture(knowledge.baseUrl, creator.token, 'everyday-nutrition.docx');
    expect(response.status).toBe(413);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.body).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
    expect(await storedDocuments()).toBe(0);
    const listed = expectStatus(
      await knowledge.http.get<Body>('/api/hub/knowledge/documents', { token: creator.token }),
      200,
    );
    expect(listed.body.items).toEqual([]);
  });

  it('refuses a file one byte over the limit, and takes one exactly at it', async () => {
    const line = 'Walk for ten minutes after every meal to steady your blood sugar.\n';
    const exactly = Buffer.from(
      `# Walking after meals\n\n${line.repeat(80)}`.slice(0, maxUploadBytes),
      'utf8',
    );
    expect(exactly.length).toBe(maxUploadBytes);
    const over = await uploadDocument(knowledge.baseUrl, creator.token, {
      name: 'walking-over.md',
      bytes: Buffer.concat([exactly, Buffer.from('.')]),
    });
    expect(over.status).toBe(413);
    const atLimit = await uploadDocument(knowledge.baseUrl, creator.token, {
      name: 'walking.md',
      bytes: exactly,
    });
    expect(atLimit.status).toBe(202);
    expect(await storedDocuments()).toBe(1);
  });

  it('still ingests a file under the limit after refusing one', async () => {
    const upload = expectStatus(await uploadFixture(knowledge.baseUrl, creator.token, 'couch-to-5k.md'), 202);
    const document = await waitForDocument(knowledge.http, creator.token, upload.body.id);
    expect(document).toMatchObject({ status: 'ready', title: 'Couch to 5K Running Plan' });
    expect(document.chunkCount).toBeGreaterThan(0);
  });
});
