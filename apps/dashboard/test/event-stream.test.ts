import { describe, expect, it } from 'vitest';
import { createEventStreamParser, readEventStream, type ServerSentEvent } from '../src/api/event-stream';
import { reconnectDelay } from '../src/features/knowledge/use-knowledge-events';

const parseAll = (pieces: string[]) => {
  const events: ServerSentEvent[] = [];
  const retries: number[] = [];
  const parser = createEventStreamParser(
    (event) => events.push(event),
    (milliseconds) => retries.push(milliseconds),
  );
  for (const piece of pieces) parser.push(piece);
  parser.end();
  return { events, retries };
};

/** Every way of cutting `text` into two pieces. */
const everySplit = (text: string) =>
  Array.from({ length: text.length + 1 }, (_, index) => [text.slice(0, index), text.slice(index)]);

describe('the server-sent events parser', () => {
  it('reads named events with JSON data, the way the API sends them', () => {
    const { events } = parseAll([
      ': connected\n\n',
      'event: document\ndata: {"documentId":"d1","status":"processing","progress":0.4}\n\n',
      'id: 7\nevent: token\ndata: {"delta":"Hi"}\n\n',
    ]);
    expect(events).toEqual([
      { event: 'document', data: '{"documentId":"d1","status":"processing","progress":0.4}', id: null },
      { event: 'token', data: '{"delta":"Hi"}', id: '7' },
    ]);
  });

  it('gives the same events however the network cuts the text, CRLF split included', () => {
    const text = 'event: token\r\ndata: {"delta":"a"}\r\n\r\n: ping\r\nevent: done\r\ndata: {}\r\n\r\n';
    const expected = parseAll([text]).events;
    expect(expected.map((event) => event.event)).toEqual(['token', 'done']);
    for (const pieces of everySplit(text)) expect(parseAll(pieces).events).toEqual(expected);
    expect(parseAll([...text]).events).toEqual(expected);
  });

  it('joins data lines with newlines, defaults the event name, and accepts CR-only line ends', () => {
    const { events } = parseAll(['data: first\rdata:second\r\rdata\n\n']);
    expect(events).toEqual([
      { event: 'message', data: 'first\nsecond', id: null },
      { event: 'message', data: '', id: null },
    ]);
  });

  it('skips comments and events without data, and drops an event the stream cut off', () => {
    const { events, retries } = parseAll([
      ': ping\n\nevent: lonely\n\nretry: 3000\nevent: half\ndata: never ends',
    ]);
    expect(events).toEqual([]);
    expect(retries).toEqual([3000]);
  });

  it('decodes UTF-8 characters split across network chunks', async () => {
    const bytes = new TextEncoder().encode('event: token\ndata: {"delta":"Compañero ✓"}\n\n');
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        // One byte at a time: every multi-byte character arrives in pieces.
        for (const byte of bytes) controller.enqueue(new Uint8Array([byte]));
        controller.close();
      },
    });
    const events: ServerSentEvent[] = [];
    let chunks = 0;
    await readEventStream(body, (event) => events.push(event), { onActivity: () => (chunks += 1) });
    expect(events).toEqual([{ event: 'token', data: '{"delta":"Compañero ✓"}', id: null }]);
    expect(chunks).toBe(bytes.length);
  });

  it('cancels the connection when a handler throws', async () => {
    let isCancelled = false;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('data: not json\n\n'));
      },
      cancel() {
        isCancelled = true;
      },
    });
    await expect(readEventStream(body, (event) => JSON.parse(event.data))).rejects.toThrow(SyntaxError);
    expect(isCancelled).toBe(true);
  });
});

describe('the live stream reconnection', () => {
  it('waits twice as long after each failed attempt, up to a ceiling, with some jitter', () => {
    const noJitter = () => 1;
    expect([0, 1, 2, 3, 10].map((attempt) => reconnectDelay(attempt, 1000, 30_000, noJitter))).toEqual([
      1000, 2000, 4000, 8000, 30_000,
    ]);
    expect(reconnectDelay(0, 1000, 30_000, () => 0)).toBe(800);
  });
});
