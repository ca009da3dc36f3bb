import type { TWidgetTheme } from '@companero/contracts/channel/widget';
import {
  type ConnectionStatus,
  createLiveConnection,
  type LiveConnection,
  type LiveConnectionOptions,
  type ServerFrame,
  type SocketLike,
} from './live-connection';
import { type ChatEntry, compareEventIds, createMessageStore } from './message-store';
import {
  createSessionClient,
  SessionError,
  type SessionProblemKind,
  type WidgetSession,
  type WidgetSessionRequest,
} from './session-client';
import type { WidgetStorage } from './storage';

export type WidgetTheme = TWidgetTheme;

/** What the host page tells the widget about its signed-in user (all optional). */
export type WidgetIdentity = { userId?: string; userHash?: string; name?: string; email?: string };

export type ConversationPhase = 'idle' | 'starting' | 'ready' | 'failed';

export type ConversationOptions = {
  origin: string;
  creatorSlug: string;
  identity: WidgetIdentity;
  storage: WidgetStorage;
  fetch?: typeof fetch;
  createSocket?: (url: string) => SocketLike;
  connection?: Pick<LiveConnectionOptions, 'backoff' | 'heartbeat' | 'random'>;
  newClientId?: () => string;
  /** Something on screen may have changed. */
  onChange: () => void;
};

/** Longest message the composer allows; the gateway refuses more. */
export const maxMessageLength = 4000;

const visitorIdPattern = /^[A-Za-z0-9_-]{16,64}$/;
// How long the dots stay without a sign of life: a reply that never comes must not leave them forever.
const typingTimeoutMs = 45_000;
const typingNoticeIntervalMs = 3_000;

/**
 * One visitor's conversation with the coach: opens (and, when the token expires, reopens) the session, loads the
 * history, keeps the live connection and turns its frames into the message store. No DOM.
 */
export const createConversation = (options: ConversationOptions) => {
  const client = createSessionClient({
    origin: options.origin,
    creatorSlug: options.creatorSlug,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const store = createMessageStore();
  const visitorKey = options.identity.userId ? `visitor:${options.identity.userId}` : 'visitor';
  const seenKey = `${visitorKey}:seen`;
  const newClientId = options.newClientId ?? createClientId;

  let phase: ConversationPhase = 'idle';
  let problem: SessionProblemKind | null = null;
  let notice: string | null = null;
  let session: WidgetSession | null = null;
  let connectionStatus: ConnectionStatus = 'closed';
  let isCoachTyping = false;
  let typingTimer: ReturnType<typeof setTimeout> | undefined;
  let lastTypingNoticeAt = 0;
  let starting: Promise<void> | null = null;
  // The newest event the member has had in front of them; replies after it count as unread.
  let seenEventId: string | null = null;

  const changed = () => options.onChange();

  const setCoachTyping = (isTyping: boolean) => {
    clearTimeout(typingTimer);
    isCoachTyping = isTyping;
    if (isTyping)
      typingTimer = setTimeout(() => {
        isCoachTyping = false;
        changed();
      }, typingTimeoutMs);
  };

  const openSession = async () => {
    const storedVisitorId = options.storage.read(visitorKey);
    const { userId, userHash, name, email } = options.identity;
    const request: WidgetSessionRequest = {};
    if (storedVisitorId && visitorIdPattern.test(storedVisitorId)) request.visitorId = storedVisitorId;
    if (userId) request.userId = userId;
    if (userHash) request.userHash = userHash;
    if (name) request.name = name;
    if (email) request.email = email;
    // The coach's check-ins and quiet hours follow the visitor's own clock.
    const timezone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (timezone) request.timezone = timezone;
    const opened = await client.createSession(request);
    options.storage.write(visitorKey, opened.visitorId);
    options.storage.write('theme', JSON.stringify(opened.theme));
    session = opened;
    return opened;
  };

  const fail = (error: unknown) => {
    phase = 'failed';
    problem = error instanceof SessionError ? error.kind : 'unavailable';
    if (error instanceof SessionError && error.kind !== 'unavailable' && error.kind !== 'rate-limited')
      // The visitor sees a polite message; the site owner needs the reason (origin not allowed, bad user hash),
      // and the browser console is where they look.
      console.warn(`Compañero widget: ${error.detail}`);
    connection.stop();
    changed();
  };

  const handleFrame = (frame: ServerFrame) => {
    switch (frame.type) {
      case 'ack':
        store.acknowledge(frame.clientId, frame.messageId);
        break;
      case 'token':
        setCoachTyping(false);
        store.appendToken(frame.messageId, frame.delta);
        break;
      case 'message': {
        const isFromCoach = frame.message.author !== 'member';
        const result = store.applyMessage(frame.message, frame.eventId);
        if (isFromCoach && result !== 'duplicate') setCoachTyping(false);
        notice = null;
        break;
      }
      case 'typing':
        setCoachTyping(true);
        break;
      case 'error':
        if (frame.clientId) {
          store.fail(frame.clientId, frame.detail);
          setCoachTyping(false);
        } else notice = frame.detail;
        break;
      default:
        return;
    }
    changed();
  };

  const connection: LiveConnection = createLiveConnection({
    url: () => {
      const url = new URL('/api/channels/ws', options.origin);
      url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
      url.searchParams.set('token', session?.token ?? '');
      url.searchParams.set('channel', 'widget');
      return url.href;
    },
    lastEventId: () => store.lastEventId,
    onFrame: handleFrame,
    onStatus: (status) => {
      connectionStatus = status;
      changed();
    },
    onTokenExpired: async () => {
      try {
        await openSession();
      } catch (error) {
        // Only a refusal is final (the site was removed from the allowed origins); a network error retries.
        if (error instanceof SessionError && error.kind !== 'unavailable' && error.kind !== 'rate-limited')
          fail(error);
        throw error;
      }
    },
    ...options.connection,
    ...(options.createSocket ? { createSocket: options.createSocket } : {}),
  });

  /** Shows the member's message at once and sends it now or after the next reconnect. */
  const send = (text: string) => {
    const trimmed = text.trim();
    if (!trimmed) return;
    const content = trimmed.slice(0, maxMessageLength);
    const clientId = newClientId();
    store.addPending(clientId, content);
    if (connection.sendMessage(clientId, content)) setCoachTyping(true);
    else store.fail(clientId, 'This message is too long to send.');
    changed();
  };

  const run = async () => {
    phase = 'starting';
    problem = null;
    changed();
    try {
      const opened = await openSession();
      const history = await client.fetchHistory(opened.token);
      for (const item of history.items) store.applyMessage(item, item.eventId);
      if (history.lastEventId) store.noteEventId(history.lastEventId);
      // On a first visit (or a new device) the history so far is not news: only what comes after it is unread.
      seenEventId = options.storage.read(seenKey) ?? store.lastEventId;
      phase = 'ready';
      connection.start();
      changed();
    } catch (error) {
      fail(error);
    } finally {
      starting = null;
    }
  };

  return {
    store,
    get phase() {
      return phase;
    },
    get problem() {
      return problem;
    },
    /** A problem the server reported that belongs to no message (shown until the next message arrives). */
    get notice() {
      return notice;
    },
    get session() {
      return session;
    },
    get connectionStatus() {
      return connectionStatus;
    },
    /** This browser has talked to this creator's coach before (as this user, when signed in). */
    get isReturningVisitor() {
      return options.storage.read(visitorKey) !== null;
    },
    get isCoachTyping() {
      return isCoachTyping;
    },
    /** Coach and team messages that arrived after the member last had the panel open. */
    get unseenCount() {
      let count = 0;
      for (const entry of store.list())
        if (
          entry.author !== 'member' &&
          entry.eventId !== null &&
          (seenEventId === null || compareEventIds(entry.eventId, seenEventId) > 0)
        )
          count++;
      return count;
    },
    /** The member has the conversation in front of them: everything so far is read. */
    markSeen() {
      const latest = store.lastEventId;
      if (latest === null || latest === seenEventId) return;
      seenEventId = latest;
      options.storage.write(seenKey, latest);
    },
    /** Idempotent: opens the session once; after a failure, tries again. */
    start(): Promise<void> {
      if (phase === 'ready') return Promise.resolve();
      starting ??= run();
      return starting;
    },
    send,
    /** Sends a refused message again as a new message (the refused clientId had no effect). */
    retry(key: string) {
      const entry = store.list().find((candidate) => candidate.key === key);
      if (entry?.status !== 'failed') return;
      store.remove(key);
      send(entry.content);
    },
    /** Tells the coach side the member is typing, at most every few seconds. */
    noteTyping() {
      const now = Date.now();
      if (now - lastTypingNoticeAt < typingNoticeIntervalMs) return;
      lastTypingNoticeAt = now;
      connection.sendTyping();
    },
    retryConnection() {
      connection.retryNow();
    },
    /** Reconnects after `stop()` (the element was taken out of the page and put back). */
    resume() {
      if (phase === 'ready') connection.start();
    },
    stop() {
      clearTimeout(typingTimer);
      connection.stop();
    },
  };
};
export type Conversation = ReturnType<typeof createConversation>;

/** The theme of the last session, so the launcher has the creator's colour and side before any request. */
export const readCachedTheme = (storage: WidgetStorage): Partial<WidgetTheme> => {
  try {
    const parsed: unknown = JSON.parse(storage.read('theme') ?? 'null');
    return parsed && typeof parsed === 'object' ? (parsed as Partial<WidgetTheme>) : {};
  } catch {
    return {};
  }
};

/** `crypto.randomUUID` exists only in secure contexts; a creator's site on plain http still needs ids. */
const createClientId = () => {
  if (typeof crypto.randomUUID === 'function' && globalThis.isSecureContext !== false)
    return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};

export type { ChatEntry };
