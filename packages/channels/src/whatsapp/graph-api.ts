import { defaultWhatsAppApiBaseUrl, defaultWhatsAppApiVersion } from '../connection-types';
import { isRetryableStatus, ProviderError, parseRetryAfter } from '../provider-error';

export type WhatsAppOutbound =
  | { kind: 'text'; to: string; text: string }
  | { kind: 'buttons'; to: string; text: string; buttons: { id: string; title: string }[] }
  | { kind: 'template'; to: string; name: string; language: string; bodyParameters: string[] };

/** WhatsApp Cloud API limits: text body 4096 characters, reply buttons 3 with titles of 20. */
export const whatsappMaxTextLength = 4096;

// Meta's error codes that mean "slow down" even when the HTTP status is 400.
const throttlingCodes = new Set([4, 80007, 130429, 131048, 131056]);

const body = (message: WhatsAppOutbound) => {
  const base = { messaging_product: 'whatsapp', recipient_type: 'individual', to: message.to };
  if (message.kind === 'text')
    return { ...base, type: 'text', text: { preview_url: false, body: message.text } };
  if (message.kind === 'buttons')
    return {
      ...base,
      type: 'interactive',
      interactive: {
        type: 'button',
        body: { text: message.text },
        action: {
          buttons: message.buttons.slice(0, 3).map((button) => ({
            type: 'reply',
            reply: { id: button.id.slice(0, 256), title: button.title.slice(0, 20) },
          })),
        },
      },
    };
  return {
    ...base,
    type: 'template',
    template: {
      name: message.name,
      language: { code: message.language },
      components: message.bodyParameters.length
        ? [{ type: 'body', parameters: message.bodyParameters.map((text) => ({ type: 'text', text })) }]
        : [],
    },
  };
};

/**
 * Sends messages through the WhatsApp Cloud API: `POST {apiBaseUrl}/{version}/{phoneNumberId}/messages` with
 * the access token. Answers the provider's message id (`wamid…`), which later status webhooks name.
 */
export const createWhatsAppGraphApi = (options: {
  phoneNumberId: string;
  accessToken: string;
  apiBaseUrl?: string;
  apiVersion?: string;
  fetchImpl?: typeof fetch;
  timeoutMs?: number;
}) => {
  const base = (options.apiBaseUrl ?? defaultWhatsAppApiBaseUrl).replace(/\/+$/, '');
  const url = `${base}/${options.apiVersion ?? defaultWhatsAppApiVersion}/${options.phoneNumberId}/messages`;
  const doFetch = options.fetchImpl ?? fetch;
  return {
    async send(message: WhatsAppOutbound): Promise<{ providerMessageId: string }> {
      let response: Response;
      try {
        response = await doFetch(url, {
          method: 'POST',
          headers: { authorization: `Bearer ${options.accessToken}`, 'content-type': 'application/json' },
          body: JSON.stringify(body(message)),
          signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
        });
      } catch (error) {
        throw new ProviderError(`WhatsApp unreachable: ${(error as Error).message}`, {
          retryable: true,
          cause: error,
        });
      }
      const payload = (await response.json().catch(() => null)) as {
        messages?: { id: string }[];
        error?: { message?: string; code?: number; error_subcode?: number };
      } | null;
      if (!response.ok) {
        const code = payload?.error?.code;
        const retryable =
          isRetryableStatus(response.status) || (code !== undefined && throttlingCodes.has(code));
        throw new ProviderError(
          `WhatsApp ${response.status}${code ? ` (code ${code})` : ''}: ${payload?.error?.message ?? response.statusText}`,
          {
            retryable,
            status: response.status,
            retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
          },
        );
      }
      const id = payload?.messages?.[0]?.id;
      if (!id)
        throw new ProviderError('WhatsApp answered without a message id', {
          retryable: false,
          status: response.status,
        });
      return { providerMessageId: id };
    },
  };
};

export type WhatsAppGraphApi = ReturnType<typeof createWhatsAppGraphApi>;
