import {
  type ChatEntry,
  type Conversation,
  createConversation,
  maxMessageLength,
  readCachedTheme,
  type WidgetIdentity,
  type WidgetTheme,
} from './conversation';
import type { Citation } from './message-store';
import type { SessionProblemKind } from './session-client';
import { createWidgetStorage } from './storage';
import { widgetStyles } from './styles';
import { splitLinks } from './text-links';

/** What the script tag told the widget. */
export type WidgetConfig = {
  /** The Compañero server's origin, taken from the script's own address. */
  origin: string;
  creatorSlug: string;
  identity: WidgetIdentity;
  startOpen: boolean;
};

const defaultTheme: WidgetTheme = {
  primaryColor: '#4f46e5',
  position: 'bottom-right',
  title: 'Chat with your coach',
  avatarUrl: null,
  greeting: 'Hi! Ask me anything.',
};

// Written for the person on the creator's site, not for the site owner (who gets the detail in the console).
const problemMessages: Record<SessionProblemKind, { text: string; canRetry: boolean }> = {
  forbidden: { text: 'Sorry, this chat isn’t available on this website.', canRetry: false },
  'not-found': { text: 'Sorry, this chat isn’t available right now.', canRetry: false },
  unauthorized: {
    text: 'We couldn’t confirm who you are. Please reload the page and try again.',
    canRetry: true,
  },
  'rate-limited': {
    text: 'Lots of people are chatting right now. Please try again in a moment.',
    canRetry: true,
  },
  unavailable: {
    text: 'We can’t reach the coach right now. Check your connection and try again.',
    canRetry: true,
  },
};

const svg = (body: string) =>
  `<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">${body}</svg>`;
const chatIcon = svg('<path d="M21 12a8 8 0 0 1-11.6 7.1L4 20.5l1.4-4.9A8 8 0 1 1 21 12Z"/>');
const chevronIcon = svg('<path d="m6 9 6 6 6-6"/>');
const closeIcon = svg('<path d="M18 6 6 18M6 6l12 12"/>');
const sendIcon = svg('<path d="M22 2 11 13M22 2l-7 20-4-9-9-4 20-7Z"/>');

// Static markup only: every piece of text that comes from the server or the visitor goes in with textContent.
const shell = `<style>${widgetStyles}</style>
<div class="root" part="root">
<section class="panel" id="panel" part="panel" data-testid="panel" role="dialog" hidden>
<div class="header" part="header">
<img class="avatar" part="avatar" data-testid="avatar" alt="" referrerpolicy="no-referrer" hidden>
<div class="heading"><h2 class="title" data-testid="title"></h2><p class="subtitle" data-testid="subtitle"></p></div>
<button type="button" class="close" part="close" data-testid="close" aria-label="Close chat">${closeIcon}</button>
</div>
<div class="status" part="status" data-testid="status" role="status"></div>
<div class="body">
<div class="state" part="state" data-testid="state" hidden></div>
<div class="messages" part="messages" data-testid="messages" role="log" aria-live="polite" aria-label="Conversation"></div>
<div class="quick-replies" part="quick-replies" data-testid="quick-replies" hidden></div>
</div>
<form class="composer" part="composer-form" data-testid="composer-form">
<label class="sr-only" for="composer">Message</label>
<textarea class="input" id="composer" part="composer" data-testid="composer" rows="1" maxlength="${maxMessageLength}" placeholder="Write a message…" enterkeyhint="send"></textarea>
<button type="submit" class="send" part="send" data-testid="send" aria-label="Send message" disabled>${sendIcon}</button>
</form>
<div class="counter" data-testid="counter" hidden></div>
</section>
<button type="button" class="launcher" part="launcher" data-testid="launcher" aria-controls="panel" aria-expanded="false">
<span class="launcher-icon"></span><span class="badge" data-testid="unread" aria-hidden="true" hidden></span>
</button>
</div>`;

const el = <K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  ...children: Array<Node | string>
) => {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
};

const colourPattern = /^#[0-9a-fA-F]{6}$/;

/** WCAG relative luminance of a #rrggbb colour. */
const luminance = (hex: string) => {
  const [r, g, b] = [1, 3, 5].map((start) => {
    const channel = Number.parseInt(hex.slice(start, start + 2), 16) / 255;
    return channel <= 0.03928 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};

/** Appends text with its web addresses as links; never parses it as HTML. */
const appendText = (parent: HTMLElement, text: string) => {
  for (const segment of splitLinks(text)) {
    if (segment.kind === 'text') {
      parent.append(segment.text);
      continue;
    }
    // noopener: the opened page must not reach back into the creator's page through window.opener.
    parent.append(
      el('a', { href: segment.href, target: '_blank', rel: 'noopener noreferrer' }, segment.text),
    );
  }
};

let nextId = 0;
const uniqueId = (prefix: string) => `${prefix}-${++nextId}`;

/**
 * `<companero-chat>`: the launcher bubble and the chat panel. Styles live in an open shadow root (open so tests
 * and assistive tools can inspect it), and the element only renders what its `Conversation` holds.
 */
export class CompaneroChatElement extends HTMLElement {
  private config: WidgetConfig | null = null;
  private conversation: Conversation | null = null;
  private cachedTheme: Partial<WidgetTheme> = {};
  private isOpen = false;
  private wiredEvents = false;
  private renderQueued = false;
  private shouldScrollToEnd = false;
  private readonly rendered = new Map<string, { revision: number; node: HTMLElement }>();
  private greetingNode: HTMLElement | null = null;
  private quickRepliesFor = '';
  private readonly typingNode = el(
    'div',
    {
      class: 'typing',
      part: 'typing',
      'data-testid': 'typing',
      role: 'img',
      'aria-label': 'The coach is typing',
    },
    el('span'),
    el('span'),
    el('span'),
  );
  private readonly root: ShadowRoot;

  constructor() {
    super();
    this.root = this.attachShadow({ mode: 'open' });
    this.root.innerHTML = shell;
  }

  /** Sets what the script tag said; call once, before the element is added to the page. */
  configure(config: WidgetConfig) {
    if (this.config) return;
    this.config = config;
    const storage = createWidgetStorage(config.creatorSlug);
    this.cachedTheme = readCachedTheme(storage);
    this.conversation = createConversation({
      origin: config.origin,
      creatorSlug: config.creatorSlug,
      identity: config.identity,
      storage,
      onChange: () => this.scheduleRender(),
    });
  }

  connectedCallback() {
    const conversation = this.conversation;
    if (!conversation || !this.config) return;
    const isFirstConnect = !this.wiredEvents;
    this.wireEvents();
    window.addEventListener('online', this.handleOnline);
    window.addEventListener('offline', this.handleOffline);
    document.addEventListener('visibilitychange', this.handleVisibility);
    // A returning visitor connects at once, so replies that came while they were away show as unread.
    if (conversation.phase === 'ready') conversation.resume();
    else if (conversation.isReturningVisitor) void conversation.start();
    this.render();
    if (isFirstConnect && this.config.startOpen) this.open();
  }

  disconnectedCallback() {
    window.removeEventListener('online', this.handleOnline);
    window.removeEventListener('offline', this.handleOffline);
    document.removeEventListener('visibilitychange', this.handleVisibility);
    this.conversation?.stop();
  }

  /** Opens the panel, starts the session on first use, and puts the cursor in the composer. */
  open() {
    if (!this.conversation) return;
    this.isOpen = true;
    this.shouldScrollToEnd = true;
    void this.conversation.start();
    this.render();
    this.query('composer').focus({ preventScroll: true });
  }

  /** Closes the panel; focus goes back to the launcher when it was inside the panel. */
  close() {
    if (!this.isOpen) return;
    const hadFocus = this.root.activeElement !== null;
    this.isOpen = false;
    this.render();
    if (hadFocus) this.query('launcher').focus();
  }

  toggle() {
    if (this.isOpen) this.close();
    else this.open();
  }

  private query<T extends HTMLElement = HTMLElement>(testId: string) {
    return this.root.querySelector(`[data-testid="${testId}"]`) as T;
  }

  private wireEvents() {
    if (this.wiredEvents) return;
    this.wiredEvents = true;
    const composer = this.query<HTMLTextAreaElement>('composer');
    this.query('launcher').addEventListener('click', () => this.toggle());
    this.query('close').addEventListener('click', () => this.close());
    this.root.addEventListener('keydown', (event) => {
      const keyboardEvent = event as KeyboardEvent;
      if (keyboardEvent.key === 'Escape' && this.isOpen) {
        // The host page's own Escape handlers (its modals) must not also fire for the widget's key press.
        keyboardEvent.stopPropagation();
        this.close();
      }
    });
    this.query('composer-form').addEventListener('submit', (event) => {
      event.preventDefault();
      this.submit();
    });
    composer.addEventListener('keydown', (event) => {
      // isComposing: Enter that confirms a Japanese/Chinese IME candidate must not send half a sentence.
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
        event.preventDefault();
        this.submit();
      }
    });
    composer.addEventListener('input', () => {
      this.updateComposer();
      if (composer.value.trim()) this.conversation?.noteTyping();
    });
    this.query('state').addEventListener('click', (event) => {
      if ((event.target as HTMLElement).closest('[data-testid="retry-session"]'))
        void this.conversation?.start();
    });
    this.query('quick-replies').addEventListener('click', (event) => {
      const button = (event.target as HTMLElement).closest<HTMLButtonElement>('[data-testid="quick-reply"]');
      if (!button || !this.conversation) return;
      this.shouldScrollToEnd = true;
      this.conversation.send(button.dataset.text ?? button.textContent ?? '');
    });
    this.query('messages').addEventListener('click', (event) => this.handleMessageClick(event));
  }

  private readonly handleOnline = () => {
    this.conversation?.retryConnection();
    this.scheduleRender();
  };
  private readonly handleOffline = () => this.scheduleRender();
  private readonly handleVisibility = () => {
    if (document.visibilityState !== 'visible') return;
    this.conversation?.retryConnection();
    this.scheduleRender();
  };

  private handleMessageClick(event: Event) {
    const target = event.target as HTMLElement;
    const citation = target.closest<HTMLButtonElement>('[data-testid="citation"]');
    if (citation) {
      const excerpt = this.root.getElementById(citation.getAttribute('aria-controls') ?? '');
      if (!excerpt) return;
      const isExpanded = citation.getAttribute('aria-expanded') === 'true';
      citation.setAttribute('aria-expanded', String(!isExpanded));
      excerpt.hidden = isExpanded;
      return;
    }
    const retry = target.closest<HTMLElement>('[data-testid="retry"]');
    if (retry?.dataset.key) {
      this.shouldScrollToEnd = true;
      this.conversation?.retry(retry.dataset.key);
    }
  }

  private submit() {
    const composer = this.query<HTMLTextAreaElement>('composer');
    const conversation = this.conversation;
    if (!conversation || conversation.phase === 'failed' || !composer.value.trim()) return;
    conversation.send(composer.value);
    composer.value = '';
    this.shouldScrollToEnd = true;
    this.updateComposer();
    this.render();
  }

  /** Grows the textarea with its text (up to a limit), then updates what depends on it. */
  private updateComposer() {
    const composer = this.query<HTMLTextAreaElement>('composer');
    composer.style.height = 'auto';
    composer.style.height = `${Math.min(composer.scrollHeight + 2, 140)}px`;
    this.updateSendButton();
  }

  private updateSendButton() {
    const composer = this.query<HTMLTextAreaElement>('composer');
    const length = composer.value.length;
    const send = this.query<HTMLButtonElement>('send');
    send.disabled = !composer.value.trim() || composer.disabled;
    const counter = this.query('counter');
    counter.hidden = length < maxMessageLength - 500;
    counter.textContent = `${length} / ${maxMessageLength}`;
  }

  private scheduleRender() {
    if (this.renderQueued) return;
    this.renderQueued = true;
    // One redraw per frame however many tokens arrived; a timer where frames never come (a hidden tab).
    const run = () => {
      if (!this.renderQueued) return;
      this.renderQueued = false;
      this.render();
    };
    if (typeof requestAnimationFrame === 'function' && document.visibilityState === 'visible')
      requestAnimationFrame(run);
    else setTimeout(run, 0);
  }

  private theme(): WidgetTheme {
    const theme = { ...defaultTheme, ...this.cachedTheme, ...this.conversation?.session?.theme };
    if (!colourPattern.test(theme.primaryColor)) theme.primaryColor = defaultTheme.primaryColor;
    if (theme.position !== 'bottom-left') theme.position = 'bottom-right';
    return theme;
  }

  private render() {
    const conversation = this.conversation;
    if (!conversation) return;
    this.renderQueued = false;
    const theme = this.theme();
    const root = this.root.querySelector('.root') as HTMLElement;
    root.dataset.position = theme.position;
    root.toggleAttribute('data-open', this.isOpen);
    const lightness = luminance(theme.primaryColor);
    root.style.setProperty('--cp-primary', theme.primaryColor);
    // Text on the primary colour, and the primary colour as text on white, both kept readable (WCAG contrast).
    root.style.setProperty(
      '--cp-on-primary',
      1.05 / (lightness + 0.05) >= (lightness + 0.05) / 0.05 ? '#fff' : '#111',
    );
    root.style.setProperty('--cp-accent', 1.05 / (lightness + 0.05) >= 3 ? theme.primaryColor : '#1f2328');

    if (this.isOpen && document.visibilityState === 'visible') conversation.markSeen();
    const unread = this.isOpen ? 0 : conversation.unseenCount;
    const launcher = this.query('launcher');
    launcher.setAttribute('aria-expanded', String(this.isOpen));
    launcher.setAttribute(
      'aria-label',
      unread > 0 ? `${theme.title} (${unread} unread ${unread === 1 ? 'message' : 'messages'})` : theme.title,
    );
    const icon = this.isOpen ? chevronIcon : chatIcon;
    const launcherIcon = launcher.querySelector('.launcher-icon') as HTMLElement;
    if (launcherIcon.dataset.icon !== String(this.isOpen)) {
      launcherIcon.innerHTML = icon;
      launcherIcon.dataset.icon = String(this.isOpen);
    }
    const badge = this.query('unread');
    badge.hidden = unread === 0;
    badge.textContent = unread > 9 ? '9+' : String(unread);

    const panel = this.query('panel');
    panel.hidden = !this.isOpen;
    panel.setAttribute('aria-label', theme.title);
    if (!this.isOpen) return;

    this.query('title').textContent = theme.title;
    this.query('subtitle').textContent = conversation.session?.coachName ?? '';
    const avatar = this.query<HTMLImageElement>('avatar');
    const avatarUrl = theme.avatarUrl && /^https?:\/\//i.test(theme.avatarUrl) ? theme.avatarUrl : null;
    if (avatarUrl && avatar.getAttribute('src') !== avatarUrl) {
      // A broken avatar address leaves no broken-image icon: the header just has no picture.
      avatar.onerror = () => {
        avatar.dataset.failed = avatarUrl;
        avatar.hidden = true;
      };
      avatar.src = avatarUrl;
    }
    avatar.hidden = !avatarUrl || avatar.dataset.failed === avatarUrl;

    this.renderStatus();
    this.renderBody(theme);
  }

  private renderStatus() {
    const conversation = this.conversation as Conversation;
    let text = conversation.notice ?? '';
    if (conversation.phase === 'ready' && conversation.connectionStatus === 'reconnecting')
      text =
        navigator.onLine === false
          ? 'You’re offline. Messages will be sent when you’re back.'
          : 'Reconnecting…';
    const status = this.query('status');
    if (status.textContent !== text) status.textContent = text;
  }

  private renderBody(theme: WidgetTheme) {
    const conversation = this.conversation as Conversation;
    const state = this.query('state');
    const messages = this.query('messages');
    const composer = this.query<HTMLTextAreaElement>('composer');
    const phase = conversation.phase;

    composer.disabled = phase === 'failed';
    this.updateSendButton();
    if (phase !== 'ready') {
      messages.hidden = true;
      this.query('quick-replies').hidden = true;
      state.hidden = false;
      const key = phase === 'failed' ? `failed:${conversation.problem}` : 'loading';
      if (state.dataset.state === key) return;
      state.dataset.state = key;
      state.replaceChildren();
      if (phase === 'failed') {
        const problem = problemMessages[conversation.problem ?? 'unavailable'];
        state.append(el('p', { 'data-testid': 'problem', role: 'alert' }, problem.text));
        if (problem.canRetry)
          state.append(
            el(
              'button',
              { type: 'button', class: 'primary-button', 'data-testid': 'retry-session' },
              'Try again',
            ),
          );
      } else state.append(el('div', { class: 'spinner', role: 'img', 'aria-label': 'Connecting' }));
      return;
    }
    state.hidden = true;
    state.dataset.state = '';
    messages.hidden = false;

    const isNearEnd = messages.scrollHeight - messages.scrollTop - messages.clientHeight < 80;
    const entries = conversation.store.list();
    const wanted: HTMLElement[] = [];
    if (entries.length === 0) {
      const greeting = conversation.session?.welcomeMessage || theme.greeting;
      if (greeting) {
        if (this.greetingNode?.dataset.text !== greeting) {
          this.greetingNode = this.renderGreeting(greeting);
          this.greetingNode.dataset.text = greeting;
        }
        wanted.push(this.greetingNode);
      }
    }
    const keys = new Set<string>();
    for (const entry of entries) {
      keys.add(entry.key);
      let rendered = this.rendered.get(entry.key);
      if (!rendered || rendered.revision !== entry.revision) {
        rendered = { revision: entry.revision, node: this.renderEntry(entry) };
        this.rendered.set(entry.key, rendered);
      }
      wanted.push(rendered.node);
    }
    for (const key of this.rendered.keys()) if (!keys.has(key)) this.rendered.delete(key);
    if (conversation.isCoachTyping) wanted.push(this.typingNode);

    // Reorder in place: bubbles that did not change keep their node (and any excerpt the member opened).
    wanted.forEach((node, index) => {
      const current = messages.children[index];
      if (current !== node) messages.insertBefore(node, current ?? null);
    });
    while (messages.children.length > wanted.length) messages.lastElementChild?.remove();

    this.renderQuickReplies(entries);
    if (isNearEnd || this.shouldScrollToEnd) messages.scrollTop = messages.scrollHeight;
    this.shouldScrollToEnd = false;
  }

  private renderGreeting(text: string) {
    const bubble = el('div', { class: 'bubble', part: 'bubble' });
    appendText(bubble, text);
    return el(
      'div',
      {
        class: 'message',
        part: 'message',
        'data-testid': 'message',
        'data-author': 'coach',
        'data-greeting': 'true',
      },
      bubble,
    );
  }

  private authorLabel(entry: ChatEntry) {
    if (entry.author === 'member') return 'You';
    if (entry.author === 'coach') return this.conversation?.session?.coachName || 'Coach';
    return entry.author === 'staff' ? 'Team' : 'Notice';
  }

  private renderEntry(entry: ChatEntry) {
    const bubble = el(
      'div',
      { class: 'bubble', part: 'bubble' },
      el('span', { class: 'sr-only' }, `${this.authorLabel(entry)}: `),
    );
    appendText(bubble, entry.content);
    const node = el(
      'div',
      {
        class: 'message',
        part: 'message',
        'data-testid': 'message',
        'data-author': entry.author,
        'data-status': entry.status,
        'data-key': entry.key,
      },
      bubble,
    );
    if (entry.id) node.dataset.messageId = entry.id;
    if (entry.createdAt) node.title = new Date(entry.createdAt).toLocaleString();
    // Screen readers wait for the finished answer instead of reading every streamed piece.
    if (entry.status === 'streaming') node.setAttribute('aria-busy', 'true');
    if (entry.citations.length > 0 && entry.status !== 'streaming')
      this.appendCitations(node, entry.citations);
    if (entry.status === 'pending')
      node.append(el('div', { class: 'meta', 'data-testid': 'message-meta' }, 'Sending…'));
    if (entry.status === 'failed')
      node.append(
        el(
          'div',
          { class: 'meta', 'data-testid': 'message-meta' },
          `Not sent${entry.error ? `: ${entry.error}` : '.'} `,
          el(
            'button',
            { type: 'button', class: 'link-button', 'data-testid': 'retry', 'data-key': entry.key },
            'Try again',
          ),
        ),
      );
    return node;
  }

  private appendCitations(node: HTMLElement, citations: Citation[]) {
    const sources = el('div', { class: 'sources', part: 'sources', 'data-testid': 'citations' }, 'Sources:');
    const excerpts: HTMLElement[] = [];
    for (const citation of citations) {
      const excerptId = uniqueId('excerpt');
      sources.append(
        el(
          'button',
          {
            type: 'button',
            class: 'link-button',
            part: 'citation',
            'data-testid': 'citation',
            'data-index': String(citation.index),
            'aria-expanded': 'false',
            'aria-controls': excerptId,
          },
          `[${citation.index}] ${citation.title}`,
        ),
      );
      const where = [...citation.headingPath, citation.page === null ? '' : `page ${citation.page}`]
        .filter(Boolean)
        .join(' › ');
      const excerpt = el('div', {
        class: 'excerpt',
        part: 'excerpt',
        id: excerptId,
        'data-testid': 'citation-excerpt',
        hidden: '',
      });
      if (where) excerpt.append(el('div', { class: 'excerpt-where' }, where));
      excerpt.append(citation.snippet);
      excerpts.push(excerpt);
    }
    node.append(sources, ...excerpts);
  }

  private renderQuickReplies(entries: ChatEntry[]) {
    const container = this.query('quick-replies');
    const last = entries[entries.length - 1];
    const offer =
      last && last.author !== 'member' && last.status === 'sent' && last.quickReplies.length > 0
        ? last
        : null;
    const key = offer ? `${offer.key}:${offer.revision}` : '';
    container.hidden = !offer;
    if (key === this.quickRepliesFor) return;
    this.quickRepliesFor = key;
    container.replaceChildren(
      ...(offer?.quickReplies ?? []).map((text) =>
        el(
          'button',
          {
            type: 'button',
            class: 'quick-reply',
            part: 'quick-reply',
            'data-testid': 'quick-reply',
            'data-text': text,
          },
          text,
        ),
      ),
    );
  }
}
