import type { TCitation } from '@companero/contracts/ai-engine/ask';
import type { TChannelMessage } from '@companero/contracts/channel/ws-frames';

export type ChannelMessage = TChannelMessage;
export type Citation = TCitation;

/**
 * `pending`: shown optimistically, not yet acknowledged. `sent`: acknowledged or stored by the server.
 * `failed`: the server refused it. `streaming`: a coach reply still arriving token by token.
 */
export type EntryStatus = 'pending' | 'sent' | 'failed' | 'streaming';

/** One bubble in the conversation as the widget shows it. */
export type ChatEntry = {
  /** Stable for the bubble's whole life (optimistic → acknowledged → stored), so a renderer can key on it. */
  readonly key: string;
  id: string | null;
  clientId: string | null;
  author: ChannelMessage['author'];
  content: string;
  status: EntryStatus;
  citations: Citation[];
  quickReplies: string[];
  grounded: boolean | null;
  createdAt: string | null;
  eventId: string | null;
  error: string | null;
  /** Bumped on every change, so a renderer redraws only the bubbles that changed. */
  revision: number;
};

type StoredEntry = ChatEntry & { sequence: number; time: number | null };

export type ApplyResult = 'added' | 'updated' | 'duplicate';

/**
 * The conversation as an ordered, duplicate-free list. The same message can reach the widget several times —
 * in the history, live, replayed after a reconnect, and (for the member's own text) optimistically before the
 * server has it — so every entry is found again by event id, message id or the client's id before a new
 * bubble is made. Stored messages are ordered by the server's `createdAt`; what the server has not stored yet
 * (optimistic and streaming bubbles) stays below them in arrival order.
 */
export const createMessageStore = () => {
  const entries: StoredEntry[] = [];
  const seenEventIds = new Set<string>();
  let sequence = 0;
  let lastEventId: string | null = null;

  const findById = (id: string) => entries.find((entry) => entry.id === id);
  const findByClientId = (clientId: string) => entries.find((entry) => entry.clientId === clientId);
  const removeEntry = (entry: StoredEntry) => {
    const index = entries.indexOf(entry);
    if (index >= 0) entries.splice(index, 1);
  };

  const newEntry = (
    key: string,
    fields: Partial<ChatEntry> & Pick<ChatEntry, 'author' | 'content' | 'status'>,
  ) => {
    const entry: StoredEntry = {
      key,
      id: null,
      clientId: null,
      citations: [],
      quickReplies: [],
      grounded: null,
      createdAt: null,
      eventId: null,
      error: null,
      revision: 0,
      ...fields,
      sequence: sequence++,
      time: null,
    };
    entry.time = parseTime(entry.createdAt);
    entries.push(entry);
    return entry;
  };

  const noteEventId = (eventId: string) => {
    seenEventIds.add(eventId);
    if (lastEventId === null || compareEventIds(eventId, lastEventId) > 0) lastEventId = eventId;
  };

  return {
    /** The newest event id seen, to resume from after a reconnect. */
    get lastEventId() {
      return lastEventId;
    },

    /** Moves the resume point forward without a message (the history's own `lastEventId`). */
    noteEventId(eventId: string) {
      noteEventId(eventId);
    },

    /** Entries in display order. */
    list(): ChatEntry[] {
      return [...entries].sort(compareEntries);
    },

    /** A stored message from the history, the live stream or a replay; `eventId` is null for history rows without one. */
    applyMessage(message: ChannelMessage, eventId: string | null): ApplyResult {
      if (eventId !== null) {
        if (seenEventIds.has(eventId)) return 'duplicate';
        noteEventId(eventId);
      }
      const byId = findById(message.id);
      const byClientId = message.clientId ? findByClientId(message.clientId) : undefined;
      // An acknowledged bubble and a stored copy must never both survive: keep one, drop the other.
      if (byId && byClientId && byId !== byClientId) removeEntry(byClientId);
      const existing = byId ?? byClientId;
      if (existing) {
        if (
          existing.status === 'sent' &&
          existing.createdAt !== null &&
          existing.content === message.content
        ) {
          if (eventId !== null && existing.eventId === null) existing.eventId = eventId;
          return 'duplicate';
        }
        Object.assign(existing, fieldsOf(message), { eventId: eventId ?? existing.eventId, error: null });
        existing.time = parseTime(existing.createdAt);
        existing.revision++;
        return 'updated';
      }
      newEntry(`m:${message.id}`, { ...fieldsOf(message), eventId });
      return 'added';
    },

    /** The member's text, shown at once while it travels to the server. */
    addPending(clientId: string, text: string): ChatEntry {
      return newEntry(`c:${clientId}`, { clientId, author: 'member', content: text, status: 'pending' });
    },

    /** The server accepted `clientId` as message `messageId`. */
    acknowledge(clientId: string, messageId: string): boolean {
      const entry = findByClientId(clientId);
      if (!entry) return false;
      const stored = findById(messageId);
      if (stored && stored !== entry) {
        // The stored copy arrived first (without the clientId we could match): it wins.
        removeEntry(entry);
        return true;
      }
      entry.id = messageId;
      if (entry.status !== 'sent') {
        entry.status = 'sent';
        entry.error = null;
        entry.revision++;
      }
      return true;
    },

    /** The server refused `clientId`; the bubble stays so the member can retry or copy the text. */
    fail(clientId: string, reason: string): boolean {
      const entry = findByClientId(clientId);
      if (!entry || entry.status === 'sent') return false;
      entry.status = 'failed';
      entry.error = reason;
      entry.revision++;
      return true;
    },

    /** A piece of the coach's reply `messageId`; ignored once the final message is in. */
    appendToken(messageId: string, delta: string): ApplyResult {
      const entry = findById(messageId);
      if (!entry) {
        newEntry(`m:${messageId}`, { id: messageId, author: 'coach', content: delta, status: 'streaming' });
        return 'added';
      }
      if (entry.status !== 'streaming') return 'duplicate';
      entry.content += delta;
      entry.revision++;
      return 'updated';
    },

    remove(key: string): boolean {
      const entry = entries.find((candidate) => candidate.key === key);
      if (!entry) return false;
      removeEntry(entry);
      return true;
    },

    get size() {
      return entries.length;
    },
  };
};
export type MessageStore = ReturnType<typeof createMessageStore>;

const fieldsOf = (message: ChannelMessage) => ({
  id: message.id,
  clientId: message.clientId,
  author: message.author,
  content: message.content,
  status: 'sent' as const,
  citations: message.citations ?? [],
  quickReplies: message.quickReplies ?? [],
  grounded: message.grounded,
  createdAt: message.createdAt,
});

const parseTime = (createdAt: string | null) => {
  if (createdAt === null) return null;
  const time = Date.parse(createdAt);
  return Number.isNaN(time) ? null : time;
};

const compareEntries = (a: StoredEntry, b: StoredEntry) => {
  if (a.time !== null && b.time !== null && a.time !== b.time) return a.time - b.time;
  if (a.time !== null && b.time === null) return -1;
  if (a.time === null && b.time !== null) return 1;
  return a.sequence - b.sequence;
};

/** Event ids are decimal strings of up to 18 digits: longer is newer, then character order. */
export const compareEventIds = (a: string, b: string) =>
  a.length === b.length ? (a < b ? -1 : a > b ? 1 : 0) : a.length - b.length;
