import { ValidationError } from '@herald/core';
import type { PollPosition } from '@herald/storage';

const MAX_TX = 2n ** 64n - 1n;
const MAX_SEQ = 2n ** 63n - 1n;
const SHAPE = /^(\d{1,20})\.(\d{1,19})$/;

/** A log position as the opaque iterator a poll answers with (base64url, so clients do not parse it). */
export function iteratorOf(position: PollPosition): string {
  return Buffer.from(`${position.tx}.${position.seq}`).toString('base64url');
}

/** The position an iterator names, or null when it is not one Herald gave. */
export function positionOf(iterator: string): PollPosition | null {
  if (iterator.length > 64 || !/^[A-Za-z0-9_-]+$/.test(iterator)) return null;
  const match = SHAPE.exec(Buffer.from(iterator, 'base64url').toString('latin1'));
  if (!match) return null;
  const tx = BigInt(match[1]!);
  const seq = BigInt(match[2]!);
  if (tx > MAX_TX || seq > MAX_SEQ) return null;
  return { tx: tx.toString(), seq: seq.toString() };
}

/** positionOf for request input: a bogus iterator is the client's error (422), never a 500 from the database. */
export function requirePosition(iterator: string, where: 'query' | 'header', name: string): PollPosition {
  const position = positionOf(iterator);
  if (!position) {
    throw new ValidationError([{ loc: [where, name], msg: 'must be an iterator a previous poll returned', type: 'value_error.iterator' }]);
  }
  return position;
}
