import { backends, createTestEnvironment, type TestEnvironment } from '@companero/testing/backends';
import { type Body, type Creator, expectStatus, registerCreator } from '@companero/testing/creator-fixtures';
import { createHttpClient, type HttpClient } from '@companero/testing/http-client';
import { type ServerProcess, startServerProcess } from '@companero/testing/server-process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, openWidgetMember } from '../../../services/channel/test/channel-test-server';
import { enrollMembers, publishProgram } from './program-fixtures';

const members = 12;

/** Two messages a minute apart: the wait between them is a wake-up that must survive the process. */
const twoStepGraph = {
  nodes: [
    { id: 'start', type: 'start', data: { triggers: [{ type: 'manual' }] } },
    { id: 'one', type: 'message', data: { text: 'Step one for {{member.firstName}}' } },
    { id: 'pause', type: 'wait', data: { mode: 'duration', duration: { amount: 1, unit: 'minutes' } } },
    { id: 'two', type: 'message', data: { text: 'Step two for {{member.firstName}}' } },
    { id: 'end', type: 'end', data: {} },
  ],
  edges: [
    { id: 'a', source: 'start', target: 'one' },
    { id: 'b', source: 'one', target: 'pause' },
    { id: 'c', source: 'pause', target: 'two' },
    { id: 'd', source: 'two', target: 'end' },
  ],
};

/**
 * "Killing the server between steps loses and duplicates nothing": the all-in-one server as an operator runs
 * it (`companero start`), SIGKILLed right after enrolling (steps in flight) and again during the wait, then
 * started again on the same data. Every member gets each message exactly once.
 */
describe.each(backends())('programs across SIGKILLs of the server on $name', (backend) => {
  let environment: TestEnvironment;
  let server: ServerProcess | undefined;
  let http: HttpClient;
  let owner: Creator;
  let env: Record<string, string>;

  const restart = async (port: number) => {
    server = await startServerProcess(env, { port });
    http = createHttpClient(server.baseUrl);
  };

  beforeAll(async () => {
    environment = await createTestEnvironment(backend);
    env = {
      ...environment.env,
      RATE_LIMIT_PER_MINUTE: '100000',
      WIDGET_SESSIONS_PER_MINUTE: '1000',
      PROGRAM_SCHEDULER_INTERVAL_MS: '200',
    };
    server = await startServerProcess(env);
    http = createHttpClient(server.baseUrl);
    owner = await registerCreator(http, 'programs-restart');
  });
  afterAll(async () => {
    await server?.stop();
    await environment?.cleanup();
  });

  const messagesOf = async (memberId: string) => {
    const { body } = expectStatus(
      await http.get<Body>(`/api/hub/members/${memberId}/messages?limit=50`, { token: owner.token }),
      200,
    );
    return (body.items as Body[])
      .filter((message) => message.direction === 'out')
      .map((message) => message.content);
  };

  it('sends each step once to every member although the server is killed twice', async () => {
    const enrolled: { id: string; firstName: string }[] = [];
    for (let index = 0; index < members; index += 1) {
      const firstName = `Member${index}`;
      const member = await openWidgetMember(http, owner.slug, { body: { name: `${firstName} Test` } });
      enrolled.push({ id: member.memberId, firstName });
    }
    const program = await publishProgram(http, owner.token, { name: 'Two steps', graph: twoStepGraph });
    await enrollMembers(
      http,
      owner.token,
      program.id,
      enrolled.map((member) => member.id),
    );
    const port = server!.port;
    // Killed while the first steps run (or wait in the queue).
    await server!.kill();
    await restart(port);

    const firstStepsSent = await eventually(
      async () => {
        const all = await Promise.all(enrolled.map((member) => messagesOf(member.id)));
        return all.every((sent) => sent.length >= 1) ? all : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(firstStepsSent.flat().some((text) => text.startsWith('Step two'))).toBe(false);
    // Killed again during the one-minute wait: the wake-ups are in the database, not in the process.
    await server!.kill();
    await restart(port);

    const everything = await eventually(
      async () => {
        const all = await Promise.all(enrolled.map((member) => messagesOf(member.id)));
        return all.every((sent) => sent.some((text) => text.startsWith('Step two'))) ? all : undefined;
      },
      { timeoutMs: 150_000, intervalMs: 1000 },
    );
    // A moment more, so a duplicate still in flight would show.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const final = await Promise.all(enrolled.map((member) => messagesOf(member.id)));
    expect(final).toEqual(everything);
    enrolled.forEach((member, index) => {
      expect(final[index]!.slice().sort()).toEqual([
        `Step one for ${member.firstName}`,
        `Step two for ${member.firstName}`,
      ]);
    });
    const { body } = expectStatus(
      await http.get<Body>(`/api/hub/programs/${program.id}/enrollments?limit=100`, { token: owner.token }),
      200,
    );
    expect((body.items as Body[]).map((enrollment) => enrollment.status)).toEqual(
      Array(members).fill('completed'),
    );
  }, 420_000);
});
