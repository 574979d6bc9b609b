import { createServer, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import { createGzip } from 'node:zlib';

/**
 * Receivers that attack the sender instead of answering it, each on its own loopback port. Every
 * one stops working the moment Herald gives up on the connection, so none of them keeps the test
 * process busy, and none buffers what it sends.
 */
export interface HostileReceiver {
  url: string;
  /**
   * Requests that reached the receiver, those still open now, and the most open at once. And, timed
   * here rather than by the sender under test, how long each closed request lasted from its arrival.
   */
  stats: HostileStats;
  close(): Promise<void>;
}

export interface HostileStats {
  requests: number;
  open: number;
  peakOpen: number;
  closedByClient: number;
  /** Milliseconds from a request's arrival to its close, one entry per closed request. */
  durationsMs: number[];
}

const newStats = (): HostileStats => ({ requests: 0, open: 0, peakOpen: 0, closedByClient: 0, durationsMs: [] });

async function listen(server: Server | TcpServer): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
}

function httpReceiver(answer: (response: ServerResponse) => void): Promise<HostileReceiver> {
  const stats = newStats();
  const server = createServer((request, response) => {
    const arrived = performance.now();
    stats.requests++;
    stats.open++;
    stats.peakOpen = Math.max(stats.peakOpen, stats.open);
    response.on('close', () => {
      stats.durationsMs.push(performance.now() - arrived);
      stats.open--;
      if (!response.writableFinished) stats.closedByClient++;
    });
    request.resume();
    request.on('end', () => answer(response));
  });
  return listen(server).then((url) => ({
    url,
    stats,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  }));
}

/** Reads the request and never answers. */
export const neverAnswers = () => httpReceiver(() => {});

/** Answers 200, then sends its body a byte every 100 ms, forever. */
export const tricklesBody = () => httpReceiver((response) => {
  response.writeHead(200, { 'content-type': 'text/plain' });
  const timer = setInterval(() => response.write('.'), 100);
  response.on('close', () => clearInterval(timer));
});

/** Answers 200 with a body of `bytes` (1 GB by default), written only as fast as it is read. */
export const hugeBody = (bytes = 1024 ** 3) => httpReceiver((response) => {
  response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(bytes) });
  const chunk = Buffer.alloc(64 * 1024, 'x');
  let sent = 0;
  const pump = () => {
    while (sent < bytes && !response.destroyed) {
      sent += chunk.length;
      if (!response.write(chunk)) return void response.once('drain', pump);
    }
    if (!response.destroyed) response.end();
  };
  pump();
});

/** Answers 200 with a gzip body of a few hundred KB that inflates to `inflatedBytes` of zeros. */
export async function gzipBomb(inflatedBytes = 256 * 1024 ** 2): Promise<HostileReceiver> {
  const gzip = createGzip({ level: 9 });
  const parts: Buffer[] = [];
  gzip.on('data', (part: Buffer) => parts.push(part));
  const done = new Promise((resolve) => gzip.on('end', resolve));
  const zeros = Buffer.alloc(1024 ** 2);
  for (let written = 0; written < inflatedBytes; written += zeros.length) {
    if (!gzip.write(zeros)) await new Promise((resolve) => gzip.once('drain', resolve));
  }
  gzip.end();
  await done;
  const bomb = Buffer.concat(parts);
  return httpReceiver((response) => {
    response.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip', 'content-length': String(bomb.length) });
    response.end(bomb);
  });
}

/**
 * A raw TCP server that answers each request by sending a valid status line and headers one byte
 * a second. Counts requests, not connections: undici may open a spare connection after an abort.
 */
export async function slowHeaders(): Promise<HostileReceiver> {
  const stats = newStats();
  const head = 'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\n\r\nok';
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    sockets.add(socket);
    let timer: NodeJS.Timeout | undefined;
    let sent = 0;
    let arrived = 0;
    socket.once('data', () => {
      arrived = performance.now();
      stats.requests++;
      stats.open++;
      stats.peakOpen = Math.max(stats.peakOpen, stats.open);
      timer = setInterval(() => (sent < head.length ? socket.write(head[sent++]!) : clearInterval(timer)), 1_000);
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      sockets.delete(socket);
      if (!timer) return;
      clearInterval(timer);
      stats.durationsMs.push(performance.now() - arrived);
      stats.open--;
      if (sent < head.length) stats.closedByClient++;
    });
  });
  const url = await listen(server);
  return {
    url,
    stats,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
