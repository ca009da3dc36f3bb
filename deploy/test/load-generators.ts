import type { WhatsAppLine } from '../../services/channel/test/provider-fixtures';
import {
  metaJson,
  metaSignature,
  newWaId,
  whatsappMessage,
} from '../../services/channel/test/provider-fixtures';

export type GetTarget = { path: string; token?: string };

export type GetLoadStats = { requests: number; failed: number; failures: string[]; perSecond: number };

/**
 * `concurrency` clients sending GETs through nginx over `targets` in turn, each at most `perClientPerSecond`
 * (paced, so the load leaves the two cores to the processes being restarted). Every answer other than 200 is a
 * failure, and so is a network error: nginx may retry these requests, so none may fail.
 */
export const startGetLoad = (
  baseUrl: string,
  targets: GetTarget[],
  options: { concurrency: number; perClientPerSecond: number },
) => {
  let isRunning = true;
  let requests = 0;
  let failed = 0;
  const failures: string[] = [];
  const startedAt = performance.now();
  let next = 0;
  const client = async () => {
    while (isRunning) {
      const sentAt = performance.now();
      const target = targets[next % targets.length]!;
      next += 1;
      requests += 1;
      try {
        const response = await fetch(`${baseUrl}${target.path}`, {
          headers: target.token ? { authorization: `Bearer ${target.token}` } : {},
          signal: AbortSignal.timeout(30_000),
        });
        await response.arrayBuffer();
        if (response.status !== 200) {
          failed += 1;
          if (failures.length < 10) failures.push(`GET ${target.path}: HTTP ${response.status}`);
        }
      } catch (error) {
        failed += 1;
        if (failures.length < 10) failures.push(`GET ${target.path}: ${(error as Error).message}`);
      }
      const pauseMs = 1000 / options.perClientPerSecond - (performance.now() - sentAt);
      if (pauseMs > 0 && isRunning) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  };
  const clients = Array.from({ length: options.concurrency }, client);
  return {
    async stop(): Promise<GetLoadStats> {
      isRunning = false;
      await Promise.all(clients);
      const seconds = (performance.now() - startedAt) / 1000;
      return { requests, failed, failures, perSecond: requests / seconds };
    },
  };
};

export type WebhookStats = {
  sent: number;
  /** Deliveries nginx answered with something other than 200 (the provider then retries). */
  failedAttempts: number;
  failures: string[];
  /** Messages never acknowledged after every retry. */
  unacknowledged: number;
  wamids: string[];
};

/**
 * Meta delivering WhatsApp messages to the webhook through nginx, `perSecond` of them, each signed with the
 * app secret. Like Meta, it retries a delivery that was not answered 200 (with backoff, up to 8 times).
 */
export const startWhatsAppTraffic = (
  baseUrl: string,
  line: Pick<WhatsAppLine, 'webhookPath' | 'appSecret' | 'phoneNumberId'>,
  options: { perSecond: number; label: string },
) => {
  const contacts = Array.from({ length: 5 }, (_, index) => ({
    waId: newWaId(),
    name: `${options.label} sender ${index + 1}`,
  }));
  const wamids: string[] = [];
  const pending = new Set<Promise<void>>();
  let failedAttempts = 0;
  let unacknowledged = 0;
  const failures: string[] = [];

  const deliver = async (sequence: number) => {
    const contact = contacts[sequence % contacts.length]!;
    const { payload, wamid } = whatsappMessage('text-message.json', line, contact, {
      text: `${options.label} message ${sequence}`,
    });
    wamids.push(wamid);
    const rawBody = metaJson(payload);
    for (let attempt = 1; attempt <= 8; attempt += 1) {
      try {
        const response = await fetch(`${baseUrl}${line.webhookPath}`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-hub-signature-256': metaSignature(rawBody, line.appSecret),
          },
          body: rawBody,
          signal: AbortSignal.timeout(30_000),
        });
        await response.arrayBuffer();
        if (response.status === 200) return;
        failedAttempts += 1;
        if (failures.length < 10) failures.push(`attempt ${attempt}: HTTP ${response.status}`);
      } catch (error) {
        failedAttempts += 1;
        if (failures.length < 10) failures.push(`attempt ${attempt}: ${(error as Error).message}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** (attempt - 1)));
    }
    unacknowledged += 1;
  };

  let sequence = 0;
  const timer = setInterval(() => {
    sequence += 1;
    const delivery = deliver(sequence).finally(() => pending.delete(delivery));
    pending.add(delivery);
  }, 1000 / options.perSecond);

  return {
    async stop(): Promise<WebhookStats> {
      clearInterval(timer);
      await Promise.all([...pending]);
      return { sent: wamids.length, failedAttempts, failures, unacknowledged, wamids };
    },
  };
};
