import '@testing-library/jest-dom/vitest';
import { cleanup, configure } from '@testing-library/react';
import { afterEach, vi } from 'vitest';

// jsdom lacks a few browser APIs the dashboard uses; these stand-ins behave enough like them for tests.
if (!HTMLDialogElement.prototype.showModal) {
  HTMLDialogElement.prototype.showModal = function showModal(this: HTMLDialogElement) {
    this.setAttribute('open', '');
  };
  HTMLDialogElement.prototype.close = function close(this: HTMLDialogElement) {
    this.removeAttribute('open');
    this.dispatchEvent(new Event('close'));
  };
}

class ResizeObserverStandIn {
  observe() {}
  unobserve() {}
  disconnect() {}
}
globalThis.ResizeObserver ??= ResizeObserverStandIn as unknown as typeof ResizeObserver;

URL.createObjectURL ??= vi.fn(() => 'blob:test');
URL.revokeObjectURL ??= vi.fn();

afterEach(() => {
  cleanup();
  window.localStorage.clear();
  vi.useRealTimers();
});

// The whole app renders in these tests (lazy pages included); on a busy machine one second is not enough.
configure({ asyncUtilTimeout: 5000 });
