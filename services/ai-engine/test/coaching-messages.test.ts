import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { silentLogger } from '@companero/ai/logging/component-logger.types';
import { withTenant } from '@companero/db/tenant';
import { backends } from '@companero/testing/backends';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CoachingMessageService,
  createCoachingMessageService,
  NothingToSayError,
} from '../src/services/coaching-messages.service';
import {
  type Creator,
  ingestFixture,
  type KnowledgeTestServer,
  readFixture,
  registerCreator,
  startKnowledgeServer,
} from './knowledge-test-server';

const addMember = (knowledge: KnowledgeTestServer, creatorId: string, name: string, said: string[]) =>
  withTenant(knowledge.server.runtime.db, creatorId, async (tx) => {
    const { rows } = await tx.query<{ id: string }>(
      'insert into members (creator_id, name) values ($1, $2) returning id',
      [creatorId, name],
    );
    const memberId = rows[0]!.id;
    const conversation = await tx.query<{ id: string }>(
      `insert into conversations (creator_id, member_id, channel) values ($1, $2, 'widget') returning id`,
      [creatorId, memberId],
    );
    for (const content of said)
      await tx.query(
        `insert into messages (creator_id, conversation_id, member_id, direction, author, content, channel)
         values ($1, $2, $3, 'in', 'member', $4, 'widget')`,
        [creatorId, conversation.rows[0]!.id, memberId, content],
      );
    return memberId;
  });

const serviceFor = (knowledge: KnowledgeTestServer): CoachingMessageService =>
  createCoachingMessageService({
    db: knowledge.server.runtime.db,
    ai: knowledge.ai,
    jobs: knowledge.server.runtime.jobs,
    logger: silentLogger as never,
  });

const normalize = (text: string) => text.replace(/\s+/g, ' ').toLowerCase();

describe.each(backends())('coaching messages without a language model on $name', (backend) => {
  let knowledge: KnowledgeTestServer;
  let creator: Creator;
  let coaching: CoachingMessageService;

  beforeAll(async () => {
    knowledge = await startKnowledgeServer(backend);
    creator = await registerCreator(knowledge.http, 'coaching-offline');
    await ingestFixture(knowledge, creator.token, 'building-habits.txt');
    coaching = serviceFor(knowledge);
  });
  afterAll(async () => knowledge?.close());

  it('writes a personalised message that quotes the most relevant knowledge, addressed by first name', async () => {
    const memberId = await addMember(knowledge, creator.creatorId, 'Dana Smith', ['I missed my habit twice']);
    const { text } = await coaching.compose(creator.creatorId, {
      memberId,
      instruction: 'Encourage them to keep their habit streak after missing a day',
      useKnowledge: true,
    });
    expect(text.startsWith('Dana, a thought from “Building Habits That Stick”: ')).toBe(true);
    const quote = normalize(text.slice(text.indexOf('”: ') + 3));
    expect(quote.split(' ').length).toBeGreaterThanOrEqual(8);
    expect(normalize(readFixture('building-habits.txt').toString('utf8'))).toContain(quote);
  });

  it('refuses (NothingToSayError) when there is no model and nothing relevant to quote', async () => {
    const empty = await registerCreator(knowledge.http, 'coaching-empty');
    const memberId = await addMember(knowledge, empty.creatorId, 'Lee', []);
    await expect(
      coaching.compose(empty.creatorId, {
        memberId,
        instruction: 'Encourage their habit streak',
        useKnowledge: true,
      }),
    ).rejects.toBeInstanceOf(NothingToSayError);
  });

  it('classifies a reply by comparing embeddings, and answers null when no intent stands out', async () => {
    const intents = [
      { id: 'great', intent: 'I feel great, happy and full of energy' },
      { id: 'low', intent: 'I feel tired, sad and low' },
    ];
    expect(await coaching.classify(creator.creatorId, { text: 'So tired and sad today', intents })).toBe(
      'low',
    );
    expect(await coaching.classify(creator.creatorId, { text: 'Happy and full of energy!', intents })).toBe(
      'great',
    );
    expect(await coaching.classify(creator.creatorId, { text: '   ', intents })).toBeNull();
  });
});

/** A provider speaking OpenAI's streaming chat completions that answers from a script and keeps the prompts. */
const startScriptedProvider = async (answer: (prompt: string) => string) => {
  const prompts: string[] = [];
  const server: Server = createServer(async (request, response) => {
    let body = '';
    for await (const part of request) body += String(part);
    if (!request.url?.endsWith('/chat/completions')) {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ object: 'list', data: [{ id: 'scripted', object: 'model' }] }));
      return;
    }
    const prompt = (JSON.parse(body).messages as { content: string }[]).map((m) => m.content).join('\n');
    prompts.push(prompt);
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    for (const word of answer(prompt).split(/(?<= )/))
      response.write(
        `data: ${JSON.stringify({ object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: word } }] })}\n\n`,
      );
    response.end('data: [DONE]\n\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    prompts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

describe.each(backends())('coaching messages with a language model on $name', (backend) => {
  let knowledge: KnowledgeTestServer;
  let provider: Awaited<ReturnType<typeof startScriptedProvider>>;
  let creator: Creator;
  let coaching: CoachingMessageService;

  beforeAll(async () => {
    provider = await startScriptedProvider((prompt) =>
      prompt.includes('Options:')
        ? '2'
        : 'Dana, one missed day is an accident. Start again tonight with one page.',
    );
    knowledge = await startKnowledgeServer(backend, { OPENAI_BASE_URL: provider.url });
    creator = await registerCreator(knowledge.http, 'coaching-llm');
    await ingestFixture(knowledge, creator.token, 'building-habits.txt');
    coaching = serviceFor(knowledge);
  });
  afterAll(async () => {
    await knowledge?.close();
    await provider?.close();
  });

  it('generates the message from the instruction, the member, their recent conversation and the knowledge', async () => {
    const memberId = await addMember(knowledge, creator.creatorId, 'Dana Smith', [
      'I skipped reading twice this week',
    ]);
    const { text } = await coaching.compose(creator.creatorId, {
      memberId,
      instruction: 'Encourage them to restart their reading habit',
      useKnowledge: true,
    });
    expect(text).toBe('Dana, one missed day is an accident. Start again tonight with one page.');
    const prompt = provider.prompts.at(-1)!;
    expect(prompt).toContain('What to write: Encourage them to restart their reading habit');
    expect(prompt).toContain("The member's first name is Dana.");
    expect(prompt).toContain('Member: I skipped reading twice this week');
    expect(prompt).toContain('Never miss twice');
  });

  it('classifies with the model: the option number it answers names the intent', async () => {
    const intent = await coaching.classify(creator.creatorId, {
      text: 'meh, not great',
      intents: [
        { id: 'great', intent: 'feels great' },
        { id: 'low', intent: 'feels low' },
      ],
    });
    expect(intent).toBe('low');
    expect(provider.prompts.at(-1)).toContain('1. feels great\n2. feels low');
  });
});
