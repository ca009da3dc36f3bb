import { connect } from 'node:net';
import { isDatabaseUnavailable } from '@companero/core/http/unavailable';
import { describe, expect, it } from 'vitest';

const withCode = (code: string, message = 'failure') => Object.assign(new Error(message), { code });

/** The error node gives when nothing listens on a port: a real ECONNREFUSED, not a hand-made one. */
const refusedConnectionError = () =>
  new Promise<Error>((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: 1 });
    socket.on('error', resolve);
  });

describe('isDatabaseUnavailable', () => {
  it('recognises a refused connection', async () => {
    const error = await refusedConnectionError();
    expect((error as { code?: string }).code).toBe('ECONNREFUSED');
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each(['57P01', '57P02', '57P03', '53300', '08006', 'ETIMEDOUT', 'ENOTFOUND'])(
    'recognises the server-side or network code %s',
    (code) => {
      expect(isDatabaseUnavailable(withCode(code))).toBe(true);
    },
  );

  it('recognises pool timeouts and terminated connections by their message', () => {
    expect(isDatabaseUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
  });

  it('looks through causes wrapped around the driver error', () => {
    const driver = withCode('57P01', 'terminating connection due to administrator command');
    const repository = new Error('could not load members', { cause: driver });
    const service = new Error('could not build the audience page', { cause: repository });
    expect(isDatabaseUnavailable(service)).toBe(true);
  });

  it('stops looking after four levels of causes', () => {
    let error: Error = withCode('ECONNREFUSED');
    for (let level = 0; level < 4; level += 1) error = new Error(`wrapper ${level}`, { cause: error });
    expect(isDatabaseUnavailable(error)).toBe(false);
  });

  it('does not mistake a wrong query or a constraint violation for an outage', () => {
    expect(isDatabaseUnavailable(withCode('42601', 'syntax error at or near "selec"'))).toBe(false);
    expect(isDatabaseUnavailable(withCode('23505', 'duplicate key value'))).toBe(false);
    expect(isDatabaseUnavailable(new Error('boom'))).toBe(false);
  });

  it('answers false for values that are not errors', () => {
    expect(isDatabaseUnavailable(undefined)).toBe(false);
    expect(isDatabaseUnavailable('ECONNREFUSED')).toBe(false);
    expect(isDatabaseUnavailable({ code: 404 })).toBe(false);
  });
});
