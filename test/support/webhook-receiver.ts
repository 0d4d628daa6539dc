import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
  receivedAt: number;
}

/** How the receiver answers its n-th request (0-based): a status, or 'hold' to never answer. */
export type Responder = (index: number, request: ReceivedWebhook) => number | 'hold';

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** Requests whose answer is held back (see Responder). */
  held: ServerResponse[];
  /** The most requests this receiver had open at once. */
  maxOpen(): number;
  close(): Promise<void>;
}

/** A real HTTP server standing in for a customer's webhook endpoint; it records every request. */
export async function startWebhookReceiver(respond: Responder = () => 200): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const held: ServerResponse[] = [];
  let open = 0;
  let maxOpen = 0;
  const server = createServer((request, response) => {
    maxOpen = Math.max(maxOpen, ++open);
    response.once('close', () => open--);
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const webhook = { headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), receivedAt: Date.now() };
      const answer = respond(received.length, webhook);
      received.push(webhook);
      if (answer === 'hold') held.push(response);
      else response.writeHead(answer).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    held,
    maxOpen: () => maxOpen,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
