import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors/app-error';
import { assertPublicUrl, isPrivateAddress } from '../../src/http/private-address';

describe('isPrivateAddress', () => {
  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.10',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    '[::1]',
    'fe80::1',
    'fd00::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
    '2001:db8::1',
    '224.0.0.1',
  ])('counts %s as private', (address) => {
    expect(isPrivateAddress(address)).toBe(true);
  });

  it.each(['8.8.8.8', '93.184.215.14', '2606:4700:4700::1111', '::ffff:8.8.8.8'])(
    'counts %s as public',
    (address) => {
      expect(isPrivateAddress(address)).toBe(false);
    },
  );

  it('does not judge a hostname (it has to be resolved first)', () => {
    expect(isPrivateAddress('example.com')).toBe(false);
  });
});

describe('assertPublicUrl', () => {
  const resolvesTo =
    (...addresses: string[]) =>
    async () =>
      addresses.map((address) => ({ address }));

  it('refuses an IP literal in a private range without resolving anything', async () => {
    const lookup = async () => {
      throw new Error('should not resolve an IP literal');
    };
    await expect(
      assertPublicUrl('http://127.0.0.1:8080/hook', { allowPrivate: false, lookup }),
    ).rejects.toThrow('127.0.0.1 is a private, loopback or link-local address');
    await expect(
      assertPublicUrl('http://[::1]/hook', { allowPrivate: false, lookup }),
    ).rejects.toBeInstanceOf(AppError);
    // The URL parser normalizes other spellings of 127.0.0.1.
    await expect(assertPublicUrl('http://0x7f.1/hook', { allowPrivate: false, lookup })).rejects.toThrow(
      '127.0.0.1',
    );
  });

  it('refuses a hostname when any of its addresses is private', async () => {
    await expect(
      assertPublicUrl('https://hooks.example.com/x', {
        allowPrivate: false,
        lookup: resolvesTo('93.184.215.14', '10.0.0.5'),
      }),
    ).rejects.toThrow('hooks.example.com resolves to 10.0.0.5');
  });

  it('returns the checked addresses of a public hostname', async () => {
    await expect(
      assertPublicUrl('https://hooks.example.com/x', {
        allowPrivate: false,
        lookup: resolvesTo('93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'),
      }),
    ).resolves.toEqual({
      hostname: 'hooks.example.com',
      addresses: ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'],
    });
  });

  it('lets every address through when private addresses are allowed', async () => {
    await expect(assertPublicUrl('http://127.0.0.1/hook', { allowPrivate: true })).resolves.toEqual({
      hostname: '127.0.0.1',
      addresses: [],
    });
  });

  it('passes DNS failures through to the caller', async () => {
    const lookup = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND nowhere.invalid'), { code: 'ENOTFOUND' });
    };
    await expect(
      assertPublicUrl('https://nowhere.invalid/', { allowPrivate: false, lookup }),
    ).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });
});
