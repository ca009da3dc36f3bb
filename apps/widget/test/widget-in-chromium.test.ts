import { readFile } from 'node:fs/promises';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromiumLaunchOptions } from '@companero/testing/chromium';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ensureWidgetBuilt, widgetDistFile } from '../build-widget';
import { channelMessage, type Gateway, type GatewaySocket, startGateway } from './gateway-server';

/**
 * The built widget.js in real Chromium, embedded by a page on another origin, against a local server that speaks
 * the channel gateway's documented protocol, so it can pin what the real server rarely does on cue: isolation,
 * accessibility, safe rendering, streaming, reconnects. widget-journey.e2e.test.ts has the real server.
 */

const theme = {
  primaryColor: '#0f766e',
  position: 'bottom-left',
  title: 'Ask Ana',
  avatarUrl: null,
  greeting: '',
};
const visitorId = 'visitor_0123456789abcdef';
const conversationId = '7d1c4a52-1f0e-4c43-9c55-2a4c1b9e0f11';

let browser: Browser;
let gateway: Gateway;
let hostServer: Server;
let hostOrigin: string;
const sessionRequests: Array<{ slug: string; body: Record<string, unknown>; origin: string | undefined }> =
  [];
let isRefusingSockets = false;

const send = (
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) => response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));

beforeAll(async () => {
  await ensureWidgetBuilt();
  gateway = await startGateway({
    refuseUpgrades: () => isRefusingSockets,
    onHttp: async (request, body, response) => {
      const cors = {
        'access-control-allow-origin': hostOrigin,
        'access-control-allow-headers': 'content-type, authorization',
        'access-control-allow-methods': 'GET, POST',
      };
      const url = new URL(request.url ?? '/', 'http://localhost');
      if (request.method === 'OPTIONS') return void response.writeHead(204, cors).end();
      if (url.pathname === '/widget.js')
        return void response
          .writeHead(200, { 'content-type': 'text/javascript' })
          .end(await readFile(widgetDistFile));
      const session = url.pathname.match(/^\/api\/channels\/widget\/([^/]+)\/sessions$/);
      if (session && request.method === 'POST') {
        const slug = session[1] ?? '';
        sessionRequests.push({ slug, body: body as Record<string, unknown>, origin: request.headers.origin });
        if (slug === 'blocked')
          return send(
            response,
            403,
            {
              title: 'Forbidden',
              status: 403,
              detail: `${hostOrigin} is not an allowed origin for this creator`,
            },
            { ...cors, 'content-type': 'application/problem+json' },
          );
        return send(
          response,
          201,
          {
            token: `token-${sessionRequests.length}`,
            refreshToken: 'refresh',
            expiresIn: 900,
            memberId: '88888888-8888-4888-8888-888888888888',
            visitorId,
            conversationId,
            theme,
            welcomeMessage: 'Welcome! I answer from Ana’s guides.',
            coachName: 'Ana’s coach',
          },
          cors,
        );
      }
      if (url.pathname === '/api/channels/messages')
        return send(response, 200, { conversationId, items: [], lastEventId: null }, cors);
      response.writeHead(404).end();
    },
  });
  hostServer = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const creator = url.searchParams.get('creator') ?? 'ana';
    const tag = `<script src="${gateway.origin}/widget.js" data-creator="${creator}" data-user-name="Lucía" data-user-email="lucia@example.com" async></script>`;
    // Hostile page styles: none of them may reach inside the widget.
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html>
<html><head><meta name="viewport" content="width=device-width, initial-scale=1">
<style>*{color:red!important;font-family:serif!important}button{display:none!important}div{border:5px solid lime!important}</style>
</head><body><h1>Ana's shop</h1>${tag}${tag}</body></html>`);
  });
  await new Promise<void>((resolve) => hostServer.listen(0, '127.0.0.1', resolve));
  hostOrigin = `http://127.0.0.1:${(hostServer.address() as AddressInfo).port}`;
  browser = await chromium.launch(chromiumLaunchOptions);
});

afterAll(async () => {
  await browser?.close();
  await gateway?.close();
  await new Promise((resolve) => hostServer?.close(resolve));
});

const widget = (page: Page, testId: string) => page.locator(`companero-chat [data-testid="${testId}"]`);
const focusedTestId = (page: Page) =>
  page.evaluate(
    () =>
      (document.querySelector('companero-chat')?.shadowRoot?.activeElement as HTMLElement | null)?.dataset
        .testid ?? null,
  );

/** A fresh visitor on the host page, with the panel opened and the live connection resumed. */
const openWidget = async (
  options: { viewport: { width: number; height: number }; reducedMotion?: 'reduce' } = {
    viewport: { width: 1280, height: 800 },
  },
) => {
  // A visitor in Madrid: the widget sends the browser's time zone with the session request.
  const context = await browser.newContext({ timezoneId: 'Europe/Madrid', ...options });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(hostOrigin);
  const socketPromise = gateway.nextSocket();
  await widget(page, 'launcher').click();
  const socket = await socketPromise;
  expect(await socket.nextFrame()).toEqual({ type: 'resume', lastEventId: null });
  return { page, socket, errors, close: () => context.close() };
};

/** The next frame that is not a typing notice (the composer sends those while the member types). */
const nextMessageFrame = async (socket: GatewaySocket) => {
  for (;;) {
    const frame = await socket.nextFrame();
    if (frame.type !== 'typing') return frame;
  }
};

const waitFor = (check: () => Promise<void>) => vi.waitFor(check, { timeout: 5_000, interval: 50 });

describe('widget in Chromium', () => {
  it('opens from the launcher into a themed, labelled dialog with the greeting and the cursor in the composer', async () => {
    const { page, socket, errors, close } = await openWidget();

    expect(await page.locator('companero-chat').count()).toBe(1);
    expect(await page.evaluate(() => typeof window.Companero?.open)).toBe('function');
    const launcher = widget(page, 'launcher');
    expect(await launcher.getAttribute('aria-expanded')).toBe('true');
    // The theme arrives with the session; the element redraws on the next frame.
    await waitFor(async () => expect(await launcher.getAttribute('aria-label')).toBe('Ask Ana'));
    const panel = widget(page, 'panel');
    expect(await panel.getAttribute('role')).toBe('dialog');
    expect(await panel.getAttribute('aria-label')).toBe('Ask Ana');
    expect(await widget(page, 'messages').getAttribute('role')).toBe('log');
    expect(await widget(page, 'messages').getAttribute('aria-live')).toBe('polite');
    expect(await widget(page, 'message').first().textContent()).toBe('Welcome! I answer from Ana’s guides.');
    expect(await widget(page, 'subtitle').textContent()).toBe('Ana’s coach');
    expect(await focusedTestId(page)).toBe('composer');
    expect(socket.url.searchParams.get('token')).toBe('token-1');

    // The theme's side and colour, and none of the host page's styles.
    const launcherBox = await launcher.boundingBox();
    expect(launcherBox?.x).toBeLessThan(100);
    const styles = await launcher.evaluate((element) => {
      const computed = getComputedStyle(element);
      return { display: computed.display, background: computed.backgroundColor };
    });
    expect(styles).toEqual({ display: 'grid', background: 'rgb(15, 118, 110)' });
    const bubble = widget(page, 'message').first().locator('.bubble');
    expect(await bubble.evaluate((element) => getComputedStyle(element).color)).not.toBe('rgb(255, 0, 0)');
    expect(await bubble.evaluate((element) => getComputedStyle(element).borderTopWidth)).toBe('1px');
    expect(await widget(page, 'composer').evaluate((element) => getComputedStyle(element).fontSize)).toBe(
      '16px',
    );

    const request = sessionRequests.find((entry) => entry.slug === 'ana');
    expect(request?.body).toEqual({ name: 'Lucía', email: 'lucia@example.com', timezone: 'Europe/Madrid' });
    expect(request?.origin).toBe(hostOrigin);
    expect(await page.evaluate(() => localStorage.getItem('companero:ana:visitor'))).toBe(visitorId);
    expect(errors).toEqual([]);
    await close();
  });

  it('shows the member’s text at once and safely, then streams the answer with sources and quick replies', async () => {
    const { page, socket, close } = await openWidget();
    const hostile = 'Is <img src=x onerror="window.hacked=1"> ok? See https://example.com/guide.';
    await widget(page, 'composer').fill(hostile);
    await widget(page, 'composer').press('Enter');

    const sent = await nextMessageFrame(socket);
    expect(sent).toMatchObject({ type: 'message', text: hostile });
    expect(socket.frames).toContainEqual({ type: 'typing' });
    const mine = page.locator('companero-chat [data-testid="message"][data-author="member"]');
    expect(await mine.getAttribute('data-status')).toBe('pending');
    expect(await mine.locator('.bubble').textContent()).toBe(`You: ${hostile}`);
    expect(await mine.locator('img').count()).toBe(0);
    const link = mine.locator('a');
    expect(await link.getAttribute('href')).toBe('https://example.com/guide');
    expect(await link.getAttribute('rel')).toBe('noopener noreferrer');
    expect(await link.getAttribute('target')).toBe('_blank');
    expect(await widget(page, 'typing').getAttribute('aria-label')).toBe('The coach is typing');
    expect(await widget(page, 'composer').inputValue()).toBe('');

    const memberMessageId = '77777777-7777-4777-8777-777777777777';
    const replyId = '66666666-6666-4666-8666-666666666666';
    socket.send({ type: 'ack', clientId: sent.clientId, messageId: memberMessageId });
    socket.send({
      type: 'message',
      eventId: '1',
      message: channelMessage({
        id: memberMessageId,
        author: 'member',
        content: hostile,
        createdAt: new Date().toISOString(),
        clientId: String(sent.clientId),
      }),
    });
    await waitFor(async () => expect(await mine.getAttribute('data-status')).toBe('sent'));

    socket.send({ type: 'token', messageId: replyId, delta: 'Sleep seven ' });
    const reply = page.locator(`companero-chat [data-message-id="${replyId}"]`);
    await waitFor(async () => expect(await reply.getAttribute('data-status')).toBe('streaming'));
    expect(await reply.getAttribute('aria-busy')).toBe('true');
    expect(await widget(page, 'typing').count()).toBe(0);
    socket.send({ type: 'token', messageId: replyId, delta: 'to nine hours' });
    await waitFor(async () =>
      expect(await reply.locator('.bubble').textContent()).toContain('Sleep seven to nine hours'),
    );

    socket.send({
      type: 'message',
      eventId: '2',
      message: channelMessage({
        id: replyId,
        author: 'coach',
        content: 'Sleep seven to nine hours [1].',
        createdAt: new Date(Date.now() + 1000).toISOString(),
        citations: [{ index: 1, title: 'Sleep guide', snippet: 'Adults need 7–9 hours of sleep.' }],
        quickReplies: ['Tell me more', 'Thanks!'],
      }),
    });
    await waitFor(async () => expect(await reply.getAttribute('data-status')).toBe('sent'));
    expect(await page.locator('companero-chat [data-testid="message"]').count()).toBe(2);
    expect(await reply.getAttribute('aria-busy')).toBeNull();
    expect(await reply.locator('[data-testid="citations"]').textContent()).toBe('Sources:[1] Sleep guide');

    const citation = reply.locator('[data-testid="citation"]');
    const excerpt = reply.locator('[data-testid="citation-excerpt"]');
    expect(await excerpt.isVisible()).toBe(false);
    await citation.click();
    expect(await citation.getAttribute('aria-expanded')).toBe('true');
    expect(await excerpt.textContent()).toBe('Sleep › Habits › page 3Adults need 7–9 hours of sleep.');
    await citation.click();
    expect(await excerpt.isVisible()).toBe(false);

    await widget(page, 'quick-reply').filter({ hasText: 'Tell me more' }).click();
    expect(await nextMessageFrame(socket)).toMatchObject({ type: 'message', text: 'Tell me more' });
    expect(await widget(page, 'quick-replies').isVisible()).toBe(false);
    expect(await page.evaluate(() => (window as { hacked?: number }).hacked)).toBeUndefined();
    await close();
  });

  it('keeps Shift+Enter as a new line, closes on Escape with focus back on the launcher, and counts replies while closed', async () => {
    const { page, socket, close } = await openWidget();
    const composer = widget(page, 'composer');
    await composer.press('a');
    await composer.press('Shift+Enter');
    await composer.press('b');
    expect(await composer.inputValue()).toBe('a\nb');

    await composer.press('Escape');
    expect(await widget(page, 'panel').isVisible()).toBe(false);
    expect(await widget(page, 'launcher').getAttribute('aria-expanded')).toBe('false');
    expect(await focusedTestId(page)).toBe('launcher');

    socket.send({
      type: 'message',
      eventId: '5',
      message: channelMessage({
        id: '99999999-9999-4999-8999-999999999999',
        author: 'coach',
        content: 'Time for your evening check-in!',
        createdAt: new Date().toISOString(),
      }),
    });
    await waitFor(async () => expect(await widget(page, 'unread').textContent()).toBe('1'));
    expect(await widget(page, 'launcher').getAttribute('aria-label')).toBe('Ask Ana (1 unread message)');

    await page.evaluate(() => window.Companero?.open());
    expect(await widget(page, 'panel').isVisible()).toBe(true);
    expect(await widget(page, 'unread').isVisible()).toBe(false);
    expect(await composer.inputValue()).toBe('a\nb');
    await close();
  });

  it('says it is reconnecting, queues what is typed meanwhile, and sends it after resuming', async () => {
    const { page, socket, close } = await openWidget();
    socket.send({
      type: 'message',
      eventId: '8',
      message: channelMessage({
        id: '12121212-1212-4121-8121-121212121212',
        author: 'coach',
        content: 'Hi again',
        createdAt: new Date().toISOString(),
      }),
    });
    await waitFor(async () =>
      expect(await page.locator('companero-chat [data-author="coach"]').count()).toBe(1),
    );

    isRefusingSockets = true;
    socket.socket.terminate();
    await waitFor(async () => expect(await widget(page, 'status').textContent()).toBe('Reconnecting…'));
    await widget(page, 'composer').fill('Written while offline');
    await widget(page, 'send').click();
    expect(await page.locator('companero-chat [data-author="member"]').getAttribute('data-status')).toBe(
      'pending',
    );

    const next = gateway.nextSocket();
    isRefusingSockets = false;
    // Back online: the widget tries at once instead of waiting out its backoff.
    await page.evaluate(() => window.dispatchEvent(new Event('online')));
    const resumed = await next;
    expect(await resumed.nextFrame()).toEqual({ type: 'resume', lastEventId: '8' });
    expect(await nextMessageFrame(resumed)).toMatchObject({ type: 'message', text: 'Written while offline' });
    await waitFor(async () => expect(await widget(page, 'status').textContent()).toBe(''));
    await close();
  });

  it('shows a polite message, and no composer to type into, when the site is not an allowed origin', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    const warnings: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => message.type() === 'warning' && warnings.push(message.text()));
    await page.goto(`${hostOrigin}/?creator=blocked`);
    await widget(page, 'launcher').click();

    await waitFor(async () =>
      expect(await widget(page, 'problem').textContent()).toBe(
        'Sorry, this chat isn’t available on this website.',
      ),
    );
    expect(await widget(page, 'retry-session').count()).toBe(0);
    expect(await widget(page, 'composer').isDisabled()).toBe(true);
    expect(warnings.some((text) => text.includes('is not an allowed origin'))).toBe(true);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('fills the screen on a phone and hides the launcher behind the open panel', async () => {
    // Reduced motion: the panel must be in place at once, with no entrance animation to wait for.
    const { page, close } = await openWidget({
      viewport: { width: 375, height: 700 },
      reducedMotion: 'reduce',
    });
    const box = await widget(page, 'panel').boundingBox();
    expect(box).toEqual({ x: 0, y: 0, width: 375, height: 700 });
    expect(await widget(page, 'launcher').isVisible()).toBe(false);
    await widget(page, 'close').click();
    expect(await widget(page, 'launcher').isVisible()).toBe(true);
    await close();
  });
});
