import type { TServerFrame } from '@companero/contracts/channel/ws-frames';

export type ServerFrame = TServerFrame;

/** The part of the WebSocket API the connection uses; the browser's `WebSocket` and `ws`'s both fit. */
export type SocketLike = {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number }) => void) | null;
  onerror: ((event: unknown) => void) | null;
};

/**
 * `connecting`: the first attempt. `online`: the socket is open. `reconnecting`: it dropped and the next
 * attempt is scheduled or under way. `closed`: stopped on purpose.
 */
export type ConnectionStatus = 'connecting' | 'online' | 'reconnecting' | 'closed';

export type BackoffOptions = { initialMs: number; maxMs: number };

export type LiveConnectionOptions = {
  /** Called on every attempt, so a token renewed after close code 4001 is used. */
  url: () => string;
  /** The newest event id the widget has seen; sent in `resume` on every (re)connect. */
  lastEventId: () => string | null;
  onFrame: (frame: ServerFrame) => void;
  onStatus?: (status: ConnectionStatus) => void;
  /** Close code 4001 (token expired): resolve once a new token is in place; a rejection backs off and retries. */
  onTokenExpired: () => Promise<void>;
  createSocket?: (url: string) => SocketLike;
  backoff?: Partial<BackoffOptions>;
  /** A ping every `intervalMs`; a socket silent for `timeoutMs` after a ping (or while opening) is given up. */
  heartbeat?: { intervalMs: number; timeoutMs: number };
  random?: () => number;
};

/** Close code the gateway uses when the access token in the URL has expired. */
export const tokenExpiredCloseCode = 4001;

// The gateway closes the socket (1009) on frames over 16 kB; better to refuse here and say so.
const maxFrameBytes = 16 * 1024;
const openState = 1;
const connectingState = 0;

const ignore = () => {};

/** Stops listening to a socket being given up; closing one still connecting reports an error nobody needs. */
const detach = (socket: SocketLike) => {
  socket.onopen = socket.onmessage = socket.onclose = null;
  socket.onerror = ignore;
};

/**
 * Exponential backoff with "equal jitter": half the window is fixed, half random, so a fleet of widgets that lost
 * the server at once does not come back at once, and each widget still waits longer after every failure.
 */
export const computeBackoffDelay = (
  attempt: number,
  options: BackoffOptions,
  random: () => number = Math.random,
) => {
  const window = Math.min(options.maxMs, options.initialMs * 2 ** attempt);
  return Math.round(window / 2 + random() * (window / 2));
};

/**
 * The widget's WebSocket to `/api/channels/ws`: reconnects with backoff, resumes from the last event it saw, and
 * keeps every member message until the server acknowledges it, sending it again (same clientId, which the
 * server deduplicates) after each reconnect. No DOM: the element drives it and renders what it reports.
 */
export const createLiveConnection = (options: LiveConnectionOptions) => {
  const backoff: BackoffOptions = { initialMs: 500, maxMs: 30_000, ...options.backoff };
  const heartbeat = options.heartbeat ?? { intervalMs: 25_000, timeoutMs: 10_000 };
  const random = options.random ?? Math.random;
  const createSocket = options.createSocket ?? ((url: string) => new WebSocket(url) as unknown as SocketLike);
  // clientId → text, in sending order, until acknowledged or refused.
  const outbox = new Map<string, string>();

  let socket: SocketLike | null = null;
  let status: ConnectionStatus = 'closed';
  let isStarted = false;
  let attempt = 0;
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  let pingTimer: ReturnType<typeof setInterval> | undefined;
  let silenceTimer: ReturnType<typeof setTimeout> | undefined;

  const setStatus = (next: ConnectionStatus) => {
    if (next === status) return;
    status = next;
    options.onStatus?.(next);
  };

  const sendFrame = (frame: object) => {
    if (socket?.readyState !== openState) return false;
    socket.send(JSON.stringify(frame));
    return true;
  };

  /** Starts the silence clock unless it is already running (pings must not keep pushing it back). */
  const expectFrameWithin = (ms: number) => {
    if (silenceTimer !== undefined) return;
    silenceTimer = setTimeout(() => {
      silenceTimer = undefined;
      // A half-open TCP connection (laptop lid, lost Wi-Fi) never fires close: give up on it ourselves.
      if (socket) abandon(socket, 4000);
    }, ms);
  };

  const heardFromServer = () => {
    clearTimeout(silenceTimer);
    silenceTimer = undefined;
  };

  const stopTimers = () => {
    clearInterval(pingTimer);
    pingTimer = undefined;
    heardFromServer();
  };

  const abandon = (target: SocketLike, code: number) => {
    detach(target);
    try {
      target.close();
    } catch {
      // Already closing.
    }
    handleClose(target, code);
  };

  const scheduleReconnect = (delay: number) => {
    clearTimeout(reconnectTimer);
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      open();
    }, delay);
  };

  const handleClose = (closed: SocketLike, code: number) => {
    if (socket !== closed) return;
    socket = null;
    stopTimers();
    if (!isStarted) {
      setStatus('closed');
      return;
    }
    setStatus('reconnecting');
    const delay = computeBackoffDelay(attempt, backoff, random);
    attempt++;
    if (code !== tokenExpiredCloseCode) {
      scheduleReconnect(delay);
      return;
    }
    // A first expiry reconnects at once with the new token; a loop of them backs off like any failure.
    options.onTokenExpired().then(
      () => isStarted && scheduleReconnect(attempt === 1 ? 0 : delay),
      () => isStarted && scheduleReconnect(delay),
    );
  };

  const handleMessage = (data: unknown) => {
    if (typeof data !== 'string') return;
    let frame: ServerFrame;
    try {
      frame = JSON.parse(data) as ServerFrame;
    } catch {
      return;
    }
    if (!frame || typeof frame !== 'object' || typeof frame.type !== 'string') return;
    if (frame.type === 'ready' || frame.type === 'resumed') attempt = 0;
    if (frame.type === 'ack') outbox.delete(frame.clientId);
    if (frame.type === 'error' && frame.clientId) outbox.delete(frame.clientId);
    if (frame.type === 'message' && frame.message?.clientId) outbox.delete(frame.message.clientId);
    options.onFrame(frame);
  };

  const open = () => {
    if (!isStarted || socket) return;
    setStatus(status === 'closed' ? 'connecting' : 'reconnecting');
    let created: SocketLike;
    try {
      created = createSocket(options.url());
    } catch {
      // A malformed URL or a blocked scheme: treat like a failed attempt.
      scheduleReconnect(computeBackoffDelay(attempt++, backoff, random));
      return;
    }
    socket = created;
    heardFromServer();
    expectFrameWithin(heartbeat.timeoutMs);
    created.onopen = () => {
      if (socket !== created) return;
      heardFromServer();
      setStatus('online');
      sendFrame({ type: 'resume', lastEventId: options.lastEventId() });
      for (const [clientId, text] of outbox) sendFrame({ type: 'message', clientId, text });
      pingTimer = setInterval(() => {
        if (sendFrame({ type: 'ping' })) expectFrameWithin(heartbeat.timeoutMs);
      }, heartbeat.intervalMs);
    };
    created.onmessage = (event) => {
      if (socket !== created) return;
      heardFromServer();
      handleMessage(event.data);
    };
    created.onclose = (event) => handleClose(created, event.code);
    created.onerror = () => {
      // Always followed by close, which decides what happens next.
    };
  };

  return {
    get status() {
      return status;
    },
    /** Messages sent but not yet acknowledged or refused. */
    get unacknowledged(): ReadonlyMap<string, string> {
      return outbox;
    },

    start() {
      if (isStarted) return;
      isStarted = true;
      open();
    },

    /** Skip the wait (the browser came back online, the tab became visible). */
    retryNow() {
      if (!isStarted || socket) return;
      clearTimeout(reconnectTimer);
      reconnectTimer = undefined;
      open();
    },

    /**
     * Sends now when connected, otherwise after the next (re)connect; either way until acknowledged.
     * Returns false only when the frame is too large for the gateway.
     */
    sendMessage(clientId: string, text: string): boolean {
      const frame = JSON.stringify({ type: 'message', clientId, text });
      if (new TextEncoder().encode(frame).length > maxFrameBytes) return false;
      outbox.set(clientId, text);
      if (socket?.readyState === openState) socket.send(frame);
      return true;
    },

    /** Typing notices are worth nothing later, so they are never queued. */
    sendTyping() {
      sendFrame({ type: 'typing' });
    },

    stop() {
      isStarted = false;
      clearTimeout(reconnectTimer);
      stopTimers();
      const current = socket;
      socket = null;
      if (current && (current.readyState === openState || current.readyState === connectingState)) {
        detach(current);
        current.close(1000);
      }
      setStatus('closed');
    },
  };
};
export type LiveConnection = ReturnType<typeof createLiveConnection>;
