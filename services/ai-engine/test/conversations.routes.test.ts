import { withTenant } from '@companero/db/tenant';
import { backends } from '@companero/testing/backends';
import type { HttpClient } from '@companero/testing/http-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MailCatcher, startMailCatcher } from '../../auth/test/mail-catcher';
import {
  type Body,
  type Creator,
  expectStatus,
  type KnowledgeTestServer,
  query,
  registerCreator,
  signInMember,
  startKnowledgeServer,
  uploadFixture,
  waitForDocument,
} from './knowledge-test-server';

type Member = { token: string; memberId: string };
const unknownId = '00000000-0000-4000-8000-000000000000';

describe.each(backends())('conversations and feedback on $name', (backend) => {
  let knowledge: KnowledgeTestServer;
  let http: HttpClient;
  let mail: MailCatcher;
  let owner: Creator;
  let other: Creator;
  let ana: Member;
  let ben: Member;
  let anaConversationId: string;
  let benConversationId: string;
  let anaMessages: Body[];

  const ask = async (token: string, body: Body) =>
    expectStatus(await http.post<Body>('/api/ai/ask', body, { token }), 200).body;
  const get = (path: string, token: string) => http.get<Body>(path, { token });
  const feedback = (messageId: string, body: Body, token: string) =>
    http.post<Body>(`/api/ai/messages/${messageId}/feedback`, body, { token });
  const storedFeedback = (messageId: string) =>
    withTenant(
      knowledge.server.runtime.db,
      owner.creatorId,
      async (tx) =>
        (
          await tx.query<{
            rating: string;
            comment: string | null;
            memberId: string | null;
            accountId: string | null;
          }>(
            `select rating, comment, member_id as "memberId", account_id as "accountId" from message_feedback
            where message_id = $1 order by created_at`,
            [messageId],
          )
        ).rows,
    );

  beforeAll(async () => {
    mail = await startMailCatcher();
    knowledge = await startKnowledgeServer(backend, { SMTP_URL: mail.smtpUrl });
    http = knowledge.http;
    owner = await registerCreator(http, 'owner');
    other = await registerCreator(http, 'other');
    for (const name of ['couch-to-5k.md', 'building-habits.txt']) {
      const upload = expectStatus(await uploadFixture(knowledge.baseUrl, owner.token, name), 202);
      await waitForDocument(http, owner.token, upload.body.id);
    }
    ana = await signInMember(http, mail, owner.slug);
    ben = await signInMember(http, mail, owner.slug);
    const first = await ask(ana.token, { question: 'How many times a week should a beginner run?' });
    anaConversationId = first.conversationId;
    await ask(ana.token, { question: 'What is habit stacking?', conversationId: anaConversationId });
    benConversationId = (await ask(ben.token, { question: 'How should I reward myself after a habit?' }))
      .conversationId;
    anaMessages = expectStatus(
      await get(`/api/ai/conversations/${anaConversationId}/messages`, ana.token),
      200,
    ).body.items;
  });
  afterAll(async () => {
    await knowledge?.close();
    await mail?.close();
  });

  describe('reading conversations', () => {
    it('lists only a member’s own conversations', async () => {
      const anas = expectStatus(await get('/api/ai/conversations', ana.token), 200).body;
      expect(anas.items.map((item: Body) => item.id)).toEqual([anaConversationId]);
      expect(anas.items[0]).toMatchObject({
        memberId: ana.memberId,
        channel: 'app',
        status: 'open',
        messageCount: 4,
      });
      const bens = expectStatus(await get('/api/ai/conversations', ben.token), 200).body;
      expect(bens.items.map((item: Body) => item.id)).toEqual([benConversationId]);
      const sneaky = expectStatus(
        await get(`/api/ai/conversations${query({ memberId: ana.memberId })}`, ben.token),
        200,
      );
      expect(sneaky.body.items.map((item: Body) => item.id)).toEqual([benConversationId]);
    });

    it('lists every conversation of the creator for staff, most recent first, filtered by member and channel', async () => {
      const all = expectStatus(await get('/api/ai/conversations', owner.token), 200).body.items;
      expect(all.map((item: Body) => item.id)).toEqual([benConversationId, anaConversationId]);
      const anas = expectStatus(
        await get(`/api/ai/conversations${query({ memberId: ana.memberId })}`, owner.token),
        200,
      );
      expect(anas.body.items.map((item: Body) => item.id)).toEqual([anaConversationId]);
      const app = expectStatus(await get('/api/ai/conversations?channel=app', owner.token), 200);
      expect(app.body.items).toHaveLength(2);
      expect(
        expectStatus(await get('/api/ai/conversations?channel=whatsapp', owner.token), 200).body.items,
      ).toEqual([]);
    });

    it('pages through conversations with a cursor and refuses a forged one', async () => {
      const first = expectStatus(await get('/api/ai/conversations?limit=1', owner.token), 200).body;
      expect(first.items.map((item: Body) => item.id)).toEqual([benConversationId]);
      const second = expectStatus(
        await get(`/api/ai/conversations${query({ limit: 1, cursor: first.nextCursor })}`, owner.token),
        200,
      ).body;
      expect(second.items.map((item: Body) => item.id)).toEqual([anaConversationId]);
      expect(second.nextCursor).toBeNull();
      expect((await get('/api/ai/conversations?cursor=forged', owner.token)).status).toBe(422);
    });

    it('returns a conversation’s messages oldest first, questions and answers with citations', async () => {
      expect(anaMessages.map((message) => [message.direction, message.author])).toEqual([
        ['in', 'member'],
        ['out', 'coach'],
        ['in', 'member'],
        ['out', 'coach'],
      ]);
      expect(anaMessages[0]).toMatchObject({
        content: 'How many times a week should a beginner run?',
        channel: 'app',
      });
      expect(anaMessages[1]).toMatchObject({ grounded: true });
      expect(anaMessages[1]!.citations[0]).toMatchObject({ title: 'Couch to 5K Running Plan' });
      expect(anaMessages[0]).not.toHaveProperty('memberId');
      const asStaff = expectStatus(
        await get(`/api/ai/conversations/${anaConversationId}/messages`, owner.token),
        200,
      );
      expect(asStaff.body.items).toEqual(anaMessages);
    });

    it('pages through messages with a cursor', async () => {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = expectStatus(
          await get(
            `/api/ai/conversations/${anaConversationId}/messages${query({ limit: 1, cursor })}`,
            ana.token,
          ),
          200,
        ).body;
        seen.push(...page.items.map((item: Body) => item.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor && seen.length < 10);
      expect(seen).toEqual(anaMessages.map((message) => message.id));
      const forged = await get(
        `/api/ai/conversations/${anaConversationId}/messages?cursor=forged`,
        ana.token,
      );
      expect(forged.status).toBe(422);
    });

    it('pages through conversations and messages stored within the same millisecond, each once', async () => {
      const busy = await registerCreator(http, 'busy');
      const upload = expectStatus(await uploadFixture(knowledge.baseUrl, busy.token, 'couch-to-5k.md'), 202);
      await waitForDocument(http, busy.token, upload.body.id);
      const conversationIds: string[] = [];
      for (const question of ['How do I warm up?', 'What pace should I run at?', 'When do I rest?']) {
        conversationIds.push((await ask(busy.token, { question })).conversationId);
      }
      await ask(busy.token, { question: 'And after week four?', conversationId: conversationIds[0] });
      // PostgreSQL keeps microseconds: several rows can share a millisecond (a burst of channel messages).
      const messageIds = await withTenant(knowledge.server.runtime.db, busy.creatorId, async (tx) => {
        for (const [index, id] of conversationIds.entries()) {
          await tx.query('update conversations set last_message_at = $2::timestamptz where id = $1', [
            id,
            `2026-03-01T08:00:00.456${index + 1}00Z`,
          ]);
        }
        const { rows } = await tx.query<{ id: string }>(
          'select id from messages where conversation_id = $1 order by created_at, id',
          [conversationIds[0]],
        );
        for (const [index, row] of rows.entries()) {
          await tx.query('update messages set created_at = $2::timestamptz where id = $1', [
            row.id,
            `2026-03-01T08:00:00.789${index + 1}00Z`,
          ]);
        }
        return rows.map((row) => row.id);
      });
      const collect = async (path: string) => {
        const seen: string[] = [];
        let cursor: string | undefined;
        do {
          const page = expectStatus(await get(`${path}${query({ limit: 1, cursor })}`, busy.token), 200).body;
          seen.push(...page.items.map((item: Body) => item.id));
          cursor = page.nextCursor ?? undefined;
        } while (cursor && seen.length < 10);
        return seen;
      };
      expect(await collect('/api/ai/conversations')).toEqual([...conversationIds].reverse());
      expect(messageIds).toHaveLength(4);
      expect(await collect(`/api/ai/conversations/${conversationIds[0]}/messages`)).toEqual(messageIds);
    });

    it('answers 404 to a member reading or continuing another member’s conversation', async () => {
      expect((await get(`/api/ai/conversations/${anaConversationId}`, ben.token)).status).toBe(404);
      expect((await get(`/api/ai/conversations/${anaConversationId}/messages`, ben.token)).status).toBe(404);
      const hijack = await http.post<Body>(
        '/api/ai/ask',
        { question: 'What did Ana ask?', conversationId: anaConversationId },
        { token: ben.token },
      );
      expect(hijack.status).toBe(404);
      expect((await get(`/api/ai/conversations/${unknownId}`, owner.token)).status).toBe(404);
    });

    it('answers 404 to another creator for conversations and their messages', async () => {
      expect((await get(`/api/ai/conversations/${anaConversationId}`, other.token)).status).toBe(404);
      expect((await get(`/api/ai/conversations/${anaConversationId}/messages`, other.token)).status).toBe(
        404,
      );
      expect(expectStatus(await get('/api/ai/conversations', other.token), 200).body.items).toEqual([]);
    });

    it('answers 401 without a token', async () => {
      expect((await http.get('/api/ai/conversations')).status).toBe(401);
    });
  });

  describe('feedback', () => {
    it('records a thumbs up, then replaces it with a thumbs down, answering 204 each time', async () => {
      const answer = anaMessages[1]!;
      const up = await feedback(answer.id, { rating: 'up' }, ana.token);
      expect(up.status).toBe(204);
      expect(up.body).toBe('');
      const down = await feedback(answer.id, { rating: 'down', comment: 'Too short' }, ana.token);
      expect(down.status).toBe(204);
      expect(await storedFeedback(answer.id)).toEqual([
        { rating: 'down', comment: 'Too short', memberId: ana.memberId, accountId: null },
      ]);
    });

    it('takes the team’s rating beside the member’s', async () => {
      const answer = anaMessages[3]!;
      expect((await feedback(answer.id, { rating: 'up' }, ana.token)).status).toBe(204);
      expect((await feedback(answer.id, { rating: 'down' }, owner.token)).status).toBe(204);
      const stored = await storedFeedback(answer.id);
      expect(stored.map((row) => [row.rating, row.memberId, row.accountId])).toEqual([
        ['up', ana.memberId, null],
        ['down', null, owner.accountId],
      ]);
    });

    it('refuses feedback on the member’s own message with 422', async () => {
      const question = anaMessages[0]!;
      const response = await feedback(question.id, { rating: 'up' }, ana.token);
      expect(response.status).toBe(422);
      expect(response.body.errors).toEqual([{ path: 'params.id', message: 'Not an answer' }]);
      expect(await storedFeedback(question.id)).toEqual([]);
    });

    it('answers 404 to feedback on another member’s, another creator’s or an unknown message', async () => {
      const answer = anaMessages[1]!;
      expect((await feedback(answer.id, { rating: 'up' }, ben.token)).status).toBe(404);
      expect((await feedback(answer.id, { rating: 'up' }, other.token)).status).toBe(404);
      expect((await feedback(unknownId, { rating: 'up' }, owner.token)).status).toBe(404);
      const stored = await storedFeedback(answer.id);
      expect(stored.every((row) => row.memberId === ana.memberId)).toBe(true);
    });

    it('refuses a rating other than up or down with 422', async () => {
      const response = await feedback(anaMessages[1]!.id, { rating: 'meh' }, ana.token);
      expect(response.status).toBe(422);
    });
  });
});
