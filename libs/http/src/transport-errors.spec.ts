import type { Socket } from 'node:net';
import type { ConnectionError, FastifyError, FastifyReply } from 'fastify';
import { refuseMalformedRequest, refuseUnroutableUrl } from './transport-errors';

interface Envelope {
  success: boolean;
  error_code: string;
  error: string;
  customer_id: string | null;
  timestamp: string;
  audit_logged: boolean;
}

function fakeSocket(): { socket: Socket; written: string[]; destroyed: () => boolean } {
  const written: string[] = [];
  let destroyed = false;
  const socket = {
    writable: true,
    get destroyed() {
      return destroyed;
    },
    write: (text: string) => written.push(text),
    destroy: () => {
      destroyed = true;
    },
  } as unknown as Socket;
  return { socket, written, destroyed: () => destroyed };
}

const parserError = (code: string): ConnectionError => Object.assign(new Error(code), { code, bytesParsed: 0, rawPacket: { type: 'Buffer', data: [] } });

/** The answer written on the socket: status line and the body as JSON. */
function answerOf(raw: string): { status: number; body: Envelope } {
  const [head, body] = raw.split('\r\n\r\n');
  return { status: Number(head?.split(' ')[1]), body: JSON.parse(body ?? '') as Envelope };
}

describe('refusals below the controllers keep seed 000\'s error shape (hostile-input drill)', () => {
  it('answers a request Node cannot parse with 400 INVALID_REQUEST and closes the connection', () => {
    const { socket, written, destroyed } = fakeSocket();
    refuseMalformedRequest(parserError('HPE_INVALID_HEADER_TOKEN'), socket);
    const answer = answerOf(written.join(''));
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ success: false, error_code: 'INVALID_REQUEST', error: 'Malformed HTTP request', customer_id: null, timestamp: expect.any(String), audit_logged: false });
    expect(destroyed()).toBe(true);
  });

  it('answers headers over the limit with 431', () => {
    const { socket, written } = fakeSocket();
    refuseMalformedRequest(parserError('HPE_HEADER_OVERFLOW'), socket);
    expect(answerOf(written.join(''))).toMatchObject({ status: 431, body: { error_code: 'INVALID_REQUEST' } });
  });

  it('writes nothing on a connection the client reset', () => {
    const { socket, written } = fakeSocket();
    refuseMalformedRequest(parserError('ECONNRESET'), socket);
    expect(written).toEqual([]);
  });

  it('answers URLs the router cannot decode with 400, over-long parameters with 414', () => {
    const sent: Array<{ status: number; body: Envelope }> = [];
    const reply = (): FastifyReply => {
      let status = 0;
      const fake = {
        code: (value: number) => ((status = value), fake),
        type: () => fake,
        send: (body: string) => sent.push({ status, body: JSON.parse(body) as Envelope }),
      };
      return fake as unknown as FastifyReply;
    };
    refuseUnroutableUrl(Object.assign(new Error('bad'), { code: 'FST_ERR_BAD_URL' }) as FastifyError, {}, reply());
    refuseUnroutableUrl(Object.assign(new Error('long'), { code: 'FST_ERR_MAX_PARAM_LENGTH' }) as FastifyError, {}, reply());
    expect(sent).toMatchObject([
      { status: 400, body: { success: false, error_code: 'INVALID_REQUEST', customer_id: null, audit_logged: false } },
      { status: 414, body: { success: false, error_code: 'INVALID_REQUEST' } },
    ]);
  });
});
