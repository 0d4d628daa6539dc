/** One server-sent event as received. */
export interface ReceivedSse {
  event: string;
  id?: string;
  data: string;
  at: number;
}

export interface SseStream {
  status: number;
  /** The body of a refusal (not a stream). */
  refusal?: string;
  events: ReceivedSse[];
  /** Comment lines (heartbeats) received. */
  comments: number;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

/** Opens a text/event-stream with fetch and collects its events as they arrive (a test's EventSource). */
export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const abort = new AbortController();
  const response = await fetch(url, { headers: { Accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const stream: SseStream = { status: response.status, events: [], comments: 0, ended: Promise.resolve(), close: () => abort.abort() };
  if (!response.ok || !response.body) {
    stream.refusal = await response.text();
    return stream;
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  stream.ended = (async () => {
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields: Record<string, string> = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) stream.comments += 1;
            const colon = line.indexOf(':');
            if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 1).trimStart();
          }
          if (fields['data'] !== undefined) stream.events.push({ event: fields['event'] ?? 'message', id: fields['id'], data: fields['data'], at: Date.now() });
        }
      }
    } catch {
      // Aborted by close().
    }
  })();
  return stream;
}
