import { backends } from '@companero/testing/backends';
import type { HttpClient } from '@companero/testing/http-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MailCatcher, startMailCatcher } from '../../auth/test/mail-catcher';
import {
  type Body,
  type Creator,
  eventually,
  expectStatus,
  fixtureNames,
  type KnowledgeTestServer,
  openSse,
  registerCreator,
  type SseEvent,
  signInMember,
  startKnowledgeServer,
  teammateToken,
  uploadDocument,
  uploadFixture,
  waitForDocument,
} from './knowledge-test-server';

const defaultFallback = "I don't have that in my notes yet. I've passed your question on to your coach.";
const extractiveNote =
  '(No language model is configured, so these are the most relevant passages, quoted as written.)';
const unknownId = '00000000-0000-4000-8000-000000000000';

describe.each(backends())('asking the coach on $name', (backend) => {
  let knowledge: KnowledgeTestServer;
  let http: HttpClient;
  let mail: MailCatcher;
  let owner: Creator;
  let other: Creator;
  let viewerToken: string;
  const documents = new Map<string, Body>();

  const ask = (token: string, body: Body) => http.post<Body>('/api/ai/ask', body, { token });
  const askOk = async (token: string, body: Body) => expectStatus(await ask(token, body), 200).body;
  const doc = (name: string) => documents.get(name)!;
  const unanswered = async (token: string, status = 'open') =>
    expectStatus(await http.get<Body>(`/api/hub/knowledge/unanswered?status=${status}`, { token }), 200).body
      .items as Body[];
  const askStreaming = async (token: string, body: Body) => {
    const stream = await openSse(`${knowledge.baseUrl}/api/ai/ask`, { method: 'POST', token, body });
    await stream.ended;
    return stream;
  };
  const payloads = (events: SseEvent[], name: string) =>
    events.filter((event) => event.event === name).map((event) => JSON.parse(event.data));
  const ingestAll = async (token: string, names: string[]) => {
    const uploads = await Promise.all(
      names.map(
        async (name) =>
          expectStatus(await uploadFixture(knowledge.baseUrl, token, name), 202).body.id as string,
      ),
    );
    const ready = await Promise.all(uploads.map((id) => waitForDocument(http, token, id)));
    names.forEach((name, index) => {
      if (ready[index]!.status !== 'ready') throw new Error(`${name} ended ${ready[index]!.status}`);
      documents.set(name, ready[index]!);
    });
  };

  beforeAll(async () => {
    mail = await startMailCatcher();
    knowledge = await startKnowledgeServer(backend, { SMTP_URL: mail.smtpUrl });
    http = knowledge.http;
    owner = await registerCreator(http, 'owner');
    other = await registerCreator(http, 'other');
    viewerToken = await teammateToken(http, owner, 'viewer');
    await ingestAll(owner.token, [...fixtureNames, 'prompt-injection.md']);
  });
  afterAll(async () => {
    await knowledge?.close();
    await mail?.close();
  });

  describe('JSON answers', () => {
    it('answers an in-scope question grounded, citing the document that holds the answer', async () => {
      const answer = await askOk(owner.token, { question: 'How much water should I drink each day?' });
      expect(answer).toMatchObject({ grounded: true, provider: 'extractive' });
      expect(answer.conversationId).toMatch(/^[0-9a-f-]{36}$/);
      expect(answer.messageId).toMatch(/^[0-9a-f-]{36}$/);
      expect(answer.citations[0]).toMatchObject({
        index: 1,
        documentId: doc('everyday-nutrition.docx').id,
        title: 'Everyday Nutrition',
        headingPath: ['Everyday Nutrition', 'Hydration'],
        page: null,
      });
      expect(answer.citations[0].snippet).toContain('eight glasses of water');
      expect(answer.answer).toContain('Drink about eight glasses of water a day');
      for (const citation of answer.citations) expect(answer.answer).toContain(`[${citation.index}]`);
    });

    it('cites a PDF passage with its page', async () => {
      const answer = await askOk(owner.token, { question: 'How long is the half-life of caffeine?' });
      expect(answer.grounded).toBe(true);
      expect(answer.citations[0]).toMatchObject({
        documentId: doc('sleep-foundations.pdf').id,
        title: 'Sleep Foundations',
        page: 2,
      });
      expect(answer.answer).toContain('half-life is about five to six hours');
      const pdfCitations = answer.citations.filter(
        (citation: Body) => citation.documentId === doc('sleep-foundations.pdf').id,
      );
      for (const citation of pdfCitations) expect([1, 2, 3]).toContain(citation.page);
    });

    it('answers an off-topic question with the fallback message, ungrounded, and lists it as unanswered', async () => {
      const answer = await askOk(owner.token, { question: 'What is the capital of Australia?' });
      expect(answer).toMatchObject({
        answer: defaultFallback,
        grounded: false,
        citations: [],
        provider: 'extractive',
      });
      await askOk(owner.token, { question: 'what is the capital of australia' });
      const listed = (await unanswered(owner.token)).find(
        (item) => item.question === 'What is the capital of Australia?',
      );
      expect(listed).toMatchObject({ status: 'open', timesAsked: 2, answer: null, answerDocumentId: null });
    });

    it('turns an answered question into knowledge that grounds the same question next time', async () => {
      const question = 'Do you offer a student discount on the programs?';
      expect((await askOk(owner.token, { question })).grounded).toBe(false);
      const open = (await unanswered(owner.token)).find((item) => item.question === question)!;
      const reply = 'Yes: students get twenty percent off every program with a valid student card.';

      const answered = await http.post<Body>(
        `/api/hub/knowledge/unanswered/${open.id}/answer`,
        { answer: reply },
        {
          token: owner.token,
        },
      );
      expect(answered.status).toBe(200);
      expect(answered.body).toMatchObject({ id: open.id, status: 'answered', answer: reply });
      const document = await waitForDocument(http, owner.token, answered.body.answerDocumentId);
      expect(document).toMatchObject({
        status: 'ready',
        source: 'answer',
        title: question,
        tags: ['answered-question'],
      });

      const again = await askOk(owner.token, { question });
      expect(again.grounded).toBe(true);
      expect(again.citations[0]).toMatchObject({ documentId: document.id, title: question });
      expect(again.answer).toContain('twenty percent off every program');
      expect((await unanswered(owner.token)).map((item) => item.id)).not.toContain(open.id);
      expect((await unanswered(owner.token, 'answered')).map((item) => item.id)).toContain(open.id);
    });

    it('dismisses an unanswered question, which stays dismissed when asked again', async () => {
      const question = 'Which mortgage broker do you recommend?';
      await askOk(owner.token, { question });
      const open = (await unanswered(owner.token)).find((item) => item.question === question)!;
      const dismissed = await http.post<Body>(`/api/hub/knowledge/unanswered/${open.id}/dismiss`, undefined, {
        token: owner.token,
      });
      expect(dismissed.body).toMatchObject({ id: open.id, status: 'dismissed' });
      await askOk(owner.token, { question });
      expect((await unanswered(owner.token)).map((item) => item.id)).not.toContain(open.id);
      expect((await unanswered(owner.token, 'dismissed')).find((item) => item.id === open.id)).toMatchObject({
        timesAsked: 2,
      });
    });

    it('answers 404 when answering or dismissing an unknown question, and 403 to a viewer', async () => {
      const answer = { answer: 'Nothing to see.' };
      expect(
        (await http.post(`/api/hub/knowledge/unanswered/${unknownId}/answer`, answer, { token: owner.token }))
          .status,
      ).toBe(404);
      expect(
        (
          await http.post(`/api/hub/knowledge/unanswered/${unknownId}/dismiss`, undefined, {
            token: owner.token,
          })
        ).status,
      ).toBe(404);
      const [open] = await unanswered(owner.token);
      expect(
        (await http.post(`/api/hub/knowledge/unanswered/${open!.id}/answer`, answer, { token: viewerToken }))
          .status,
      ).toBe(403);
      expect((await unanswered(viewerToken)).length).toBeGreaterThan(0);
    });

    it('refuses a 100 kB question with 422 and an empty one too', async () => {
      const huge = await ask(owner.token, { question: 'Why? '.repeat(20_000) });
      expect(huge.status).toBe(422);
      expect(huge.body.code).toBe('VALIDATION_FAILED');
      expect(huge.body.errors[0].path).toContain('question');
      expect((await ask(owner.token, { question: '   ' })).status).toBe(422);
      expect((await ask(owner.token, {})).status).toBe(422);
    });

    it('answers 401 without a token', async () => {
      expect((await http.post('/api/ai/ask', { question: 'Hello?' })).status).toBe(401);
    });
  });

  describe('streamed answers', () => {
    it('streams token events, then the citations, then done, and the deltas add up to the answer', async () => {
      const stream = await askStreaming(owner.token, { question: 'When should I replace my running shoes?' });
      expect(stream.status).toBe(200);
      expect(stream.headers.get('content-type')).toContain('text/event-stream');
      const names = stream.events.map((event) => event.event);
      const tokenCount = names.filter((name) => name === 'token').length;
      expect(tokenCount).toBeGreaterThan(5);
      expect(names).toEqual([...Array(tokenCount).fill('token'), 'citations', 'done']);
      expect(stream.events.map((event) => Number(event.id))).toEqual(names.map((_, index) => index + 1));

      const text = payloads(stream.events, 'token')
        .map((payload) => payload.delta)
        .join('');
      const [citations] = payloads(stream.events, 'citations');
      const [done] = payloads(stream.events, 'done');
      expect(done).toMatchObject({ grounded: true, provider: 'extractive', answer: text });
      expect(text).toContain('Replace running shoes every 500 to 800 kilometres');
      expect(citations[0]).toMatchObject({
        documentId: doc('couch-to-5k.md').id,
        title: 'Couch to 5K Running Plan',
      });

      const messages = expectStatus(
        await http.get<Body>(`/api/ai/conversations/${done.conversationId}/messages`, { token: owner.token }),
        200,
      ).body.items;
      expect(messages.at(-1)).toMatchObject({
        id: done.messageId,
        content: text,
        direction: 'out',
        grounded: true,
      });
      expect(messages.at(-1).citations).toEqual(citations);
    });

    it('streams the fallback message for an off-topic question', async () => {
      const stream = await askStreaming(owner.token, { question: 'How do I repot an orchid?' });
      const text = payloads(stream.events, 'token')
        .map((payload) => payload.delta)
        .join('');
      expect(text).toBe(defaultFallback);
      expect(payloads(stream.events, 'citations')).toEqual([[]]);
      expect(payloads(stream.events, 'done')[0]).toMatchObject({ grounded: false, answer: defaultFallback });
    });

    it('ends the stream with an error event for a conversation that is not the asker’s', async () => {
      const stream = await askStreaming(owner.token, {
        question: 'How do I warm up?',
        conversationId: unknownId,
      });
      expect(stream.status).toBe(200);
      expect(stream.events.map((event) => event.event)).toEqual(['error']);
      expect(payloads(stream.events, 'error')[0]).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    });
  });

  describe('conversation continuity', () => {
    it('puts a follow-up question sent with its conversationId into the same conversation', async () => {
      const first = await askOk(owner.token, { question: 'How many times a week should a beginner run?' });
      const second = await askOk(owner.token, {
        question: 'How do I warm up before a run?',
        conversationId: first.conversationId,
      });
      expect(second.conversationId).toBe(first.conversationId);
      const conversation = expectStatus(
        await http.get<Body>(`/api/ai/conversations/${first.conversationId}`, { token: owner.token }),
        200,
      ).body;
      expect(conversation).toMatchObject({
        accountId: owner.accountId,
        memberId: null,
        channel: 'playground',
        messageCount: 4,
      });
      const messages = expectStatus(
        await http.get<Body>(`/api/ai/conversations/${first.conversationId}/messages`, {
          token: owner.token,
        }),
        200,
      ).body.items;
      expect(messages.map((message: Body) => [message.direction, message.author])).toEqual([
        ['in', 'staff'],
        ['out', 'coach'],
        ['in', 'staff'],
        ['out', 'coach'],
      ]);
      expect(messages[2].content).toBe('How do I warm up before a run?');
      expect(messages[3].id).toBe(second.messageId);
    });

    it('starts a new conversation without a conversationId', async () => {
      const first = await askOk(owner.token, { question: 'What is habit stacking?' });
      const second = await askOk(owner.token, { question: 'What is habit stacking?' });
      expect(second.conversationId).not.toBe(first.conversationId);
    });

    it('answers 404 for a conversation of another teammate or an unknown one', async () => {
      const mine = await askOk(owner.token, { question: 'How does box breathing work?' });
      const theirs = await ask(viewerToken, {
        question: 'And journaling?',
        conversationId: mine.conversationId,
      });
      expect(theirs.status).toBe(404);
      expect((await ask(owner.token, { question: 'Hello?', conversationId: unknownId })).status).toBe(404);
    });
  });

  describe('coach persona', () => {
    let coach: Creator;
    const persona = {
      name: 'Marta',
      instructions: 'Keep it short.',
      tone: 'direct',
      language: 'en',
      model: null,
      temperature: 0.2,
      fallbackMessage: 'Marta has not written about that yet; she will reply to you herself.',
      welcomeMessage: 'Hola! Ask me about running.',
    };

    beforeAll(async () => {
      coach = await registerCreator(http, 'coach');
      const upload = expectStatus(await uploadFixture(knowledge.baseUrl, coach.token, 'couch-to-5k.md'), 202);
      await waitForDocument(http, coach.token, upload.body.id);
    });

    it('returns the default persona until one is saved', async () => {
      const response = expectStatus(await http.get<Body>('/api/hub/coach', { token: coach.token }), 200);
      expect(response.body).toEqual({
        name: 'Coach',
        instructions: '',
        tone: 'warm',
        language: 'en',
        model: null,
        temperature: 0.3,
        fallbackMessage: defaultFallback,
        welcomeMessage: 'Hi! How can I help you today?',
      });
    });

    it('saves the persona, and the next answers use its name and fallback message', async () => {
      const saved = await http.request<Body>('PUT', '/api/hub/coach', { body: persona, token: coach.token });
      expect(saved.status).toBe(200);
      expect(saved.body).toEqual(persona);
      expect((await http.get<Body>('/api/hub/coach', { token: coach.token })).body).toEqual(persona);

      const offTopic = await askOk(coach.token, {
        question: 'What is the exchange rate between euros and yen?',
      });
      expect(offTopic).toMatchObject({ answer: persona.fallbackMessage, grounded: false });
      const streamed = await askStreaming(coach.token, { question: 'How do I change the oil in my car?' });
      expect(payloads(streamed.events, 'done')[0].answer).toBe(persona.fallbackMessage);
      const inScope = await askOk(coach.token, { question: 'How many times a week should a beginner run?' });
      expect(inScope.answer.startsWith("Here is what Marta's materials say:")).toBe(true);
    });

    it('lets a viewer read the persona but not change it', async () => {
      const viewer = await teammateToken(http, coach, 'viewer');
      expect((await http.get<Body>('/api/hub/coach', { token: viewer })).status).toBe(200);
      const attempt = await http.request<Body>('PUT', '/api/hub/coach', {
        body: { ...persona, fallbackMessage: 'Viewer was here.' },
        token: viewer,
      });
      expect(attempt.status).toBe(403);
      expect((await http.get<Body>('/api/hub/coach', { token: coach.token })).body.fallbackMessage).toBe(
        persona.fallbackMessage,
      );
    });

    it('refuses an invalid persona with 422', async () => {
      const response = await http.request<Body>('PUT', '/api/hub/coach', {
        body: { ...persona, temperature: 5, fallbackMessage: '' },
        token: coach.token,
      });
      expect(response.status).toBe(422);
      expect(response.body.errors.map((error: Body) => error.path).join(' ')).toMatch(/temperature/);
    });

    it('keeps each creator’s persona to itself', async () => {
      expect((await http.get<Body>('/api/hub/coach', { token: owner.token })).body.fallbackMessage).toBe(
        defaultFallback,
      );
    });
  });

  describe('prompt injection in a document', () => {
    it('answers from the injected document as quotes, without obeying it or changing the persona', async () => {
      const personaBefore = expectStatus(
        await http.get<Body>('/api/hub/coach', { token: owner.token }),
        200,
      ).body;
      const answer = await askOk(owner.token, { question: 'What are the office hours?' });
      expect(answer.grounded).toBe(true);
      const injected = answer.citations.find(
        (citation: Body) => citation.documentId === doc('prompt-injection.md').id,
      );
      expect(injected).toMatchObject({ title: 'Office hours', headingPath: ['Office hours'] });
      expect(answer.answer).toContain(
        `Office hours are on Tuesdays from 18:00 to 19:00 CET.” [${injected.index}]`,
      );

      // The rules of an answer: the intro line, quotes each followed by its citation, the note. Nothing else.
      const paragraphs = answer.answer.split('\n\n');
      expect(paragraphs[0]).toBe("Here is what Coach's materials say:");
      expect(paragraphs.at(-1)).toBe(extractiveNote);
      for (const quote of paragraphs.slice(1, -1)) expect(quote).toMatch(/^“[^“”]+” \[\d\]$/);
      expect(answer.answer).not.toMatch(/arr+\b|matey|ahoy/i);

      expect((await http.get<Body>('/api/hub/coach', { token: owner.token })).body).toEqual(personaBefore);
      const next = await askOk(owner.token, { question: 'How much water should I drink each day?' });
      expect(next.answer.startsWith("Here is what Coach's materials say:")).toBe(true);
      expect(next.citations[0].documentId).toBe(doc('everyday-nutrition.docx').id);
    });
  });

  describe('members', () => {
    it('answers a member signed in with an emailed code, in a conversation of their own', async () => {
      const member = await signInMember(http, mail, owner.slug);
      const answer = await askOk(member.token, { question: 'How many hours of sleep does an adult need?' });
      expect(answer.grounded).toBe(true);
      expect(answer.citations[0]).toMatchObject({ documentId: doc('sleep-foundations.pdf').id, page: 1 });
      const conversation = expectStatus(
        await http.get<Body>(`/api/ai/conversations/${answer.conversationId}`, { token: member.token }),
        200,
      ).body;
      expect(conversation).toMatchObject({ memberId: member.memberId, accountId: null, channel: 'app' });
      const followUp = await askOk(member.token, {
        question: 'Should I keep my phone in the bedroom at night?',
        conversationId: answer.conversationId,
      });
      expect(followUp.conversationId).toBe(answer.conversationId);
    });

    it('keeps members out of the creator’s knowledge and persona endpoints', async () => {
      const member = await signInMember(http, mail, owner.slug);
      expect((await http.get('/api/hub/knowledge/documents', { token: member.token })).status).toBe(403);
      expect((await http.get('/api/hub/knowledge/search?q=sleep', { token: member.token })).status).toBe(403);
      expect((await http.get('/api/hub/coach', { token: member.token })).status).toBe(403);
    });
  });

  describe('tenant isolation', () => {
    let otherDocument: Body;

    beforeAll(async () => {
      const upload = expectStatus(
        await uploadDocument(knowledge.baseUrl, other.token, {
          name: 'cold-showers.md',
          bytes: Buffer.from(
            '# Cold showers\n\nEnd your shower with thirty seconds of cold water to feel alert.\n',
          ),
        }),
        202,
      );
      otherDocument = await waitForDocument(http, other.token, upload.body.id);
    });

    it('never answers creator B from creator A’s knowledge', async () => {
      const ownerIds = new Set([...documents.values()].map((document) => document.id));
      for (const question of [
        'How much water should I drink each day?',
        'How many hours of sleep does an adult need?',
        'What are the office hours?',
      ]) {
        const answer = await askOk(other.token, { question });
        expect(answer.grounded).toBe(false);
        expect(answer.citations).toEqual([]);
        const stream = await askStreaming(other.token, { question });
        const [citations] = payloads(stream.events, 'citations');
        expect(citations.filter((citation: Body) => ownerIds.has(citation.documentId))).toEqual([]);
      }
      const own = await askOk(other.token, { question: 'How long should a cold shower be?' });
      expect(own.grounded).toBe(true);
      expect(own.citations.map((citation: Body) => citation.documentId)).toEqual([otherDocument.id]);
    });

    it('answers 404 when creator B continues or reads creator A’s conversation', async () => {
      const mine = await askOk(owner.token, { question: 'What is a healthy snack idea?' });
      expect(
        (await ask(other.token, { question: 'More?', conversationId: mine.conversationId })).status,
      ).toBe(404);
      expect(
        (await http.get(`/api/ai/conversations/${mine.conversationId}`, { token: other.token })).status,
      ).toBe(404);
      expect(
        (await http.get(`/api/ai/conversations/${mine.conversationId}/messages`, { token: other.token }))
          .status,
      ).toBe(404);
    });

    it('keeps unanswered questions per creator', async () => {
      const question = 'Where can I buy a surfboard in Lisbon?';
      await askOk(owner.token, { question });
      const ownersQuestion = (await unanswered(owner.token)).find((item) => item.question === question)!;
      expect((await unanswered(other.token)).map((item) => item.question)).not.toContain(question);
      const answer = await http.post(
        `/api/hub/knowledge/unanswered/${ownersQuestion.id}/answer`,
        { answer: 'Nope' },
        {
          token: other.token,
        },
      );
      expect(answer.status).toBe(404);
      expect(
        (
          await http.post(`/api/hub/knowledge/unanswered/${ownersQuestion.id}/dismiss`, undefined, {
            token: other.token,
          })
        ).status,
      ).toBe(404);
      await eventually(async () =>
        (await unanswered(owner.token)).some((item) => item.id === ownersQuestion.id) ? true : undefined,
      );
    });
  });
});
