import { createHmac } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildServerApp, type ServiceName, startWorkers } from '@companero/server/server-app';
import { backends } from '@companero/testing/backends';
import { chromiumLaunchOptions } from '@companero/testing/chromium';
import { type Body, type Creator, expectStatus, registerCreator } from '@companero/testing/creator-fixtures';
import { createHttpClient, type HttpClient } from '@companero/testing/http-client';
import { startTestServer, type TestServer } from '@companero/testing/test-server';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  guideTitles,
  uploadFixture,
  waitForDocument,
} from '../../../services/ai-engine/test/knowledge-test-server';
import { widgetDistFile } from '../build-widget';

/**
 * The widget as a new creator ships it: the all-in-one server (auth, creator hub, AI engine, channel, every
 * worker) on the embedded backend serves the built widget.js; the creator registers, uploads a guide, writes
 * the welcome message and the theme; a site on another origin pastes the one script tag on a page with
 * hostile CSS, and a visitor chats in real Chromium. The widget is built once by the Vitest global setup; the
 * open widget on the hostile page is kept in ./screenshots.
 */

const screenshotsDir = fileURLToPath(new URL('./screenshots/', import.meta.url));
mkdirSync(screenshotsDir, { recursive: true });

const everyService: ServiceName[] = ['auth', 'creator-hub', 'ai-engine', 'channel'];

const guide = 'couch-to-5k.md' as const;
const guideTitle = guideTitles[guide];
const question = 'How many days a week should I run on the Couch to 5K plan?';
const welcomeMessage = 'Welcome to Ana’s running club! Ask me anything about the Couch to 5K plan.';
const theme = {
  primaryColor: '#0f766e',
  position: 'bottom-left',
  title: 'Ask Ana',
  avatarUrl: null,
  greeting: 'The theme’s greeting, which the persona’s welcome message replaces',
};
const themeBackground = 'rgb(15, 118, 110)';

// A page that styles everything it can reach, the way careless site CSS does: none of it may reach the
// widget, and the widget's styles may not change any of it. The head stays hidden so the page reads as one.
const hostileCss = `
* { all: unset; font-size: 40px !important; color: red !important; display: block !important;
  box-sizing: content-box !important; font-family: serif !important; letter-spacing: 3px !important;
  text-transform: uppercase !important; line-height: 3 !important }
head { display: none !important }
button { display: none !important }
div { background: lime !important }
`;

let server: TestServer;
let http: HttpClient;
let owner: Creator;
/** The script tag the creator copies from the widget settings. */
let embedCode: string;
let browser: Browser;
const hostServers: Server[] = [];
/** The creator's site, in allowedOrigins. */
let hostOrigin: string;
/** Another site that copied the script tag, not in allowedOrigins. */
let strangerOrigin: string;

const startHostServer = async () => {
  const host = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://host.invalid');
    if (url.pathname !== '/') return void response.writeHead(404).end();
    // The creator's embed code as given, pointed at the port the test server listens on, plus the signed
    // user when the site has one.
    const userId = url.searchParams.get('user');
    const userHash = url.searchParams.get('hash');
    const signed = userId && userHash ? ` data-user-id="${userId}" data-user-hash="${userHash}"` : '';
    const tag = embedCode
      .replace(server.config.PUBLIC_URL, server.baseUrl)
      .replace(' async>', `${signed} async>`);
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Ana’s running club</title><link rel="icon" href="data:,"><style>${hostileCss}</style></head>
<body><h1 id="headline">Ana’s running club</h1><div id="banner">Spring 5K starts Monday</div>
<p id="intro">Three runs a week, nine weeks, one finish line.</p><button id="join" type="button">Join</button>
${tag}</body></html>`);
  });
  await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
  hostServers.push(host);
  return `http://127.0.0.1:${(host.address() as AddressInfo).port}`;
};

const widget = (page: Page, testId: string) => page.locator(`companero-chat [data-testid="${testId}"]`);
const messages = (page: Page) => page.locator('companero-chat [data-testid="message"]');
const coachAnswers = (page: Page) =>
  page.locator('companero-chat [data-testid="message"][data-author="coach"]:not([data-greeting])');
const focusedTestId = (page: Page) =>
  page.evaluate(
    () =>
      (document.querySelector('companero-chat')?.shadowRoot?.activeElement as HTMLElement | null)?.dataset
        .testid ?? null,
  );

const listMembers = async () =>
  expectStatus(await http.get<Body>('/api/hub/members', { token: owner.token }), 200).body.items as Body[];

type Visitor = {
  context: BrowserContext;
  page: Page;
  /** Every frame the server sent on the widget's WebSockets, parsed. */
  frames: Body[];
  /** Uncaught exceptions and console errors and warnings (a refused request, a CORS or CSP failure). */
  pageProblems: string[];
};

const visit = async (
  url: string | null,
  options: { viewport?: { width: number; height: number }; reducedMotion?: 'reduce' } = {},
): Promise<Visitor> => {
  const context = await browser.newContext({
    viewport: options.viewport ?? { width: 1280, height: 800 },
    locale: 'en-US',
    ...(options.reducedMotion ? { reducedMotion: options.reducedMotion } : {}),
  });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  const frames: Body[] = [];
  const pageProblems: string[] = [];
  page.on('pageerror', (error) => pageProblems.push(`${error.name}: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning')
      pageProblems.push(`console.${message.type()}: ${message.text()}`);
  });
  page.on('websocket', (socket) =>
    socket.on('framereceived', ({ payload }) => frames.push(JSON.parse(String(payload)) as Body)),
  );
  if (url) await page.goto(url);
  return { context, page, frames, pageProblems };
};

/** Resolves with the JSON body of the next widget session the page opens. */
const nextSession = (page: Page) =>
  page
    .waitForResponse((response) => /\/api\/channels\/widget\/[^/]+\/sessions$/.test(response.url()))
    .then(async (response) => ({ status: response.status(), body: (await response.json()) as Body }));

/** Sends a question from the composer with Enter and waits for the coach's finished answer. */
const ask = async (visitor: Visitor, text: string) => {
  const answersBefore = await coachAnswers(visitor.page).count();
  await widget(visitor.page, 'composer').fill(text);
  await widget(visitor.page, 'composer').press('Enter');
  const answer = coachAnswers(visitor.page).nth(answersBefore);
  await answer.and(visitor.page.locator('[data-status="sent"]')).waitFor({ timeout: 60_000 });
  return answer;
};

describe('the widget on a creator’s site, against the all-in-one server in Chromium', () => {
  // The first visitor: one browser, one tab, through the first four steps.
  let visitor: Visitor;
  let visitorMemberId: string;
  let answerText: string;

  beforeAll(async () => {
    server = await startTestServer(backends()[0]!, {
      buildApp: (runtime) => buildServerApp(runtime, everyService, { widgetScript: widgetDistFile }),
      startWorkers: (runtime) => startWorkers(runtime, everyService),
      // Every request comes from 127.0.0.1: the per-IP limits would otherwise decide the journey.
      env: {
        RATE_LIMIT_PER_MINUTE: '100000',
        LOGIN_ATTEMPTS_PER_IP_PER_MINUTE: '1000',
        WIDGET_SESSIONS_PER_MINUTE: '1000',
      },
    });
    http = createHttpClient(server.baseUrl);
    hostOrigin = await startHostServer();
    strangerOrigin = await startHostServer();

    owner = await registerCreator(http, 'ana');
    const upload = expectStatus(await uploadFixture(server.baseUrl, owner.token, guide), 202);
    const persona = expectStatus(await http.get<Body>('/api/hub/coach', { token: owner.token }), 200).body;
    expectStatus(
      await http.request<Body>('PUT', '/api/hub/coach', {
        token: owner.token,
        body: { ...persona, welcomeMessage },
      }),
      200,
    );
    const settings = expectStatus(
      await http.request<Body>('PUT', '/api/hub/channels/widget', {
        token: owner.token,
        body: { theme, allowedOrigins: [hostOrigin] },
      }),
      200,
    ).body;
    embedCode = settings.embedCode;
    expect(embedCode).toBe(
      `<script src="${server.config.PUBLIC_URL}/widget.js" data-creator="${owner.slug}" async></script>`,
    );
    expect((await waitForDocument(http, owner.token, upload.body.id)).status).toBe('ready');
    browser = await chromium.launch(chromiumLaunchOptions);
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    for (const host of hostServers) await new Promise((resolve) => host.close(resolve));
    await server?.close();
  });

  it('loads from the one script tag on a hostile page, in its own colours and corner, and leaves the page’s styles alone', async () => {
    visitor = await visit(null);
    const { page } = visitor;
    // Hold the script until the page's own styles are measured, so "after" differs from "before" only by it.
    let releaseScript = () => {};
    const scriptHeld = new Promise<void>((resolve) => {
      releaseScript = resolve;
    });
    await page.route('**/widget.js', async (route) => {
      await scriptHeld;
      await route.continue();
    });
    await page.goto(hostOrigin, { waitUntil: 'domcontentloaded' });
    const pageStyles = () =>
      page.evaluate(() =>
        ['html', 'body', '#headline', '#banner', '#intro', '#join'].map((selector) => {
          const computed = getComputedStyle(document.querySelector(selector)!);
          return Object.fromEntries(
            Array.from(computed, (property) => [property, computed.getPropertyValue(property)]),
          );
        }),
      );
    const before = await pageStyles();
    expect(await page.locator('companero-chat').count()).toBe(0);

    releaseScript();
    const launcher = widget(page, 'launcher');
    await launcher.waitFor();
    await page.unroute('**/widget.js');
    expect(await page.locator('companero-chat').count()).toBe(1);
    expect(await pageStyles()).toEqual(before);

    // The host page hides every button: the launcher is still a round button. A first visit has no cached
    // theme yet, so the creator's colour arrives with the session (checked below).
    expect(await launcher.isVisible()).toBe(true);
    const launcherStyle = await launcher.evaluate((element) => {
      const computed = getComputedStyle(element);
      return { display: computed.display, width: computed.width, borderRadius: computed.borderRadius };
    });
    expect(launcherStyle).toEqual({ display: 'grid', width: '56px', borderRadius: '50%' });

    const session = nextSession(page);
    await launcher.click();
    const opened = await session;
    expect(opened.status).toBe(201);
    visitorMemberId = opened.body.memberId;
    const panel = widget(page, 'panel');
    await panel.waitFor();
    await expect
      .poll(() => launcher.evaluate((element) => getComputedStyle(element).backgroundColor))
      .toBe(themeBackground);
    expect(await launcher.getAttribute('aria-label')).toBe('Ask Ana');
    expect(await widget(page, 'title').textContent()).toBe('Ask Ana');
    // theme.position bottom-left: the launcher and the panel sit in the left corner of the 1280 × 800 window.
    // The mouse leaves the launcher first: hovered, it grows a little (a transition).
    await page.mouse.move(900, 400);
    await expect.poll(async () => (await launcher.boundingBox())?.x).toBe(20);
    const launcherBox = (await launcher.boundingBox())!;
    expect(launcherBox.y + launcherBox.height).toBe(780);
    expect((await panel.boundingBox())!.x).toBe(20);

    // The page's letter spacing, capitals, line height, colour and lime divs stop at the widget.
    const bubble = messages(page).first().locator('.bubble');
    const bubbleStyle = await bubble.evaluate((element) => {
      const computed = getComputedStyle(element);
      return {
        color: computed.color,
        background: computed.backgroundColor,
        fontSize: computed.fontSize,
        lineHeight: computed.lineHeight,
        letterSpacing: computed.letterSpacing,
        textTransform: computed.textTransform,
        borderTopWidth: computed.borderTopWidth,
      };
    });
    expect(bubbleStyle).toEqual({
      color: 'rgb(31, 35, 40)',
      background: 'rgb(255, 255, 255)',
      fontSize: '15px',
      lineHeight: '21.75px',
      letterSpacing: 'normal',
      textTransform: 'none',
      borderTopWidth: '1px',
    });

    // The composer is usable and keeps its own type, whatever the page says about fonts.
    const composer = widget(page, 'composer');
    expect(await focusedTestId(page)).toBe('composer');
    await composer.fill('Hello');
    expect(await widget(page, 'send').isEnabled()).toBe(true);
    const inside = await composer.evaluate((element) => {
      const computed = getComputedStyle(element);
      return {
        fontSize: computed.fontSize,
        color: computed.color,
        fontFamily: computed.fontFamily,
        letterSpacing: computed.letterSpacing,
        textTransform: computed.textTransform,
        boxSizing: computed.boxSizing,
      };
    });
    expect(inside).toMatchObject({
      fontSize: '16px',
      color: 'rgb(31, 35, 40)',
      letterSpacing: 'normal',
      textTransform: 'none',
      boxSizing: 'border-box',
    });
    expect(inside.fontFamily).not.toBe('serif');
    await composer.fill('');
    expect(await widget(page, 'send').isEnabled()).toBe(false);
    expect(await page.locator('#join').isVisible()).toBe(false);
    expect(await pageStyles()).toEqual(before);
    expect(visitor.pageProblems).toEqual([]);
  }, 60_000);

  it('greets with the persona’s welcome, shows typing, streams the answer from the guide and cites it; Enter sends, Escape closes', async () => {
    const { page, frames } = visitor;
    await expect.poll(() => messages(page).count()).toBe(1);
    expect(await messages(page).getAttribute('data-greeting')).toBe('true');
    expect(await messages(page).textContent()).toBe(welcomeMessage);

    // What the member sees between Enter and the finished answer, recorded as the element draws it.
    await page.evaluate(() => {
      const root = document.querySelector('companero-chat')!.shadowRoot!;
      const log = root.querySelector('[data-testid="messages"]')!;
      const seen = { typing: false, streamingLengths: [] as number[] };
      (window as unknown as { widgetSeen: typeof seen }).widgetSeen = seen;
      new MutationObserver(() => {
        if (log.querySelector('[data-testid="typing"]')) seen.typing = true;
        const streaming = log.querySelector('[data-status="streaming"] .bubble');
        const length = streaming?.textContent?.length;
        if (length && seen.streamingLengths.at(-1) !== length) seen.streamingLengths.push(length);
      }).observe(log, { childList: true, subtree: true, characterData: true, attributes: true });
    });
    const framesBefore = frames.length;
    const answer = await ask(visitor, question);
    expect(await widget(page, 'composer').inputValue()).toBe('');

    const mine = page.locator('companero-chat [data-testid="message"][data-author="member"]');
    expect(await mine.count()).toBe(1);
    expect(await mine.getAttribute('data-status')).toBe('sent');
    expect(await mine.locator('.bubble').textContent()).toBe(`You: ${question}`);
    // The greeting makes way for the conversation.
    expect(await messages(page).count()).toBe(2);

    const seen = await page.evaluate(
      () => (window as unknown as { widgetSeen: { typing: boolean; streamingLengths: number[] } }).widgetSeen,
    );
    expect(seen.typing).toBe(true);
    // The answer came over the socket as tokens, then as the stored message whose text they spell.
    const received = frames.slice(framesBefore);
    const stored = received.find((frame) => frame.type === 'message' && frame.message.author === 'coach')!;
    const tokens = received.filter((frame) => frame.type === 'token');
    expect(tokens.length).toBeGreaterThan(5);
    expect(tokens.map((frame) => frame.delta).join('')).toBe(stored.message.content);
    expect(received.indexOf(tokens.at(-1)!)).toBeLessThan(received.indexOf(stored));
    expect(stored.message.grounded).toBe(true);
    expect(seen.streamingLengths.length).toBeGreaterThan(0);
    answerText = stored.message.content;
    expect(answerText.toLowerCase()).toContain('three times a week');
    expect(await answer.getAttribute('data-message-id')).toBe(stored.message.id);
    expect(await answer.locator('.bubble').textContent()).toContain(answerText);
    expect(await widget(page, 'typing').count()).toBe(0);

    // Sources: links naming the guide, each opening its excerpt in place.
    const citations = answer.locator('[data-testid="citation"]');
    expect(await citations.count()).toBeGreaterThan(0);
    for (const text of await citations.allTextContents())
      expect(text).toMatch(new RegExp(`^\\[\\d+\\] ${guideTitle}$`));
    const excerpt = answer.locator('[data-testid="citation-excerpt"]').first();
    expect(await excerpt.isVisible()).toBe(false);
    await citations.first().click();
    expect(await citations.first().getAttribute('aria-expanded')).toBe('true');
    expect(await excerpt.isVisible()).toBe(true);
    expect(stored.message.citations[0].snippet.length).toBeGreaterThan(20);
    expect(await excerpt.textContent()).toContain(stored.message.citations[0].snippet.slice(0, 40));

    await excerpt.scrollIntoViewIfNeeded();
    await page.screenshot({
      path: join(screenshotsDir, 'widget-on-host-page.png'),
      animations: 'disabled',
      caret: 'hide',
    });

    // Escape from anywhere in the panel (here the citation just clicked) closes it and hands focus back.
    await page.keyboard.press('Escape');
    expect(await widget(page, 'panel').isVisible()).toBe(false);
    expect(await widget(page, 'launcher').getAttribute('aria-expanded')).toBe('false');
    expect(await focusedTestId(page)).toBe('launcher');
    expect(visitor.pageProblems).toEqual([]);
  }, 120_000);

  it('keeps the conversation and the member after a reload, with each message once', async () => {
    const { page, frames } = visitor;
    frames.length = 0;
    // A returning visitor's widget reopens its session as the page loads, before any click.
    const session = nextSession(page);
    await page.reload();
    expect((await session).body.memberId).toBe(visitorMemberId);
    await widget(page, 'launcher').click();
    await expect.poll(() => messages(page).count()).toBe(2);
    // Settle: the history came over HTTP, the socket then resumed after it; nothing may arrive twice.
    await expect.poll(() => frames.some((frame) => frame.type === 'resumed')).toBe(true);
    await page.waitForTimeout(500);
    expect(await messages(page).count()).toBe(2);
    const member = messages(page).nth(0);
    const coach = messages(page).nth(1);
    expect(await member.getAttribute('data-author')).toBe('member');
    expect(await member.locator('.bubble').textContent()).toBe(`You: ${question}`);
    expect(await coach.getAttribute('data-author')).toBe('coach');
    expect(await coach.locator('.bubble').textContent()).toContain(answerText);
    expect(await coach.locator('[data-testid="citation"]').count()).toBeGreaterThan(0);
    expect(await page.locator('companero-chat [data-greeting]').count()).toBe(0);

    const members = await listMembers();
    expect(members.map((item) => item.id)).toEqual([visitorMemberId]);
    const detail = expectStatus(
      await http.get<Body>(`/api/hub/members/${visitorMemberId}`, { token: owner.token }),
      200,
    ).body;
    expect(detail.conversations).toHaveLength(1);
    expect(detail.conversations[0].messageCount).toBe(2);
    expect(visitor.pageProblems).toEqual([]);
    await visitor.context.close();
  }, 60_000);

  it('says politely that the chat is not available on a site outside the allowed origins, and makes no member', async () => {
    const stranger = await visit(strangerOrigin);
    const session = nextSession(stranger.page);
    await widget(stranger.page, 'launcher').click();
    expect((await session).status).toBe(403);
    await expect
      .poll(() => widget(stranger.page, 'problem').textContent())
      .toBe('Sorry, this chat isn’t available on this website.');
    expect(await widget(stranger.page, 'composer').isDisabled()).toBe(true);
    expect(await widget(stranger.page, 'retry-session').count()).toBe(0);
    expect((await listMembers()).map((item) => item.id)).toEqual([visitorMemberId]);
    // The site owner, not the visitor, gets the reason: in the browser console.
    expect(stranger.pageProblems).toEqual([
      expect.stringMatching(/^console\.error: Failed to load resource: .*403/),
      `console.warning: Compañero widget: Chat sessions cannot be opened from ${strangerOrigin}. The creator can allow it in Channels → Web widget.`,
    ]);
    await stranger.context.close();
  }, 60_000);

  it('is one member with one conversation on two devices when the site signs the user id', async () => {
    const { secret } = expectStatus(
      await http.post<Body>('/api/hub/channels/widget/identity-secret', undefined, { token: owner.token }),
      201,
    ).body;
    const userId = 'runner-4711';
    // What the creator's site computes on its server for its signed-in user.
    const userHash = createHmac('sha256', secret).update(userId).digest('hex');
    const signedPage = `${hostOrigin}/?user=${userId}&hash=${userHash}`;

    const laptop = await visit(signedPage);
    const laptopSession = nextSession(laptop.page);
    await widget(laptop.page, 'launcher').click();
    const laptopMember = (await laptopSession).body.memberId;
    await ask(laptop, question);

    const phone = await visit(signedPage, { viewport: { width: 390, height: 844 } });
    const phoneSession = nextSession(phone.page);
    await widget(phone.page, 'launcher').click();
    expect((await phoneSession).body.memberId).toBe(laptopMember);
    await expect.poll(() => messages(phone.page).count()).toBe(2);
    expect(await messages(phone.page).nth(0).locator('.bubble').textContent()).toBe(`You: ${question}`);
    expect(await messages(phone.page).nth(1).getAttribute('data-author')).toBe('coach');

    // Live on both: what the phone sends, and its answer, show on the laptop too.
    const followUp = 'When should I replace my running shoes?';
    await ask(phone, followUp);
    await expect.poll(() => messages(laptop.page).count()).toBe(4);
    expect(await messages(laptop.page).nth(2).locator('.bubble').textContent()).toBe(`You: ${followUp}`);
    await expect.poll(() => messages(laptop.page).nth(3).getAttribute('data-status')).toBe('sent');

    const members = await listMembers();
    expect(members.map((item) => item.id).sort()).toEqual([visitorMemberId, laptopMember].sort());
    const detail = expectStatus(
      await http.get<Body>(`/api/hub/members/${laptopMember}`, { token: owner.token }),
      200,
    ).body;
    expect(detail.identities.map((identity: Body) => identity.externalId)).toEqual([`user:${userId}`]);
    expect(detail.conversations).toHaveLength(1);
    expect(detail.conversations[0].messageCount).toBe(4);
    expect([...laptop.pageProblems, ...phone.pageProblems]).toEqual([]);
    await laptop.context.close();
    await phone.context.close();
  }, 180_000);

  it('fills a 375 × 667 phone screen with the open panel', async () => {
    const phone = await visit(hostOrigin, { viewport: { width: 375, height: 667 }, reducedMotion: 'reduce' });
    await widget(phone.page, 'launcher').click();
    await widget(phone.page, 'composer').waitFor();
    expect(await widget(phone.page, 'panel').boundingBox()).toEqual({ x: 0, y: 0, width: 375, height: 667 });
    expect(await widget(phone.page, 'launcher').isVisible()).toBe(false);
    expect(await widget(phone.page, 'composer').isVisible()).toBe(true);
    await phone.page.keyboard.press('Escape');
    expect(await widget(phone.page, 'launcher').isVisible()).toBe(true);
    expect(phone.pageProblems).toEqual([]);
    await phone.context.close();
  }, 60_000);
});
