import type { Readable } from 'node:stream';
import { BadRequestError } from '@herald/core';

/** What reading a body gave: its bytes, or the news that it passed the limit (and was not read further). */
export type ReadBody = { ok: true; body: Buffer } | { ok: false; tooLarge: true };

/**
 * Reads a request body as bytes, up to `limit`. A declared Content-Length over the limit is refused
 * before any byte is read; a chunked body is cut off the moment it passes the limit, so a sender
 * can never make Herald hold more than `limit` bytes of one request.
 */
export function readBodyWithin(stream: Readable, declaredLength: string | undefined, limit: number): Promise<ReadBody> {
  if (declaredLength !== undefined && Number(declaredLength) > limit) return Promise.resolve({ ok: false, tooLarge: true });
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = () => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('aborted', onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        finish();
        stream.pause();
        resolve({ ok: false, tooLarge: true });
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      finish();
      if (declaredLength !== undefined && Number(declaredLength) !== size) {
        reject(new BadRequestError('The request body is shorter or longer than its Content-Length.'));
        return;
      }
      resolve({ ok: true, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size) });
    };
    const onError = () => {
      finish();
      reject(new BadRequestError('The request body could not be read to its end.'));
    };
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.on('aborted', onError);
    stream.resume();
  });
}
