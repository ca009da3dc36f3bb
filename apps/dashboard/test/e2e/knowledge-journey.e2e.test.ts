import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServiceName } from '@companero/server/server-app';
import type { TestServer } from '@companero/testing/test-server';
import { type Browser, type BrowserContext, type CDPSession, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumLaunchOptions, startJourneyServer } from './journey-server';

/**
 * The knowledge journey in real Chromium against the all-in-one server with the AI engine (embedded database,
 * embedded Chroma, the local embedding model, no language model): upload three guides and watch them become
 * ready, search them, ask the coach in the playground (streamed, cited), ask what the guides do not cover, answer
 * that question from the Unanswered page, and ask again. Screenshots go to ./screenshots.
 */

const screenshotsDir = fileURLToPath(new URL('./screenshots/', import.meta.url));
mkdirSync(screenshotsDir, { recursive: true });
const fixturesDir = fileURLToPath(
  new URL('../../../../services/ai-engine/test/fixtures/knowledge/', import.meta.url),
);
const fixture = (name: string) => join(fixturesDir, name);

const journeyServices: ServiceName[] = ['auth', 'creator-hub', 'ai-engine'];

const owner = {
  name: 'Sara Sleepwell',
  email: 'sara@example.com',
  password: 'Pelican-harbor-violet-3318!',
  space: 'Sara Coaching',
};

const guides = [
  { file: 'sleep-foundations.pdf', title: 'Sleep Foundations' },
  { file: 'everyday-nutrition.docx', title: 'Everyday Nutrition' },
  { file: 'couch-to-5k.md', title: 'Couch to 5K Running Plan' },
];

const sleepQuestion = 'How many hours of sleep does an adult need?';
const outOfScopeQuestion = 'What is the capital of Australia?';
const writtenAnswer =
  'Canberra is the capital of Australia. It was chosen as a compromise between Sydney and Melbourne.';

let server: TestServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let cdp: CDPSession;
const pageErrors: string[] = [];

const screenshot = async (
  target: Page,
  name: string,
  options: { fullPage?: boolean; height?: number } = {},
) => {
  // A taller window for the playground, whose conversation scrolls inside the page.
  if (options.height) await target.setViewportSize({ width: 1280, height: options.height });
  await target.evaluate(() => window.scrollTo(0, 0));
  await target.screenshot({
    path: join(screenshotsDir, `${name}.png`),
    animations: 'disabled',
    caret: 'hide',
    fullPage: options.fullPage ?? false,
    style: '.toasts { display: none; }',
  });
  if (options.height) await target.setViewportSize({ width: 1280, height: 860 });
};

const navigation = (target: Page) => target.getByRole('navigation', { name: 'Main' });
const documentRow = (target: Page, title: string) =>
  target
    .getByRole('table', { name: 'Knowledge documents, newest first' })
    .getByRole('row', { name: new RegExp(title) });
const answers = (target: Page) =>
  target.getByRole('list', { name: 'Conversation with your coach' }).locator('article.answer');

/** Upload bandwidth in bytes per second (-1: unthrottled), so the byte progress of small files can be seen. */
const throttleUploads = (bytesPerSecond: number) =>
  cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: bytesPerSecond,
  });

describe('knowledge, coach and unanswered questions in Chromium', () => {
  beforeAll(async () => {
    server = await startJourneyServer(journeyServices);
    browser = await chromium.launch(chromiumLaunchOptions);
    context = await browser.newContext({
      viewport: { width: 1280, height: 860 },
      locale: 'en-US',
      timezoneId: 'Europe/Madrid',
      reducedMotion: 'reduce',
    });
    page = await context.newPage();
    page.setDefaultTimeout(30_000);
    page.on('pageerror', (error) => pageErrors.push(`${error.name}: ${error.message}`));
    cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('signs up and finds an empty knowledge base that says what to upload', async () => {
    await page.goto(`${server.baseUrl}/sign-up`);
    await page.getByLabel('Your name').fill(owner.name);
    await page.getByLabel('Email').fill(owner.email);
    await page.getByLabel('Password', { exact: true }).fill(owner.password);
    await page.getByLabel('Coaching space name').fill(owner.space);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Analytics', level: 1 }).waitFor();

    await navigation(page).getByRole('link', { name: 'Knowledge' }).click();
    await page.getByRole('heading', { name: 'Knowledge', level: 1 }).waitFor();
    await page.getByRole('heading', { name: 'Your coach has nothing to go on yet' }).waitFor();
    await screenshot(page, '15-knowledge-empty');
  }, 60_000);

  it('uploads the PDF, the DOCX and the Markdown guide, with byte and processing progress, until each is ready', async () => {
    // Every progress bar the page draws, with each value it shows: small files go by faster than a screenshot.
    await page.evaluate(() => {
      const seen = new Set<string>();
      (window as unknown as { progressSeen: Set<string> }).progressSeen = seen;
      const record = () => {
        for (const bar of document.querySelectorAll('[role="progressbar"]'))
          seen.add(`${bar.getAttribute('aria-label')}|${bar.getAttribute('aria-valuenow') ?? 'waiting'}`);
      };
      new MutationObserver(record).observe(document.body, {
        subtree: true,
        childList: true,
        attributes: true,
        attributeFilter: ['aria-valuenow'],
      });
    });
    // Chromium reports the bytes as sent once its network service has them; throttling that service keeps the
    // uploads in view long enough for the screenshot.
    await throttleUploads(3 * 1024);
    await page.getByLabel('Files to upload').setInputFiles(guides.map((guide) => fixture(guide.file)));
    const uploads = page.getByRole('region', { name: 'Uploads' });
    const docxBytes = uploads.getByRole('progressbar', { name: 'Uploading everyday-nutrition.docx' });
    await docxBytes.waitFor();
    await expect
      .poll(async () => Number(await docxBytes.getAttribute('aria-valuenow')), { timeout: 20_000 })
      .toBeGreaterThan(10);
    await screenshot(page, '18-knowledge-uploading');
    await throttleUploads(-1);

    for (const guide of guides) {
      await documentRow(page, guide.title).getByText('Ready', { exact: true }).waitFor({ timeout: 120_000 });
      await documentRow(page, guide.title)
        .getByText(/passages? searchable/)
        .waitFor();
    }
    const seen = await page.evaluate(() => [
      ...(window as unknown as { progressSeen: Set<string> }).progressSeen,
    ]);
    for (const guide of guides) {
      // The bytes of every file, then its processing (queued, or the live percentages).
      expect(seen.some((entry) => entry.startsWith(`Uploading ${guide.file}|`))).toBe(true);
      expect(seen.some((entry) => entry.startsWith(`Processing ${guide.file}|`))).toBe(true);
    }
    // The live stream moved at least one processing bar between 0 and 100 %.
    expect(
      seen.some((entry) => {
        const [label, value] = entry.split('|');
        return label?.startsWith('Processing') && Number(value) > 0 && Number(value) < 100;
      }),
    ).toBe(true);
  }, 180_000);

  it('says per file why a duplicate and a picture were refused', async () => {
    await page
      .getByLabel('Files to upload')
      .setInputFiles([fixture('sleep-foundations.pdf'), fixture('image.png')]);
    const uploads = page.getByRole('region', { name: 'Uploads' });
    await uploads
      .getByText('Already in your knowledge as “Sleep Foundations”. The same file was uploaded before.')
      .waitFor();
    await uploads.getByText(/This kind of file cannot be read\. Upload PDF, Word/).waitFor();
    await uploads.getByRole('button', { name: 'Hide sleep-foundations.pdf' }).first().waitFor();
  });

  it('files a guide in a new folder with a tag, and filters the list by that folder', async () => {
    await page.getByRole('button', { name: '+ New folder' }).click();
    const create = page.getByRole('dialog', { name: 'New folder' });
    await create.getByLabel('Folder name').fill('Rest and recovery');
    await create.getByRole('button', { name: 'Create folder' }).click();
    await page.getByText('Folder “Rest and recovery” created.').waitFor();
    // A new folder is selected at once, and it is empty.
    await page.getByRole('heading', { name: 'This folder is empty' }).waitFor();
    await page.getByRole('button', { name: 'All documents', exact: true }).click();

    await page.getByRole('button', { name: 'Edit Sleep Foundations' }).click();
    const edit = page.getByRole('dialog', { name: 'Edit “Sleep Foundations”' });
    await edit.getByLabel('Folder', { exact: true }).selectOption({ label: 'Rest and recovery' });
    await edit.getByLabel('Tags', { exact: true }).fill('sleep');
    await edit.getByLabel('Tags', { exact: true }).press('Enter');
    await edit.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('“Sleep Foundations” saved.').waitFor();
    await documentRow(page, 'Sleep Foundations').getByText('Rest and recovery').waitFor();
    await documentRow(page, 'Sleep Foundations').getByText('sleep', { exact: true }).waitFor();

    await page.getByRole('button', { name: 'Rest and recovery 1 document', exact: true }).click();
    const rows = page.getByRole('table', { name: 'Knowledge documents, newest first' }).locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(1);
    await page.getByRole('button', { name: 'All documents', exact: true }).click();
    await expect.poll(() => rows.count()).toBe(3);
  }, 60_000);

  it('searches the knowledge and shows the passage about sleep', async () => {
    await page.getByLabel('Search the knowledge').fill(sleepQuestion);
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    const results = page.getByRole('list', { name: `Passages found for ${sleepQuestion}` });
    const first = results.getByRole('listitem').first();
    await first.waitFor();
    expect(await first.locator('.search-result__title').textContent()).toBe('Sleep Foundations');
    expect(await first.getByText('Relevant', { exact: true }).count()).toBe(1);
    expect((await first.locator('.search-result__text').textContent())?.toLowerCase()).toContain('sleep');
    // Hide the upload report so the page shows the documents and the search.
    const hideButtons = page.getByRole('region', { name: 'Uploads' }).getByRole('button', { name: /^Hide / });
    while ((await hideButtons.count()) > 0) await hideButtons.first().click();
    await screenshot(page, '15-knowledge', { fullPage: true });
  }, 60_000);

  it('answers in the playground token by token, citing Sleep Foundations, and takes a thumbs up', async () => {
    await navigation(page).getByRole('link', { name: 'Coach' }).click();
    await page.getByRole('heading', { name: 'Coach', level: 1 }).waitFor();
    await page.getByLabel('Your question').fill(sleepQuestion);
    const [streamed] = await Promise.all([
      page.waitForResponse((response) => response.url().endsWith('/api/ai/ask')),
      page.getByRole('button', { name: 'Ask', exact: true }).click(),
    ]);
    const answer = answers(page).last();
    await answer.getByText('From your knowledge').waitFor({ timeout: 60_000 });
    // The answer came as a stream of token events, then the citations, then done.
    expect(streamed.headers()['content-type']).toContain('text/event-stream');
    const events = [...(await streamed.text()).matchAll(/^event: (\w+)$/gm)].map((match) => match[1]);
    expect(events.filter((event) => event === 'token').length).toBeGreaterThan(5);
    expect(events.slice(-2)).toEqual(['citations', 'done']);
    await page.getByText('No language model configured: answers quote your materials.').waitFor();

    const marker = answer.getByRole('button', { name: /^Source \d+: Sleep Foundations$/ }).first();
    await marker.click();
    const source = answer.getByRole('region', { name: /^Source \d+: Sleep Foundations$/ });
    await source.waitFor();
    expect((await source.locator('.citation-panel__snippet').textContent())?.toLowerCase()).toContain(
      'sleep',
    );
    expect(await answer.locator('.citation-chip', { hasText: 'Sleep Foundations' }).count()).toBeGreaterThan(
      0,
    );

    await answer.getByRole('button', { name: 'Helpful', exact: true }).click();
    await page.getByText('Thanks: marked as helpful.').waitFor();
    expect(
      await answer.getByRole('button', { name: 'Helpful', exact: true }).getAttribute('aria-pressed'),
    ).toBe('true');
    await screenshot(page, '16-coach-playground', { height: 1400 });
  }, 120_000);

  it('says a question outside the knowledge is not in it, with the fallback message', async () => {
    await page.getByLabel('Your question').fill(outOfScopeQuestion);
    await page.getByLabel('Your question').press('Enter');
    const answer = answers(page).last();
    await answer.getByText('Not in your knowledge').waitFor({ timeout: 60_000 });
    expect(await answer.locator('.answer__text').textContent()).toContain(
      "I don't have that in my notes yet.",
    );
    expect(await answer.locator('.citation-chip').count()).toBe(0);
    await screenshot(page, '19-coach-not-grounded', { height: 1400 });
  }, 120_000);

  it('lists the question under Unanswered, takes a written answer and adds it to the knowledge', async () => {
    await answers(page).last().getByRole('link', { name: 'Unanswered questions' }).click();
    const list = page.getByRole('list', { name: 'Open questions' });
    const item = list.getByRole('listitem').filter({ hasText: outOfScopeQuestion });
    await item.waitFor();
    expect(await item.textContent()).toContain('Asked 1 time');
    await screenshot(page, '17-unanswered');

    await item.getByRole('button', { name: 'Write the answer' }).click();
    const dialog = page.getByRole('dialog', { name: 'Write the answer' });
    await dialog.getByLabel('Your answer').fill(writtenAnswer);
    await dialog.getByRole('button', { name: 'Save answer' }).click();
    await page.getByText(/Answer saved\. It is now part of your knowledge/).waitFor();
    await item.getByText('Answered', { exact: true }).waitFor();
    await item.getByText('1 passage searchable').waitFor({ timeout: 60_000 });
    await screenshot(page, '20-unanswered-answered');

    // The filter lives in the URL; the router applies it in a transition, so wait for the list, not the radio.
    await page.getByRole('radio', { name: 'Answered' }).click();
    await page
      .getByRole('list', { name: 'Answered questions' })
      .locator('.question__text', { hasText: outOfScopeQuestion })
      .waitFor();

    await page
      .getByRole('navigation', { name: 'Knowledge sections' })
      .getByRole('link', { name: 'Documents' })
      .click();
    const row = documentRow(page, outOfScopeQuestion.replace('?', '\\?'));
    await row.getByText('Your answer').waitFor();
    await row.getByText('Ready', { exact: true }).waitFor();
  }, 120_000);

  it('answers the same question from the written answer now', async () => {
    await navigation(page).getByRole('link', { name: 'Coach' }).click();
    await page.getByLabel('Your question').fill(outOfScopeQuestion);
    await page.getByRole('button', { name: 'Ask', exact: true }).click();
    const answer = answers(page).last();
    await answer.getByText('From your knowledge').waitFor({ timeout: 60_000 });
    expect(await answer.locator('.answer__text').textContent()).toContain('Canberra');
    await answer.locator('.citation-chip').first().click();
    await answer
      .getByRole('region', { name: new RegExp(`^Source \\d+: ${outOfScopeQuestion.replace('?', '\\?')}$`) })
      .waitFor();
    await screenshot(page, '21-coach-grounded-after-answer', { height: 1400 });
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('fits a phone-sized screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${server.baseUrl}/knowledge`);
    await documentRow(page, 'Sleep Foundations').waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(page, '22-knowledge-mobile');
    await page.goto(`${server.baseUrl}/coach`);
    await page.getByLabel('Your question').waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(page, '23-coach-mobile');
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
