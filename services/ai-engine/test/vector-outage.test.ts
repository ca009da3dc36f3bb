import { backends } from '@companero/testing/backends';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Body,
  type Creator,
  expectStatus,
  ingestFixture,
  type KnowledgeTestServer,
  registerCreator,
  startKnowledgeServer,
} from './knowledge-test-server';

describe.each(backends())('answers while the vector store is down on $name', (backend) => {
  let knowledge: KnowledgeTestServer;
  let creator: Creator;

  beforeAll(async () => {
    knowledge = await startKnowledgeServer(backend);
    creator = await registerCreator(knowledge.http, 'outage');
    await ingestFixture(knowledge, creator.token, 'couch-to-5k.md');
    // Chroma stops (the embedded child process ends): dense search now fails on every query.
    await knowledge.ai.vectors.close();
  });
  afterAll(async () => knowledge?.close());

  it('still answers grounded from keyword search, citing the right document', async () => {
    const response = expectStatus(
      await knowledge.http.post<Body>(
        '/api/ai/ask',
        { question: 'When should I replace my running shoes?' },
        { token: creator.token },
      ),
      200,
    );
    expect(response.body.grounded).toBe(true);
    expect(response.body.citations[0].title).toBe('Couch to 5K Running Plan');
    expect(response.body.answer).toContain('500 to 800 kilometres');
  });

  it('reports the vector store as down on /ready', async () => {
    const ready = await knowledge.http.get<Body>('/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.checks.vectors).toBe('down');
  });
});
