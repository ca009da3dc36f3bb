import { describe, expect, it } from 'vitest';
import { compareEventIds, createMessageStore } from '../src/message-store';
import { channelMessage } from './gateway-server';

const memberId = '11111111-1111-4111-8111-111111111111';
const replyId = '22222222-2222-4222-8222-222222222222';
const olderId = '33333333-3333-4333-8333-333333333333';

const contents = (store: ReturnType<typeof createMessageStore>) => store.list().map((entry) => entry.content);

describe('message store', () => {
  it('orders stored messages by createdAt whatever order they arrive in', () => {
    const store = createMessageStore();
    store.applyMessage(
      channelMessage({ id: replyId, author: 'coach', content: 'second', createdAt: '2025-01-01T10:00:05Z' }),
      '12',
    );
    store.applyMessage(
      channelMessage({ id: olderId, author: 'member', content: 'first', createdAt: '2025-01-01T10:00:00Z' }),
      '11',
    );
    expect(contents(store)).toEqual(['first', 'second']);
    expect(store.lastEventId).toBe('12');
  });

  it('ignores an event it has already seen', () => {
    const store = createMessageStore();
    const message = channelMessage({
      id: replyId,
      author: 'coach',
      content: 'hi',
      createdAt: '2025-01-01T10:00:00Z',
    });
    expect(store.applyMessage(message, '5')).toBe('added');
    expect(store.applyMessage({ ...message, content: 'changed' }, '5')).toBe('duplicate');
    expect(contents(store)).toEqual(['hi']);
  });

  it('keeps one bubble when the same message comes from the history and again from a replay', () => {
    const store = createMessageStore();
    const message = channelMessage({
      id: replyId,
      author: 'coach',
      content: 'hi',
      createdAt: '2025-01-01T10:00:00Z',
    });
    store.applyMessage(message, null);
    expect(store.applyMessage(message, '9')).toBe('duplicate');
    expect(store.size).toBe(1);
    expect(store.lastEventId).toBe('9');
  });

  it("turns the member's optimistic bubble into the stored message matched by clientId, keeping its key", () => {
    const store = createMessageStore();
    const pending = store.addPending('client-1', 'How do I sleep better?');
    expect(pending.status).toBe('pending');

    const result = store.applyMessage(
      channelMessage({
        id: memberId,
        author: 'member',
        content: 'How do I sleep better?',
        createdAt: '2025-01-01T10:00:00Z',
        clientId: 'client-1',
      }),
      '20',
    );

    expect(result).toBe('updated');
    const [entry] = store.list();
    expect(store.size).toBe(1);
    expect(entry).toMatchObject({ key: pending.key, id: memberId, status: 'sent', eventId: '20' });
  });

  it('marks a bubble sent on ack and still keeps one bubble when the stored copy follows', () => {
    const store = createMessageStore();
    const pending = store.addPending('client-1', 'hello');
    expect(store.acknowledge('client-1', memberId)).toBe(true);
    expect(store.list()[0]).toMatchObject({ key: pending.key, id: memberId, status: 'sent' });

    store.applyMessage(
      channelMessage({
        id: memberId,
        author: 'member',
        content: 'hello',
        createdAt: '2025-01-01T10:00:00Z',
        clientId: 'client-1',
      }),
      '21',
    );
    expect(store.size).toBe(1);
    expect(store.list()[0]?.key).toBe(pending.key);
  });

  it('drops the optimistic bubble when the stored copy arrived first without its clientId and the ack comes late', () => {
    const store = createMessageStore();
    store.addPending('client-1', 'hello');
    store.applyMessage(
      channelMessage({ id: memberId, author: 'member', content: 'hello', createdAt: '2025-01-01T10:00:00Z' }),
      '21',
    );
    expect(store.size).toBe(2);
    store.acknowledge('client-1', memberId);
    expect(store.list().map((entry) => [entry.id, entry.status])).toEqual([[memberId, 'sent']]);
  });

  it('streams tokens into one coach bubble that the final message replaces in place', () => {
    const store = createMessageStore();
    expect(store.appendToken(replyId, 'Sleep ')).toBe('added');
    expect(store.appendToken(replyId, 'seven hours')).toBe('updated');
    const streaming = store.list()[0];
    expect(streaming).toMatchObject({ author: 'coach', status: 'streaming', content: 'Sleep seven hours' });

    store.applyMessage(
      channelMessage({
        id: replyId,
        author: 'coach',
        content: 'Sleep seven hours [1].',
        createdAt: '2025-01-01T10:00:02Z',
        citations: [{ index: 1, title: 'Sleep guide', snippet: 'Adults need 7–9 hours.' }],
        quickReplies: ['Tell me more'],
      }),
      '30',
    );
    // A token that was still in flight when the final message was stored must not change it.
    expect(store.appendToken(replyId, ' extra')).toBe('duplicate');

    const [final] = store.list();
    expect(store.size).toBe(1);
    expect(final).toMatchObject({
      key: streaming?.key,
      status: 'sent',
      content: 'Sleep seven hours [1].',
      quickReplies: ['Tell me more'],
    });
    expect(final?.citations[0]?.title).toBe('Sleep guide');
  });

  it('keeps bubbles the server has not stored yet below the stored ones, in the order they appeared', () => {
    const store = createMessageStore();
    store.addPending('client-1', 'pending question');
    store.appendToken(replyId, 'streaming answer');
    store.applyMessage(
      channelMessage({ id: olderId, author: 'coach', content: 'stored', createdAt: '2025-01-01T10:00:00Z' }),
      '3',
    );
    expect(contents(store)).toEqual(['stored', 'pending question', 'streaming answer']);
  });

  it('marks a refused message failed and lets it be removed for a retry', () => {
    const store = createMessageStore();
    const pending = store.addPending('client-1', 'hello');
    expect(store.fail('client-1', 'Too many messages')).toBe(true);
    expect(store.list()[0]).toMatchObject({ status: 'failed', error: 'Too many messages' });
    expect(store.remove(pending.key)).toBe(true);
    expect(store.size).toBe(0);
  });

  it('never moves a sent message back to failed', () => {
    const store = createMessageStore();
    store.addPending('client-1', 'hello');
    store.acknowledge('client-1', memberId);
    expect(store.fail('client-1', 'late error')).toBe(false);
    expect(store.list()[0]?.status).toBe('sent');
  });

  it('bumps the revision of exactly the bubbles that changed', () => {
    const store = createMessageStore();
    store.applyMessage(
      channelMessage({ id: olderId, author: 'coach', content: 'stored', createdAt: '2025-01-01T10:00:00Z' }),
      '3',
    );
    store.appendToken(replyId, 'a');
    const before = new Map(store.list().map((entry) => [entry.key, entry.revision]));
    store.appendToken(replyId, 'b');
    const after = store.list();
    expect(after[0]?.revision).toBe(before.get(after[0]!.key));
    expect(after[1]?.revision).toBe((before.get(after[1]!.key) ?? 0) + 1);
  });

  it('compares event ids as numbers, not as text', () => {
    expect(compareEventIds('9', '10')).toBeLessThan(0);
    expect(compareEventIds('100', '99')).toBeGreaterThan(0);
    expect(compareEventIds('42', '42')).toBe(0);
    const store = createMessageStore();
    store.noteEventId('9');
    store.noteEventId('10');
    store.noteEventId('8');
    expect(store.lastEventId).toBe('10');
  });
});
