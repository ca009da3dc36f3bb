import { describe, expect, it } from 'vitest';
import { createWidgetStorage } from '../src/storage';

const mapStore = () => {
  const values = new Map<string, string>();
  return {
    values,
    getItem: (key: string) => values.get(key) ?? null,
    setItem: (key: string, value: string) => void values.set(key, value),
    removeItem: (key: string) => void values.delete(key),
  };
};

describe('widget storage', () => {
  it("namespaces keys by creator so two creators' widgets on one site keep separate visitors", () => {
    const backing = mapStore();
    const ana = createWidgetStorage('ana', () => backing);
    const luis = createWidgetStorage('luis', () => backing);
    ana.write('visitor', 'visitor-of-ana-000');
    expect(backing.values.get('companero:ana:visitor')).toBe('visitor-of-ana-000');
    expect(luis.read('visitor')).toBeNull();
    expect(ana.isPersistent).toBe(true);
  });

  it('keeps values in memory when the browser refuses storage altogether', () => {
    const storage = createWidgetStorage('ana', () => {
      throw new DOMException('The operation is insecure.', 'SecurityError');
    });
    storage.write('visitor', 'abc');
    expect(storage.read('visitor')).toBe('abc');
    expect(storage.isPersistent).toBe(false);
  });

  it('falls back to memory when writes fail (a zero quota in private browsing)', () => {
    const backing = {
      ...mapStore(),
      setItem: () => {
        throw new DOMException('QuotaExceededError', 'QuotaExceededError');
      },
    };
    const storage = createWidgetStorage('ana', () => backing);
    storage.write('visitor', 'abc');
    expect(storage.read('visitor')).toBe('abc');
    storage.remove('visitor');
    expect(storage.read('visitor')).toBeNull();
  });
});
