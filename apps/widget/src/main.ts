import { CompaneroChatElement, type WidgetConfig } from './chat-element';

declare global {
  interface Window {
    /** The page's handle on the widget; also the marker that the script already ran. */
    Companero?: { open(): void; close(): void };
  }
}

const tagName = 'companero-chat';

/**
 * The script tag: `<script src="https://HOST/widget.js" data-creator="SLUG" async>`. `currentScript` is set while
 * a classic script runs, async or not; the attribute search covers loaders that inject the tag and run it later.
 */
const findOwnScript = (): HTMLScriptElement | null => {
  const current = document.currentScript;
  if (current instanceof HTMLScriptElement && current.dataset.creator) return current;
  return document.querySelector<HTMLScriptElement>('script[data-creator][src*="widget.js"]');
};

const readConfig = (script: HTMLScriptElement): WidgetConfig | null => {
  const data = script.dataset;
  if (!data.creator || !script.src) return null;
  const identity: WidgetConfig['identity'] = {};
  if (data.userId) identity.userId = data.userId;
  if (data.userHash) identity.userHash = data.userHash.toLowerCase();
  if (data.userName) identity.name = data.userName;
  if (data.userEmail) identity.email = data.userEmail;
  return {
    origin: new URL(script.src, document.baseURI).origin,
    creatorSlug: data.creator,
    identity,
    startOpen: data.open === 'true',
  };
};

const boot = () => {
  // The script pasted twice (or by a tag manager and by hand) must still make one widget.
  if (window.Companero || document.querySelector(tagName)) return;
  const script = findOwnScript();
  const config = script ? readConfig(script) : null;
  if (!config) {
    console.warn('Compañero widget: the script tag needs data-creator="your-slug".');
    return;
  }
  if (!customElements.get(tagName)) customElements.define(tagName, CompaneroChatElement);
  const element = document.createElement(tagName) as CompaneroChatElement;
  element.configure(config);
  window.Companero = { open: () => element.open(), close: () => element.close() };
  const attach = () => document.body.appendChild(element);
  // An async script can run before <body> exists when it sits in <head>.
  if (document.body) attach();
  else document.addEventListener('DOMContentLoaded', attach, { once: true });
};

boot();
