import { backends } from '@companero/testing/backends';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type KnowledgeTestServer,
  startKnowledgeServer,
} from '../../../services/ai-engine/test/knowledge-test-server';

const refsIn = (value: unknown, found: Set<string>): Set<string> => {
  if (Array.isArray(value)) for (const item of value) refsIn(item, found);
  else if (value && typeof value === 'object')
    for (const [key, child] of Object.entries(value)) {
      if (key === '$ref' && typeof child === 'string') found.add(child);
      else refsIn(child, found);
    }
  return found;
};

// One backend is enough: the document is built from the routes' zod schemas, not from the database.
describe.each(backends().slice(0, 1))('the all-in-one OpenAPI document on $name', (backend) => {
  let server: KnowledgeTestServer;

  beforeAll(async () => {
    server = await startKnowledgeServer(backend, {}, ['auth', 'creator-hub', 'ai-engine', 'channel']);
  });
  afterAll(async () => server?.close());

  it('defines every schema its operations refer to (clients generated from it compile)', async () => {
    const document = (await (await fetch(`${server.baseUrl}/openapi.json`)).json()) as {
      components: { schemas?: Record<string, unknown> };
      paths: Record<string, unknown>;
    };
    const refs = [...refsIn(document, new Set())];
    expect(refs.length).toBeGreaterThan(20);
    const missing = refs.filter((ref) => {
      const name = ref.replace('#/components/schemas/', '');
      return !ref.startsWith('#/components/schemas/') || !document.components.schemas?.[name];
    });
    expect(missing).toEqual([]);
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/api/hub/programs',
        '/api/hub/programs/{id}/publish',
        '/api/channels/widget/{creatorSlug}/sessions',
      ]),
    );
  });
});
