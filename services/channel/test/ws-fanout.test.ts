import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  type Backend,
  backends,
  createTestEnvironment,
  type TestEnvironment,
} from '@companero/testing/backends';
import { type Body, type Creator, registerCreator } from '@companero/testing/creator-fixtures';
import { createHttpClient, type HttpClient } from '@companero/testing/http-client';
import {
  repositoryRoot,
  type ServerProcess,
  startServerProcess as startProcess,
} from '@companero/testing/server-process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectWs, openWidgetMember, type WidgetMember, type WsClient } from './channel-test-server';

const run = promisify(execFile);

/**
 * Where the two sides of a conversation connect. With Redis, two server processes share PostgreSQL and Redis
 * (events cross between them through Redis pub/sub); without it the in-process pub/sub reaches one process
 * only, so both sides connect to that one.
 */
const topology = (backend: Backend) => (backend.usesRedis ? 'two processes' : 'one process');

describe.each(backends().map((backend) => ({ ...backend, topology: topology(backend) })))(
  'WebSocket events across servers on $name ($topology)',
  (backend) => {
    let environment: TestEnvironment;
    let secondDataDir: string | undefined;
    // Every process that started, so none outlives the test even when its sibling failed to start.
    const started: ServerProcess[] = [];
    let first: ServerProcess;
    let second: ServerProcess;
    let http: HttpClient;
    let owner: Creator;
    let member: WidgetMember;
    const clients: WsClient[] = [];
    const connect = async (server: ServerProcess, token: string) => {
      const client = await connectWs(server.baseUrl, token, { channel: 'widget' });
      clients.push(client);
      return client;
    };
    const isMessage = (frame: Body) => frame.type === 'message';

    beforeAll(async () => {
      environment = await createTestEnvironment(backend);
      const env = { ...environment.env, RATE_LIMIT_PER_MINUTE: '100000', WIDGET_SESSIONS_PER_MINUTE: '1000' };
      const companero = (...args: string[]) =>
        run(process.execPath, ['--import', 'tsx', 'apps/server/src/main.ts', ...args], {
          cwd: repositoryRoot,
          env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
          // Generous: on a loaded machine a cold `tsx` start alone takes tens of seconds.
          timeout: 240_000,
        }).catch((error: { message: string; signal?: string; stderr?: string }) => {
          throw new Error(
            `companero ${args.join(' ')} failed (${error.signal ?? 'exit'}): ${error.stderr ?? ''}`,
          );
        });
      // Migrations run once per deploy, before the processes start.
      await companero('db', 'migrate');
      if (backend.topology === 'two processes') {
        // Each process runs its own embedded Chroma, so each has its own data directory.
        secondDataDir = mkdtempSync(join(tmpdir(), 'companero-fanout-'));
        const starts = await Promise.allSettled([
          startProcess(env),
          startProcess({ ...env, DATA_DIR: secondDataDir }),
        ]);
        for (const start of starts) if (start.status === 'fulfilled') started.push(start.value);
        for (const start of starts) if (start.status === 'rejected') throw start.reason;
        [first, second] = started as [ServerProcess, ServerProcess];
      } else {
        first = await startProcess(env);
        started.push(first);
        second = first;
      }
      http = createHttpClient(first.baseUrl);
      owner = await registerCreator(http, 'fanout-owner');
      member = await openWidgetMember(http, owner.slug);
    }, 600_000);

    afterEach(async () => {
      await Promise.all(clients.splice(0).map((client) => client.close()));
    });

    afterAll(async () => {
      await Promise.allSettled(started.map((server) => server.stop()));
      await environment?.cleanup();
      if (secondDataDir) rmSync(secondDataDir, { recursive: true, force: true });
    }, 60_000);

    it("streams a member's conversation written on one server to the member's and the team's sockets on the other", async () => {
      const writer = await connect(first, member.token);
      const otherDevice = await connect(second, member.token);
      const team = await connectWs(second.baseUrl, owner.token);
      clients.push(team);
      for (const client of [writer, otherDevice, team])
        await client.waitFor((frame) => frame.type === 'ready');

      writer.send({ type: 'message', clientId: 'across-1', text: 'How do I build a habit?' });
      const ack = await writer.waitFor((frame) => frame.type === 'ack');
      const reply = await writer.waitFor((frame) => isMessage(frame) && frame.message.author === 'coach', {
        timeoutMs: 60_000,
      });

      for (const watcher of [otherDevice, team]) {
        const question = await watcher.waitFor(
          (frame) => isMessage(frame) && frame.message.id === ack.messageId,
        );
        const answer = await watcher.waitFor(
          (frame) => isMessage(frame) && frame.message.id === reply.message.id,
        );
        expect(question.eventId).toBe(
          writer.frames.find((frame) => isMessage(frame) && frame.message.id === ack.messageId)!.eventId,
        );
        expect(answer.eventId).toBe(reply.eventId);
      }
      // The member's other device also saw the reply being written; the team sees stored messages only.
      const tokens = otherDevice.frames.filter((frame) => frame.type === 'token');
      expect(tokens.map((frame) => frame.delta).join('')).toBe(reply.message.content);
      expect(team.frames.filter((frame) => frame.type === 'token')).toEqual([]);

      // And the other way round: written on the second server, seen on the first.
      otherDevice.send({ type: 'message', clientId: 'across-2', text: 'Thanks!' });
      const back = await otherDevice.waitFor(
        (frame) => frame.type === 'ack' && frame.clientId === 'across-2',
      );
      const thanks = await writer.waitFor((frame) => isMessage(frame) && frame.message.id === back.messageId);
      // Its reply reaches both devices too (and is not left in flight for the next test).
      for (const device of [writer, otherDevice])
        await device.waitFor(
          (frame) =>
            isMessage(frame) &&
            frame.message.author === 'coach' &&
            BigInt(frame.eventId) > BigInt(thanks.eventId),
          { timeoutMs: 60_000 },
        );
    });

    it('replays from PostgreSQL, on the other server, what a disconnected device missed', async () => {
      const device = await connect(second, member.token);
      const ready = await device.waitFor((frame) => frame.type === 'ready');
      await device.close();

      const writer = await connect(first, member.token);
      // Once ready, the socket receives every later event live.
      await writer.waitFor((frame) => frame.type === 'ready');
      writer.send({ type: 'message', clientId: 'missed-1', text: 'What should I do after a missed day?' });
      const ack = await writer.waitFor((frame) => frame.type === 'ack');
      const question = await writer.waitFor(
        (frame) => isMessage(frame) && frame.message.id === ack.messageId,
      );
      const reply = await writer.waitFor(
        (frame) =>
          isMessage(frame) &&
          frame.message.author === 'coach' &&
          BigInt(frame.eventId) > BigInt(question.eventId),
        { timeoutMs: 60_000 },
      );
      const missed = writer.frames.filter(isMessage);
      expect(missed.map((frame) => [frame.message.id, frame.eventId, frame.message.author])).toEqual([
        [ack.messageId, expect.any(String), 'member'],
        [reply.message.id, reply.eventId, 'coach'],
      ]);

      const back = await connect(second, member.token);
      back.send({ type: 'resume', lastEventId: ready.lastEventId });
      expect(await back.waitFor((frame) => frame.type === 'resumed')).toEqual({
        type: 'resumed',
        lastEventId: reply.eventId,
        replayed: 2,
      });
      expect(back.frames.filter(isMessage).map((frame) => [frame.eventId, frame.message.id])).toEqual(
        missed.map((frame) => [frame.eventId, frame.message.id]),
      );
    });
  },
);
