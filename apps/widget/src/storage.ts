/** A string store that never throws: what the widget keeps between page loads. */
export type WidgetStorage = {
  read(name: string): string | null;
  write(name: string, value: string): void;
  remove(name: string): void;
  /** False when the browser refused storage and values last only as long as the page. */
  readonly isPersistent: boolean;
};

type StringStore = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

/**
 * Keys are namespaced by creator slug (`companero:<slug>:<name>`) so two creators' widgets on one site never
 * share a visitor. Safari private mode, disabled cookies and sandboxed iframes make `localStorage` throw on
 * access or on write; the widget then keeps values in memory and still works for the page's lifetime.
 */
export const createWidgetStorage = (slug: string, backing: () => StringStore | null = defaultBacking) => {
  const memory = new Map<string, string>();
  const prefix = `companero:${slug}:`;
  let store: StringStore | null = null;
  try {
    store = backing();
    // Reading can succeed where writing throws (quota 0 in old Safari private mode), so probe a write.
    store?.setItem(`${prefix}probe`, '1');
    store?.removeItem(`${prefix}probe`);
  } catch {
    store = null;
  }

  const storage: WidgetStorage = {
    get isPersistent() {
      return store !== null;
    },
    read(name) {
      const key = prefix + name;
      if (store) {
        try {
          return store.getItem(key);
        } catch {
          store = null;
        }
      }
      return memory.get(key) ?? null;
    },
    write(name, value) {
      const key = prefix + name;
      memory.set(key, value);
      if (!store) return;
      try {
        store.setItem(key, value);
      } catch {
        // Quota or a policy change mid-page: the in-memory copy is what we have from now on.
        store = null;
      }
    },
    remove(name) {
      const key = prefix + name;
      memory.delete(key);
      try {
        store?.removeItem(key);
      } catch {
        store = null;
      }
    },
  };
  return storage;
};

const defaultBacking = (): StringStore | null =>
  typeof localStorage === 'undefined' ? null : (globalThis.localStorage as StringStore);
