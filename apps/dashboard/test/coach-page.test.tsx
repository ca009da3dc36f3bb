import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { splitCitations } from '../src/features/coach/coach.api';
import { createFakeApi, type FakeRequest, reply } from './fake-api';
import { createEventStream, type FakeEventStream } from './fake-streams';
import { documentId } from './knowledge-fixtures';
import { meResponse, renderApp } from './test-session';

const persona = {
  name: 'Coach Ana',
  instructions: 'Be kind.',
  tone: 'warm',
  language: 'en',
  model: null,
  temperature: 0.3,
  fallbackMessage: 'I do not have that in my materials yet. I have passed your question on.',
  welcomeMessage: 'Hi! Ask me about sleep, food or running.',
};

const conversationId = '12121212-1212-4121-8121-121212121212';
const messageId = (index: number) => `34343434-3434-4343-8343-${String(index).padStart(12, '0')}`;

const sleepCitation = {
  index: 1,
  documentId: documentId(1),
  title: 'Sleep Foundations',
  chunkId: '56565656-5656-4565-8565-565656565656',
  snippet: 'Most adults need between 7 and 9 hours of sleep per night.',
  headingPath: ['Sleep Foundations', 'How much sleep do you need?'],
  page: 2,
  score: 0.0328,
};

/** The ask endpoint: each question opens a stream the test writes the answer to. */
const createAskEndpoint = () => {
  const streams: { request: FakeRequest; stream: FakeEventStream }[] = [];
  return {
    streams,
    handler: (request: FakeRequest) => {
      const stream = createEventStream(request);
      streams.push({ request, stream });
      return { raw: stream.response };
    },
  };
};

const answerIn = (
  stream: FakeEventStream,
  tokens: string[],
  done: Record<string, unknown>,
  citations: unknown[] = [],
) => {
  for (const delta of tokens) stream.send('token', { delta });
  stream.send('citations', citations);
  stream.send('done', { conversationId, answer: tokens.join(''), ...done });
  stream.close();
};

const routes = (
  ask: ReturnType<typeof createAskEndpoint>,
  role: Parameters<typeof meResponse>[0] = 'owner',
) => ({
  'GET /api/auth/me': () => reply.json(meResponse(role)),
  'GET /api/hub/coach': () => reply.json(persona),
  'PUT /api/hub/coach': (request: FakeRequest) => reply.json(request.body),
  'POST /api/ai/ask': ask.handler,
  'POST /api/ai/messages/:id/feedback': () => reply.noContent(),
});

describe('the coach persona', () => {
  it('validates the fields, then saves the whole persona and says so', async () => {
    const user = userEvent.setup();
    const api = createFakeApi(routes(createAskEndpoint()));
    renderApp({ path: '/coach', api });
    const name = await screen.findByLabelText('Name');
    expect(name).toHaveValue('Coach Ana');
    expect(screen.getByRole('button', { name: 'Save coach' })).toBeDisabled();

    await user.clear(name);
    await user.clear(screen.getByLabelText('When the knowledge has no answer'));
    await user.click(screen.getByRole('button', { name: 'Save coach' }));
    expect(screen.getByText('Give your coach a name; members see it.')).toBeInTheDocument();
    expect(
      screen.getByText('Write what the coach says when your knowledge does not cover a question.'),
    ).toBeInTheDocument();
    expect(api.callsTo('PUT', '/api/hub/coach')).toHaveLength(0);

    await user.type(name, 'Coach Lucía');
    await user.type(screen.getByLabelText('When the knowledge has no answer'), 'Not in my notes yet.');
    await user.selectOptions(screen.getByLabelText('Language'), 'es');
    await user.type(screen.getByLabelText(/Model/), 'llama3.2');
    await user.click(screen.getByRole('button', { name: 'Save coach' }));
    expect(await screen.findByText('Coach saved. New answers follow it at once.')).toBeInTheDocument();
    expect(api.callsTo('PUT', '/api/hub/coach')[0]?.body).toEqual({
      ...persona,
      name: 'Coach Lucía',
      fallbackMessage: 'Not in my notes yet.',
      language: 'es',
      model: 'llama3.2',
    });
  });

  it('shows a viewer the persona read-only, with the usual hint, and the playground still usable', async () => {
    const api = createFakeApi(routes(createAskEndpoint(), 'viewer'));
    renderApp({ path: '/coach', api, role: 'viewer' });
    expect(await screen.findByLabelText('Name')).toHaveAttribute('readonly');
    expect(screen.getByLabelText('Language')).toBeDisabled();
    expect(screen.getByLabelText('Instructions')).toHaveAttribute('readonly');
    expect(screen.getByRole('button', { name: 'Save coach' })).toBeDisabled();
    expect(screen.getByText('Needs the editor role or higher; you are a viewer.')).toBeInTheDocument();
    expect(screen.getByText(/You have the viewer role: you can read the persona/)).toBeInTheDocument();
    expect(screen.getByLabelText('Your question')).toBeEnabled();
  });
});

describe('the playground', () => {
  it('streams the answer token by token, links its [n] markers to the sources, and takes feedback', async () => {
    const user = userEvent.setup();
    const ask = createAskEndpoint();
    const api = createFakeApi(routes(ask));
    renderApp({ path: '/coach', api });
    const transcript = await screen.findByRole('list', { name: 'Conversation with your coach' });
    expect(within(transcript).getByText(persona.welcomeMessage)).toBeInTheDocument();

    await user.type(
      screen.getByLabelText('Your question'),
      'How many hours of sleep does an adult need?{Enter}',
    );
    await waitFor(() => expect(ask.streams).toHaveLength(1));
    const { request, stream } = ask.streams[0]!;
    expect(request.accept).toBe('text/event-stream');
    expect(request.body).toEqual({ question: 'How many hours of sleep does an adult need?' });
    expect(screen.getByLabelText('Your question')).toHaveValue('');

    stream.send('token', { delta: 'Most adults need ' });
    expect(await within(transcript).findByText(/Most adults need/)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Stop' })).toBeInTheDocument();
    answerIn(
      stream,
      ['7 to 9 hours of sleep [1].'],
      { messageId: messageId(1), grounded: true, provider: 'extractive' },
      [sleepCitation],
    );

    const marker = await screen.findByRole('button', { name: 'Source 1: Sleep Foundations' });
    expect(within(transcript).getByText('From your knowledge')).toBeInTheDocument();
    expect(
      screen.getByText('No language model configured: answers quote your materials.'),
    ).toBeInTheDocument();
    await user.click(marker);
    const source = await screen.findByRole('region', { name: 'Source 1: Sleep Foundations' });
    expect(source).toHaveTextContent('How much sleep do you need? · page 2');
    expect(source).toHaveTextContent(sleepCitation.snippet);
    expect(marker).toHaveAttribute('aria-expanded', 'true');
    await user.click(within(source).getByRole('button', { name: 'Close the source' }));
    expect(screen.queryByRole('region', { name: 'Source 1: Sleep Foundations' })).toBeNull();
    await user.click(screen.getByRole('button', { name: /1\s*Sleep Foundations\s*p\. 2/ }));
    expect(await screen.findByRole('region', { name: 'Source 1: Sleep Foundations' })).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Helpful' }));
    expect(await screen.findByText('Thanks: marked as helpful.')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Helpful' })).toHaveAttribute('aria-pressed', 'true');
    expect(api.callsTo('POST', `/api/ai/messages/${messageId(1)}/feedback`)[0]?.body).toEqual({
      rating: 'up',
    });
  });

  it('marks an answer the knowledge does not cover, and keeps the conversation until a new one starts', async () => {
    const user = userEvent.setup();
    const ask = createAskEndpoint();
    const api = createFakeApi(routes(ask));
    renderApp({ path: '/coach', api });
    const input = await screen.findByLabelText('Your question');

    await user.type(input, 'What is the capital of Australia?');
    await user.click(screen.getByRole('button', { name: 'Ask' }));
    await waitFor(() => expect(ask.streams).toHaveLength(1));
    answerIn(ask.streams[0]!.stream, [persona.fallbackMessage], {
      messageId: messageId(2),
      grounded: false,
      provider: 'ollama',
    });
    expect(await screen.findByText('Not in your knowledge')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Unanswered questions' })).toHaveAttribute(
      'href',
      '/knowledge/unanswered',
    );
    expect(screen.queryByText('No language model configured: answers quote your materials.')).toBeNull();

    await user.type(input, 'And of New Zealand?{Enter}');
    await waitFor(() => expect(ask.streams).toHaveLength(2));
    expect(ask.streams[1]!.request.body).toEqual({ question: 'And of New Zealand?', conversationId });
    answerIn(ask.streams[1]!.stream, ['Still not.'], {
      messageId: messageId(3),
      grounded: false,
      provider: 'ollama',
    });
    await screen.findByText('Still not.');

    await user.click(screen.getByRole('button', { name: /New conversation/ }));
    expect(screen.queryByText('Still not.')).toBeNull();
    await user.type(input, 'Hello?{Enter}');
    await waitFor(() => expect(ask.streams).toHaveLength(3));
    expect(ask.streams[2]!.request.body).toEqual({ question: 'Hello?' });
  });

  it('says what went wrong when the stream reports an error, and asks again on request', async () => {
    const user = userEvent.setup();
    const ask = createAskEndpoint();
    const api = createFakeApi(routes(ask));
    renderApp({ path: '/coach', api });
    await user.type(await screen.findByLabelText('Your question'), 'Why?{Enter}');
    await waitFor(() => expect(ask.streams).toHaveLength(1));
    ask.streams[0]!.stream.send('error', { status: 503, code: 'UNAVAILABLE', detail: 'busy' });
    ask.streams[0]!.stream.close();
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'The server is busy or starting. Try again in a few seconds.',
    );
    await user.click(screen.getByRole('button', { name: 'Ask again' }));
    await waitFor(() => expect(ask.streams).toHaveLength(2));
    expect(ask.streams[1]!.request.body).toEqual({ question: 'Why?' });
  });
});

describe('citation markers', () => {
  it('links only the numbers that have a source', () => {
    expect(splitCitations('Sleep 7–9 hours [1][2]. See [7].', new Set([1, 2]))).toEqual([
      { kind: 'text', text: 'Sleep 7–9 hours ' },
      { kind: 'citation', index: 1, text: '[1]' },
      { kind: 'citation', index: 2, text: '[2]' },
      { kind: 'text', text: '. See [7].' },
    ]);
  });
});
