import { connect } from 'node:net';

/**
 * One HTTP/1.1 request written as raw bytes on its own socket, so a test can send what no HTTP
 * client would (NUL bytes in headers, conflicting lengths, unknown methods, a body that trickles or
 * stops). Only the answer's status line is read; the connection is then closed.
 */
export interface RawRequest {
  /** Request line and headers, without the blank line that ends them; or everything, when `raw` is set. */
  head: string;
  body?: Buffer;
  /** Send the body in this many pieces, `dripMs` apart (a slow sender). */
  pieces?: number;
  dripMs?: number;
  /** Stop after this many bytes of the body and keep the connection open (a sender that stalls). */
  stallAfter?: number;
  /** Bytes sent as they are, head and body together (a malformed request). */
  raw?: Buffer;
}

/** The answer's status (0 if the connection ended without one), and why the connection ended if it did. */
export interface RawAnswer { status: number; error: string | null; ms: number }

/** The error of a connection the server closed while the client was still sending its body. */
export const CLOSED_WHILE_SENDING = 'closed by the server while the body was still being sent';

export function sendRaw(port: number, request: RawRequest, timeoutMs: number): Promise<RawAnswer> {
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    let done = false;
    let writing = false;
    const finish = (status: number, error: string | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ status, error, ms: Date.now() - started });
    };
    const timer = setTimeout(() => finish(0, `no answer in ${timeoutMs} ms`), timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(received.subarray(0, 16).toString('latin1'));
      if (match) finish(Number(match[1]), null);
      else if (received.length >= 16) finish(0, `not an HTTP answer: ${JSON.stringify(received.subarray(0, 40).toString('latin1'))}`);
    });
    // An answer may come while we are still writing and the server then closes: the status read counts.
    // A server that refuses a body mid-upload answers and closes; the client's next write then meets a
    // reset, which can discard the answer before it is read (TCP, not the server): said as such.
    socket.on('error', (error) => setTimeout(() => finish(0, writing
      ? `${CLOSED_WHILE_SENDING}: ${error.message}` : `connection error without an answer: ${error.message}`), 50));
    socket.on('close', () => setTimeout(() => finish(0, 'connection closed without an answer'), 50));
    socket.on('connect', () => {
      if (request.raw) {
        socket.write(request.raw);
        return;
      }
      socket.write(`${request.head}\r\n\r\n`, 'latin1');
      const body = request.body ?? Buffer.alloc(0);
      const sent = request.stallAfter === undefined ? body : body.subarray(0, request.stallAfter);
      const pieces = Math.max(1, request.pieces ?? 1);
      const size = Math.ceil(sent.length / pieces);
      let at = 0;
      writing = sent.length > 0;
      const next = () => {
        if (done || socket.destroyed || at >= sent.length) return;
        at += size;
        const last = at >= sent.length;
        socket.write(sent.subarray(at - size, at), (error) => {
          if (!error && last) writing = false;
        });
        if (at < sent.length) setTimeout(next, request.dripMs ?? 0);
      };
      next();
    });
  });
}
