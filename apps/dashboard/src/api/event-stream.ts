/** One server-sent event as the HTML standard dispatches it: `event` defaults to "message". */
export type ServerSentEvent = { event: string; data: string; id: string | null };

/**
 * An incremental parser of `text/event-stream` (https://html.spec.whatwg.org/multipage/server-sent-events.html):
 * feed it text in whatever pieces the network delivers, and it calls `onEvent` for each complete event. Lines end
 * with CRLF, LF or CR; comment lines (`: ping`) are skipped; `data` lines join with "\n"; a blank line
 * dispatches; an event without data is not dispatched; `retry` is reported for reconnection.
 */
export const createEventStreamParser = (
  onEvent: (event: ServerSentEvent) => void,
  onRetry?: (milliseconds: number) => void,
) => {
  let buffer = '';
  let eventType = '';
  let dataLines: string[] = [];
  let hasData = false;
  let lastEventId: string | null = null;
  // A CR at the end of one piece may be the first half of a CRLF split across two pieces.
  let isAfterCarriageReturn = false;

  const dispatch = () => {
    if (hasData) onEvent({ event: eventType || 'message', data: dataLines.join('\n'), id: lastEventId });
    eventType = '';
    dataLines = [];
    hasData = false;
  };

  const processLine = (line: string) => {
    if (line === '') {
      dispatch();
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        eventType = value;
        break;
      case 'data':
        dataLines.push(value);
        hasData = true;
        break;
      case 'id':
        if (!value.includes('\0')) lastEventId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) onRetry?.(Number(value));
        break;
      default:
        break;
    }
  };

  return {
    push(text: string) {
      let chunk = text;
      if (isAfterCarriageReturn && chunk.startsWith('\n')) chunk = chunk.slice(1);
      isAfterCarriageReturn = false;
      buffer += chunk;
      let start = 0;
      for (let index = 0; index < buffer.length; index += 1) {
        const character = buffer[index];
        if (character !== '\n' && character !== '\r') continue;
        processLine(buffer.slice(start, index));
        if (character === '\r') {
          if (index + 1 === buffer.length) isAfterCarriageReturn = true;
          else if (buffer[index + 1] === '\n') index += 1;
        }
        start = index + 1;
      }
      buffer = buffer.slice(start);
    },
    /** The stream ended: an incomplete event at the end is dropped, as the standard says. */
    end() {
      buffer = '';
      eventType = '';
      dataLines = [];
      hasData = false;
    },
    get lastEventId() {
      return lastEventId;
    },
  };
};

/**
 * Reads a `text/event-stream` body to its end, calling `onEvent` for each event. `EventSource` would be simpler but
 * cannot send an Authorization header, so the API's streams are read with `fetch` and this.
 */
export const readEventStream = async (
  body: ReadableStream<Uint8Array>,
  onEvent: (event: ServerSentEvent) => void,
  options: { onActivity?: () => void } = {},
): Promise<void> => {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parser = createEventStreamParser(onEvent);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      options.onActivity?.();
      parser.push(decoder.decode(value, { stream: true }));
    }
    parser.push(decoder.decode());
    parser.end();
  } catch (error) {
    // Whatever stopped the reading (a handler that threw, an abort), the connection is not needed any more.
    await reader.cancel().catch(() => {});
    throw error;
  } finally {
    reader.releaseLock();
  }
};
