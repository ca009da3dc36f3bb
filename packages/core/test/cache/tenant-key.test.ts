import { globalKey, tenantKey } from '@companero/core/cache/tenant-key';
import { describe, expect, it } from 'vitest';

const creatorId = '0b9f6a4e-2c1d-4e8a-9f3b-5d7c8e9a1b2c';

describe('tenantKey', () => {
  it('names a key {key_type}:creator_{creator_id}:{identifier}', () => {
    expect(tenantKey('memory', creatorId, 'conv-42')).toBe(`memory:creator_${creatorId}:conv-42`);
  });

  it('lower-cases the creator id so one tenant never has two key spaces', () => {
    expect(tenantKey('session', creatorId.toUpperCase(), 'x')).toBe(`session:creator_${creatorId}:x`);
  });

  it('refuses a creator id that is not a UUID', () => {
    expect(() => tenantKey('memory', 'creator-a', 'x')).toThrow(/creatorId must be a UUID/);
    expect(() => tenantKey('memory', '', 'x')).toThrow(/creatorId must be a UUID/);
    expect(() => tenantKey('memory', `${creatorId}:other`, 'x')).toThrow(/creatorId must be a UUID/);
  });

  it('refuses key types that could shift the creator out of its position', () => {
    expect(() => tenantKey('memory:creator_x', creatorId, 'y')).toThrow(/bad key type/);
    expect(() => tenantKey('Memory', creatorId, 'y')).toThrow(/bad key type/);
    expect(() => tenantKey('', creatorId, 'y')).toThrow(/bad key type/);
    expect(() => tenantKey('1memory', creatorId, 'y')).toThrow(/bad key type/);
  });
});

describe('globalKey', () => {
  it('names non-tenant keys {key_type}:global:{identifier}', () => {
    expect(globalKey('login_ip', '203.0.113.9')).toBe('login_ip:global:203.0.113.9');
  });
});
