import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { createFakeApi, type FakeRequest, reply } from './fake-api';
import {
  createKnowledgeEvents,
  documentId,
  knowledgeDocument,
  question,
  questionId,
} from './knowledge-fixtures';
import { meResponse, renderApp } from './test-session';

describe('the unanswered questions', () => {
  it('lists open questions with how often and when they were asked, and answers one into the knowledge', async () => {
    const user = userEvent.setup();
    const events = createKnowledgeEvents();
    const answerDocument = knowledgeDocument(9, {
      title: 'What is the capital of Australia?',
      fileName: 'answer-99999999.md',
      source: 'answer',
      status: 'queued',
      progress: 0,
      chunkCount: 0,
      tags: ['answered-question'],
    });
    let documents: ReturnType<typeof knowledgeDocument>[] = [];
    const api = createFakeApi({
      'GET /api/auth/me': () => reply.json(meResponse()),
      'GET /api/hub/knowledge/events': events.handler,
      'GET /api/hub/knowledge/unanswered': (request: FakeRequest) =>
        reply.json({
          items:
            request.query.get('status') === 'open'
              ? [question(1), question(2, { question: 'Do you ship to Canada?', timesAsked: 1 })]
              : [],
        }),
      'POST /api/hub/knowledge/unanswered/:id/answer': (request, params) => {
        documents = [answerDocument];
        return reply.json(
          question(1, {
            id: params.id,
            status: 'answered',
            answer: (request.body as { answer: string }).answer,
            answerDocumentId: documentId(9),
          }),
        );
      },
      'GET /api/hub/knowledge/documents/:id': () => reply.json(documents[0]),
      'GET /api/hub/knowledge/documents': () => reply.json({ items: documents, nextCursor: null }),
      'GET /api/hub/knowledge/folders': () => reply.json({ items: [] }),
    });
    renderApp({ path: '/knowledge/unanswered', api });
    const list = await screen.findByRole('list', { name: 'Open questions' });
    const [first] = within(list).getAllByRole('listitem');
    expect(first).toHaveTextContent('What is the capital of Australia?');
    expect(first).toHaveTextContent('Asked 3 times');
    expect(first).toHaveTextContent('last 2 hours ago');
    expect(screen.getByRole('link', { name: /Unanswered questions 2 open/ })).toHaveAttribute(
      'aria-current',
      'page',
    );

    await user.click(within(first!).getByRole('button', { name: 'Write the answer' }));
    const dialog = await screen.findByRole('dialog', { name: 'Write the answer' });
    expect(dialog).toHaveTextContent('What is the capital of Australia?');
    await user.click(within(dialog).getByRole('button', { name: 'Save answer' }));
    expect(within(dialog).getByText('Write the answer your coach should give.')).toBeInTheDocument();
    await user.type(within(dialog).getByLabelText('Your answer'), 'Canberra is the capital of Australia.');
    await user.click(within(dialog).getByRole('button', { name: 'Save answer' }));
    expect(await screen.findByText(/Answer saved. It is now part of your knowledge/)).toBeInTheDocument();
    expect(api.callsTo('POST', `/api/hub/knowledge/unanswered/${questionId(1)}/answer`)[0]?.body).toEqual({
      answer: 'Canberra is the capital of Australia.',
    });

    const answered = within(list).getAllByRole('listitem')[0]!;
    expect(within(answered).getByText('Answered')).toBeInTheDocument();
    expect(answered).toHaveTextContent('Canberra is the capital of Australia.');
    expect(
      await within(answered).findByRole('link', { name: 'What is the capital of Australia?' }),
    ).toBeInTheDocument();
    expect(within(answered).getByText('Queued')).toBeInTheDocument();
    await waitFor(() => expect(events.connections).toHaveLength(1));
    events.latest?.send('document', {
      documentId: documentId(9),
      status: 'ready',
      progress: 1,
      chunkCount: 1,
    });
    expect(await within(answered).findByText('1 passage searchable')).toBeInTheDocument();

    await user.click(screen.getByRole('link', { name: 'Documents' }));
    expect(
      await screen.findByRole('rowheader', { name: /What is the capital of Australia\?\s*Your answer/ }),
    ).toBeInTheDocument();
  });

  it('dismisses a question, and filters the answered and dismissed ones', async () => {
    const user = userEvent.setup();
    const api = createFakeApi({
      'GET /api/auth/me': () => reply.json(meResponse()),
      'GET /api/hub/knowledge/events': createKnowledgeEvents().handler,
      'GET /api/hub/knowledge/unanswered': (request: FakeRequest) => {
        const status = request.query.get('status');
        if (status === 'open')
          return reply.json({ items: [question(1, { question: 'Can I run with a cold?' })] });
        if (status === 'dismissed')
          return reply.json({
            items: [question(3, { question: 'Who won the league?', status: 'dismissed' })],
          });
        return reply.json({ items: [] });
      },
      'POST /api/hub/knowledge/unanswered/:id/dismiss': (_request, params) =>
        reply.json(question(1, { id: params.id, question: 'Can I run with a cold?', status: 'dismissed' })),
    });
    renderApp({ path: '/knowledge/unanswered', api });
    await user.click(await screen.findByRole('button', { name: 'Dismiss' }));
    expect(await screen.findByText('Question dismissed.')).toBeInTheDocument();
    expect(api.callsTo('POST', `/api/hub/knowledge/unanswered/${questionId(1)}/dismiss`)).toHaveLength(1);

    await user.click(screen.getByRole('radio', { name: 'Answered' }));
    expect(await screen.findByRole('heading', { name: 'No answered questions yet' })).toBeInTheDocument();
    await user.click(screen.getByRole('radio', { name: 'Dismissed' }));
    expect(await screen.findByText('Who won the league?')).toBeInTheDocument();
    expect(
      api.callsTo('GET', '/api/hub/knowledge/unanswered').map((call) => call.query.get('status')),
    ).toEqual(expect.arrayContaining(['open', 'answered', 'dismissed']));
  });

  it('says what the list is for when nothing is waiting, and keeps a viewer’s actions disabled', async () => {
    const api = createFakeApi({
      'GET /api/auth/me': () => reply.json(meResponse('viewer')),
      'GET /api/hub/knowledge/events': createKnowledgeEvents().handler,
      'GET /api/hub/knowledge/unanswered': (request: FakeRequest) =>
        reply.json({ items: request.query.get('status') === 'open' ? [question(1)] : [] }),
    });
    renderApp({ path: '/knowledge/unanswered', api, role: 'viewer' });
    expect(await screen.findByRole('button', { name: 'Write the answer' })).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Dismiss' })).toBeDisabled();
    expect(screen.getByText(/Answering or dismissing them needs an/)).toBeInTheDocument();
  });
});
