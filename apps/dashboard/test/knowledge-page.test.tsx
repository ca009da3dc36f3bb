import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFakeApi, reply } from './fake-api';
import { createFakeXhr, type FakeUpload, problemBody } from './fake-streams';
import { createKnowledgeEvents, documentId, folder, folderId, knowledgeDocument } from './knowledge-fixtures';
import { meResponse, renderApp } from './test-session';

const file = (name: string, size = 2000, type = 'application/pdf') =>
  new File([new Uint8Array(size)], name, { type });

const baseRoutes = (role: Parameters<typeof meResponse>[0] = 'owner') => ({
  'GET /api/auth/me': () => reply.json(meResponse(role)),
  'GET /api/hub/knowledge/folders': () => reply.json({ items: [] }),
  'GET /api/hub/knowledge/unanswered': () => reply.json({ items: [] }),
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('the knowledge page', () => {
  it('says what to upload when the knowledge base is empty', async () => {
    const events = createKnowledgeEvents();
    const api = createFakeApi({
      ...baseRoutes(),
      'GET /api/hub/knowledge/events': events.handler,
      'GET /api/hub/knowledge/documents': () => reply.json({ items: [], nextCursor: null }),
    });
    renderApp({ path: '/knowledge', api });
    expect(
      await screen.findByRole('heading', { name: 'Your coach has nothing to go on yet' }),
    ).toBeInTheDocument();
    expect(screen.getByText(/guides, training plans, meal plans/)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: /Choose files/ })).toBeEnabled();
    expect(screen.getByRole('link', { name: 'Knowledge' })).toHaveAttribute('href', '/knowledge');
    await waitFor(() => expect(events.connections).toHaveLength(1));
    expect(api.callsTo('GET', '/api/hub/knowledge/events')[0]?.authorization).toMatch(/^Bearer /);
  });

  it('shows the bytes going up, then the processing progress from the live stream, until it is ready', async () => {
    const user = userEvent.setup();
    const { FakeXhr, uploads } = createFakeXhr();
    vi.stubGlobal('XMLHttpRequest', FakeXhr);
    const events = createKnowledgeEvents();
    let stored: ReturnType<typeof knowledgeDocument>[] = [];
    const api = createFakeApi({
      ...baseRoutes(),
      'GET /api/hub/knowledge/events': events.handler,
      'GET /api/hub/knowledge/documents': () => reply.json({ items: stored, nextCursor: null }),
      'GET /api/hub/knowledge/documents/:id': () => reply.json(stored[0]),
    });
    renderApp({ path: '/knowledge', api });
    await screen.findByRole('heading', { name: 'Your coach has nothing to go on yet' });
    await waitFor(() => expect(events.connections).toHaveLength(1));

    await user.upload(screen.getByLabelText('Files to upload'), file('sleep-foundations.pdf', 4000));
    await waitFor(() => expect(uploads).toHaveLength(1));
    const upload = uploads[0] as FakeUpload;
    expect(upload.file?.name).toBe('sleep-foundations.pdf');
    upload.progress(0.5);
    const bytes = await screen.findByRole('progressbar', { name: 'Uploading sleep-foundations.pdf' });
    await waitFor(() => expect(bytes).toHaveAttribute('aria-valuenow', '50'));
    expect(bytes).toHaveAttribute('aria-valuetext', '2 KB of 4 KB');

    stored = [
      knowledgeDocument(1, {
        title: 'sleep-foundations',
        fileName: 'sleep-foundations.pdf',
        status: 'queued',
        progress: 0,
        chunkCount: 0,
      }),
    ];
    upload.respond({ status: 202, body: { id: documentId(1), status: 'queued' } });
    await waitFor(() =>
      expect(screen.queryByRole('progressbar', { name: 'Uploading sleep-foundations.pdf' })).toBeNull(),
    );

    events.latest?.send('document', { documentId: documentId(1), status: 'processing', progress: 0.4 });
    await waitFor(() =>
      expect(
        screen.getAllByRole('progressbar', { name: /^Processing sleep-foundations/ })[0],
      ).toHaveAttribute('aria-valuenow', '40'),
    );
    expect(screen.getAllByText('Reading and indexing · 40%').length).toBeGreaterThan(0);

    stored = [{ ...stored[0]!, title: 'Sleep Foundations', status: 'ready', progress: 1, chunkCount: 12 }];
    events.latest?.send('document', {
      documentId: documentId(1),
      status: 'ready',
      progress: 1,
      chunkCount: 12,
    });
    expect((await screen.findAllByText('12 passages searchable')).length).toBeGreaterThan(0);
    expect(await screen.findByRole('rowheader', { name: /Sleep Foundations/ })).toBeInTheDocument();
    expect(screen.queryByRole('progressbar', { name: /^Processing/ })).toBeNull();
  });

  it('uploads the files dropped on the drop zone, several at once', async () => {
    const { FakeXhr, uploads } = createFakeXhr();
    vi.stubGlobal('XMLHttpRequest', FakeXhr);
    const api = createFakeApi({
      ...baseRoutes(),
      'GET /api/hub/knowledge/events': createKnowledgeEvents().handler,
      'GET /api/hub/knowledge/documents': () => reply.json({ items: [], nextCursor: null }),
    });
    renderApp({ path: '/knowledge', api });
    const zone = (await screen.findByRole('heading', { name: /Drag files here/ })).closest('section')!;
    const files = [file('a.pdf'), file('b.md', 10, 'text/markdown')];
    const dataTransfer = { files, types: ['Files'], dropEffect: 'none' };
    fireEvent.dragEnter(zone, { dataTransfer });
    expect(screen.getByRole('heading', { name: 'Drop to upload' })).toBeInTheDocument();
    fireEvent.drop(zone, { dataTransfer });
    await waitFor(() => expect(uploads.map((upload) => upload.file?.name)).toEqual(['a.pdf', 'b.md']));
    expect(screen.getByRole('heading', { name: /Drag files here/ })).toBeInTheDocument();
  });

  it('says in plain words why each refused file was not uploaded', async () => {
    // The file picker only offers documents; dragging a photo in still sends it, and the server refuses it.
    const user = userEvent.setup({ applyAccept: false });
    const answers: Record<string, { status: number; body: unknown }> = {
      'sleep-foundations.pdf': {
        status: 409,
        body: problemBody(
          409,
          `This file is already in the knowledge base as "Sleep Foundations" (document ${documentId(1)}).`,
          'CONFLICT',
        ),
      },
      'photo.png': { status: 415, body: problemBody(415, 'Only PDF, Word…', 'UNSUPPORTED_MEDIA_TYPE') },
      'huge.pdf': { status: 413, body: problemBody(413, 'Request body is too large', 'PAYLOAD_TOO_LARGE') },
    };
    const { FakeXhr } = createFakeXhr((upload) =>
      queueMicrotask(() =>
        upload.respond(answers[upload.file?.name ?? ''] ?? { status: 500, body: problemBody(500, 'x') }),
      ),
    );
    vi.stubGlobal('XMLHttpRequest', FakeXhr);
    const events = createKnowledgeEvents();
    const api = createFakeApi({
      ...baseRoutes(),
      'GET /api/hub/knowledge/events': events.handler,
      'GET /api/hub/knowledge/documents': () =>
        reply.json({ items: [knowledgeDocument(1, { title: 'Sleep Foundations' })], nextCursor: null }),
    });
    renderApp({ path: '/knowledge', api });
    await screen.findByRole('rowheader', { name: /Sleep Foundations/ });
    await user.upload(screen.getByLabelText('Files to upload'), [
      file('sleep-foundations.pdf'),
      file('photo.png', 100, 'image/png'),
      file('huge.pdf'),
    ]);
    const uploadsList = await screen.findByRole('region', { name: 'Uploads' });
    expect(
      await within(uploadsList).findByText(
        'Already in your knowledge as “Sleep Foundations”. The same file was uploaded before.',
      ),
    ).toBeInTheDocument();
    expect(
      within(uploadsList).getByText(
        /This kind of file cannot be read. Upload PDF, Word \(\.docx\), Markdown, HTML or plain text files\./,
      ),
    ).toBeInTheDocument();
    expect(within(uploadsList).getByText(/Too large to upload/)).toBeInTheDocument();
    expect(within(uploadsList).queryByRole('button', { name: 'Try again' })).toBeNull();
    expect(within(uploadsList).getAllByText('Not uploaded')).toHaveLength(3);
  });

  it('shows why a document failed and processes it again with Retry', async () => {
    const user = userEvent.setup();
    const events = createKnowledgeEvents();
    let status = 'failed';
    const api = createFakeApi({
      ...baseRoutes(),
      'GET /api/hub/knowledge/events': events.handler,
      'GET /api/hub/knowledge/documents': () =>
        reply.json({
          items: [
            knowledgeDocument(2, {
              title: 'Scanned notes',
              status,
              progress: 0,
              chunkCount: 0,
              error: status === 'failed' ? 'The PDF has no text layer; it may be a scan.' : null,
            }),
          ],
          nextCursor: null,
        }),
      'POST /api/hub/knowledge/documents/:id/reindex': (_request, params) => {
        status = 'queued';
        return reply.json({ id: params.id, status: 'queued' }, 202);
      },
    });
    renderApp({ path: '/knowledge', api });
    expect(await screen.findByText('The PDF has no text layer; it may be a scan.')).toBeInTheDocument();
    expect(within(screen.getByRole('table')).getByText('Failed')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Retry Scanned notes' }));
    expect(await screen.findByText('Processing “Scanned notes” again.')).toBeInTheDocument();
    expect(api.callsTo('POST', `/api/hub/knowledge/documents/${documentId(2)}/reindex`)).toHaveLength(1);
    expect(await screen.findByText('Waiting its turn')).toBeInTheDocument();
  });

  it('creates, renames and deletes folders, filters by folder and uploads into the selected one', async () => {
    const user = userEvent.setup();
    const { FakeXhr, uploads } = createFakeXhr();
    vi.stubGlobal('XMLHttpRequest', FakeXhr);
    let folders = [folder(1, 'Nutrition', 2)];
    const api = createFakeApi({
      ...baseRoutes(),
      'GET /api/hub/knowledge/events': createKnowledgeEvents().handler,
      'GET /api/hub/knowledge/folders': () => reply.json({ items: folders }),
      'GET /api/hub/knowledge/documents': (request) =>
        reply.json({
          items: request.query.get('folderId')
            ? [knowledgeDocument(3, { title: 'Meal plan', folderId: folderId(1) })]
            : [
                knowledgeDocument(3, { title: 'Meal plan', folderId: folderId(1) }),
                knowledgeDocument(4, { title: 'Sleep' }),
              ],
          nextCursor: null,
        }),
      'POST /api/hub/knowledge/folders': (request) => {
        const created = folder(2, (request.body as { name: string }).name);
        folders = [...folders, created];
        return reply.json(created, 201);
      },
      'PATCH /api/hub/knowledge/folders/:id': (request, params) => {
        folders = folders.map((entry) =>
          entry.id === params.id ? { ...entry, ...(request.body as object) } : entry,
        );
        return reply.json(folders.find((entry) => entry.id === params.id));
      },
      'DELETE /api/hub/knowledge/folders/:id': (_request, params) => {
        folders = folders.filter((entry) => entry.id !== params.id);
        return reply.noContent();
      },
    });
    renderApp({ path: '/knowledge', api });
    await screen.findByRole('rowheader', { name: /Sleep/ });

    await user.click(screen.getByRole('button', { name: 'Nutrition 2 documents' }));
    await waitFor(() =>
      expect(api.callsTo('GET', '/api/hub/knowledge/documents').at(-1)?.query.get('folderId')).toBe(
        folderId(1),
      ),
    );
    await waitFor(() => expect(screen.queryByRole('rowheader', { name: /Sleep/ })).toBeNull());
    expect(screen.getByText(/They go into/)).toHaveTextContent('They go into Nutrition.');
    await user.upload(screen.getByLabelText('Files to upload'), file('recipes.md', 300, 'text/markdown'));
    await waitFor(() => expect(uploads).toHaveLength(1));
    expect(uploads[0]?.form.get('folderId')).toBe(folderId(1));

    await user.click(screen.getByRole('button', { name: '+ New folder' }));
    const create = await screen.findByRole('dialog', { name: 'New folder' });
    await user.click(within(create).getByRole('button', { name: 'Create folder' }));
    expect(within(create).getByText('Give the folder a name.')).toBeInTheDocument();
    await user.type(within(create).getByLabelText('Folder name'), 'Sleep');
    await user.click(within(create).getByRole('button', { name: 'Create folder' }));
    expect(await screen.findByText('Folder “Sleep” created.')).toBeInTheDocument();
    expect(api.callsTo('POST', '/api/hub/knowledge/folders')[0]?.body).toEqual({ name: 'Sleep' });

    await user.click(await screen.findByRole('button', { name: 'Rename folder Nutrition' }));
    const rename = await screen.findByRole('dialog', { name: 'Rename “Nutrition”' });
    await user.clear(within(rename).getByLabelText('Folder name'));
    await user.type(within(rename).getByLabelText('Folder name'), 'Food');
    await user.click(within(rename).getByRole('button', { name: 'Rename' }));
    expect(await screen.findByText('Folder renamed to “Food”.')).toBeInTheDocument();

    await user.click(await screen.findByRole('button', { name: 'Delete folder Food' }));
    const remove = await screen.findByRole('dialog', { name: 'Delete the folder “Food”?' });
    expect(remove).toHaveTextContent('Its 2 documents stay in your knowledge');
    await user.click(within(remove).getByRole('button', { name: 'Delete folder' }));
    expect(await screen.findByText('Folder “Food” deleted.')).toBeInTheDocument();
    expect(api.callsTo('DELETE', `/api/hub/knowledge/folders/${folderId(1)}`)).toHaveLength(1);
  });

  it('edits a document’s tags, and deletes a document after confirming', async () => {
    const user = userEvent.setup();
    let documents = [knowledgeDocument(5, { title: 'Couch to 5K', tags: ['running'] })];
    const api = createFakeApi({
      ...baseRoutes(),
      'GET /api/hub/knowledge/events': createKnowledgeEvents().handler,
      'GET /api/hub/knowledge/documents': (request) =>
        reply.json({
          items: documents.filter(
            (entry) => !request.query.get('tag') || entry.tags.includes(request.query.get('tag')!),
          ),
          nextCursor: null,
        }),
      'PATCH /api/hub/knowledge/documents/:id': (request) => {
        documents = documents.map((entry) => ({ ...entry, ...(request.body as object) }));
        return reply.json(documents[0]);
      },
      'DELETE /api/hub/knowledge/documents/:id': () => {
        documents = [];
        return reply.noContent();
      },
    });
    renderApp({ path: '/knowledge', api });
    await user.click(await screen.findByRole('button', { name: 'Edit Couch to 5K' }));
    const dialog = await screen.findByRole('dialog', { name: 'Edit “Couch to 5K”' });
    await user.type(within(dialog).getByLabelText('Tags'), 'beginners{Enter}');
    await user.click(within(dialog).getByRole('button', { name: 'Remove tag running' }));
    await user.click(within(dialog).getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('“Couch to 5K” saved.')).toBeInTheDocument();
    expect(api.callsTo('PATCH', `/api/hub/knowledge/documents/${documentId(5)}`)[0]?.body).toEqual({
      tags: ['beginners'],
    });
    expect(await screen.findByText('beginners')).toBeInTheDocument();

    await user.type(screen.getByLabelText('Tag'), 'beginners');
    await waitFor(() =>
      expect(api.callsTo('GET', '/api/hub/knowledge/documents').at(-1)?.query.get('tag')).toBe('beginners'),
    );

    await user.click(screen.getByRole('button', { name: 'Delete Couch to 5K' }));
    const confirm = await screen.findByRole('dialog', { name: 'Delete “Couch to 5K”?' });
    expect(confirm).toHaveTextContent('The coach stops using it at once');
    await user.click(within(confirm).getByRole('button', { name: 'Delete document' }));
    expect(await screen.findByText('“Couch to 5K” deleted.')).toBeInTheDocument();
    expect(await screen.findByRole('heading', { name: 'No documents match' })).toBeInTheDocument();
  });

  it('searches the knowledge and shows each passage with its place and relevance', async () => {
    const user = userEvent.setup();
    const api = createFakeApi({
      ...baseRoutes(),
      'GET /api/hub/knowledge/events': createKnowledgeEvents().handler,
      'GET /api/hub/knowledge/documents': () =>
        reply.json({ items: [knowledgeDocument(1)], nextCursor: null }),
      'GET /api/hub/knowledge/search': () =>
        reply.json({
          results: [
            {
              documentId: documentId(1),
              title: 'Sleep Foundations',
              chunkId: 'cccccccc-0000-4000-8000-000000000001',
              text: 'Most adults need 7 to 9 hours of sleep per night.',
              headingPath: ['Sleep Foundations', 'How much sleep'],
              page: 2,
              score: 0.0321,
              isRelevant: true,
            },
            {
              documentId: documentId(2),
              title: 'Everyday Nutrition',
              chunkId: 'cccccccc-0000-4000-8000-000000000002',
              text: 'Eat vegetables.',
              headingPath: [],
              page: null,
              score: 0.011,
              isRelevant: false,
            },
          ],
        }),
    });
    renderApp({ path: '/knowledge', api });
    await user.type(await screen.findByLabelText('Search the knowledge'), 'How much sleep?');
    await user.click(screen.getByRole('button', { name: 'Search' }));
    const results = await screen.findByRole('list', { name: 'Passages found for How much sleep?' });
    const [first, second] = within(results).getAllByRole('listitem');
    expect(first).toHaveTextContent('Sleep Foundations');
    expect(first).toHaveTextContent('How much sleep · page 2');
    expect(first).toHaveTextContent('Most adults need 7 to 9 hours');
    expect(within(first!).getByText('Relevant')).toBeInTheDocument();
    expect(within(second!).getByText('Not relevant')).toBeInTheDocument();
    expect(
      screen.getByText(/2 passages found for “How much sleep\?”; 1 relevant enough to cite/),
    ).toBeInTheDocument();
    expect(api.callsTo('GET', '/api/hub/knowledge/search')[0]?.query.get('q')).toBe('How much sleep?');
  });

  it('lets a viewer browse and search, with uploads and changes disabled', async () => {
    const api = createFakeApi({
      ...baseRoutes('viewer'),
      'GET /api/hub/knowledge/events': createKnowledgeEvents().handler,
      'GET /api/hub/knowledge/folders': () => reply.json({ items: [folder(1, 'Nutrition', 1)] }),
      'GET /api/hub/knowledge/documents': () =>
        reply.json({
          items: [knowledgeDocument(1, { status: 'failed', error: 'Broken file.' })],
          nextCursor: null,
        }),
    });
    renderApp({ path: '/knowledge', api, role: 'viewer' });
    expect(
      await screen.findByText(/You have the viewer role: you can browse and search the knowledge/),
    ).toBeInTheDocument();
    expect(screen.getByRole('button', { name: /Choose files/ })).toBeDisabled();
    expect(screen.getByRole('button', { name: '+ New folder' })).toBeDisabled();
    expect(await screen.findByRole('button', { name: 'Edit Guide 1' })).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Delete Guide 1' })).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Retry Guide 1' })).toBeDisabled();
    expect(screen.queryByRole('button', { name: 'Rename folder Nutrition' })).toBeNull();
    expect(screen.getByLabelText('Search the knowledge')).toBeEnabled();
  });

  it('reconnects the live stream after it drops, and refreshes the list for what it missed', async () => {
    const events = createKnowledgeEvents();
    const api = createFakeApi({
      ...baseRoutes(),
      'GET /api/hub/knowledge/events': events.handler,
      'GET /api/hub/knowledge/documents': () =>
        reply.json({ items: [knowledgeDocument(1)], nextCursor: null }),
    });
    renderApp({ path: '/knowledge', api });
    await screen.findByRole('rowheader', { name: /Guide 1/ });
    await waitFor(() => expect(events.connections).toHaveLength(1));
    const listCalls = api.callsTo('GET', '/api/hub/knowledge/documents').length;
    events.latest?.close();
    expect(await screen.findByText(/Live progress is interrupted; reconnecting/)).toBeInTheDocument();
    await waitFor(() => expect(events.connections).toHaveLength(2), { timeout: 4000 });
    await waitFor(() => expect(screen.queryByText(/Live progress is interrupted/)).toBeNull());
    await waitFor(() =>
      expect(api.callsTo('GET', '/api/hub/knowledge/documents').length).toBeGreaterThan(listCalls),
    );
  });
});
