import type { FakeRequest } from './fake-api';
import { createEventStream, type FakeEventStream } from './fake-streams';

export const documentId = (index: number) => `eeeeeeee-eeee-4eee-8eee-${String(index).padStart(12, '0')}`;
export const folderId = (index: number) => `ffffffff-ffff-4fff-8fff-${String(index).padStart(12, '0')}`;
export const questionId = (index: number) => `99999999-9999-4999-8999-${String(index).padStart(12, '0')}`;

export const knowledgeDocument = (index: number, overrides: Record<string, unknown> = {}) => ({
  id: documentId(index),
  title: `Guide ${index}`,
  fileName: `guide-${index}.pdf`,
  mimeType: 'application/pdf',
  bytes: 120_000,
  folderId: null as string | null,
  tags: [] as string[],
  status: 'ready',
  progress: 1,
  chunkCount: 12,
  pageCount: 4,
  error: null as string | null,
  source: 'upload',
  createdAt: '2025-03-01T10:00:00.000Z',
  updatedAt: '2025-03-01T10:01:00.000Z',
  ...overrides,
});

export const folder = (index: number, name: string, documentCount = 0) => ({
  id: folderId(index),
  name,
  parentId: null,
  documentCount,
  createdAt: '2025-03-01T10:00:00.000Z',
});

export const question = (index: number, overrides: Record<string, unknown> = {}) => ({
  id: questionId(index),
  question: 'What is the capital of Australia?',
  timesAsked: 3,
  status: 'open',
  answer: null,
  answerDocumentId: null,
  firstAskedAt: '2025-03-01T10:00:00.000Z',
  lastAskedAt: new Date(Date.now() - 2 * 3600_000).toISOString(),
  ...overrides,
});

/** The live events endpoint: every connection the page opens, so a test can write to the latest one. */
export const createKnowledgeEvents = () => {
  const connections: FakeEventStream[] = [];
  return {
    connections,
    handler: (request: FakeRequest) => {
      const stream = createEventStream(request);
      connections.push(stream);
      stream.write(': connected\n\n');
      return { raw: stream.response };
    },
    get latest() {
      return connections.at(-1);
    },
  };
};
