import { ConflictError, NotFoundError, type InspectorBin, type InspectorCapture, type NewInspectorCapture } from '@herald/core';
import { FOREIGN_KEY_VIOLATION, UNIQUE_VIOLATION, isPgError, type Queryable } from '../sql.ts';

interface BinRow { id: string; token: string; created_at: number; expires_at: number }
interface CaptureRow {
  seq: number; bin_id: string; method: string; path: string; headers: Array<[string, string]>; body: Buffer; source_ip: string;
  received_at: number;
}

const toBin = (row: BinRow): InspectorBin => ({ id: row.id, token: row.token, createdAt: row.created_at, expiresAt: row.expires_at });
const toCapture = (row: CaptureRow): InspectorCapture => ({
  seq: row.seq, binId: row.bin_id, method: row.method, path: row.path, headers: row.headers,
  body: new Uint8Array(row.body), sourceIp: row.source_ip, receivedAt: row.received_at,
});

export async function createBin(db: Queryable, bin: InspectorBin): Promise<void> {
  try {
    await db.query('INSERT INTO inspector_bins (id, token, created_at, expires_at) VALUES ($1, $2, $3, $4)',
      [bin.id, bin.token, bin.createdAt, bin.expiresAt]);
  } catch (error) {
    if (isPgError(error, UNIQUE_VIOLATION)) throw new ConflictError('An inspector bin with this id or token already exists.');
    throw error;
  }
}

export async function getBin(db: Queryable, token: string, now: number): Promise<InspectorBin | undefined> {
  const { rows } = await db.query<BinRow>('SELECT * FROM inspector_bins WHERE token = $1 AND expires_at > $2', [token, now]);
  return rows[0] && toBin(rows[0]);
}

export async function listBins(db: Queryable, now: number): Promise<InspectorBin[]> {
  const { rows } = await db.query<BinRow>('SELECT * FROM inspector_bins WHERE expires_at > $1 ORDER BY created_at DESC, id DESC', [now]);
  return rows.map(toBin);
}

export async function deleteBin(db: Queryable, id: string): Promise<boolean> {
  return ((await db.query('DELETE FROM inspector_bins WHERE id = $1', [id])).rowCount ?? 0) > 0;
}

/**
 * Stores the capture and, in the same statement, trims the bin to its newest `keep` (a ring
 * buffer). The statement's snapshot does not see the row it inserts, so the new capture plus the
 * `keep - 1` newest older ones stay.
 */
export async function addCapture(db: Queryable, capture: NewInspectorCapture, keep: number): Promise<InspectorCapture> {
  try {
    const { rows } = await db.query<{ seq: number }>(`WITH added AS (
        INSERT INTO inspector_captures (bin_id, method, path, headers, body, source_ip, received_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING seq
      ), trimmed AS (
        DELETE FROM inspector_captures WHERE bin_id = $1 AND seq <= (
          SELECT seq FROM inspector_captures WHERE bin_id = $1 ORDER BY seq DESC LIMIT 1 OFFSET $8)
      )
      SELECT seq FROM added`,
    [capture.binId, capture.method, capture.path, JSON.stringify(capture.headers),
      Buffer.from(capture.body.buffer, capture.body.byteOffset, capture.body.byteLength), capture.sourceIp, capture.receivedAt,
      Math.max(keep - 1, 0)]);
    return { ...capture, seq: rows[0]!.seq };
  } catch (error) {
    if (isPgError(error, FOREIGN_KEY_VIOLATION)) throw new NotFoundError('Inspector bin');
    throw error;
  }
}

export async function listCaptures(db: Queryable, binId: string, afterSeq: number, limit: number): Promise<InspectorCapture[]> {
  const { rows } = await db.query<CaptureRow>('SELECT * FROM inspector_captures WHERE bin_id = $1 AND seq > $2 ORDER BY seq LIMIT $3',
    [binId, afterSeq, limit]);
  return rows.map(toCapture);
}

export async function purgeBins(db: Queryable, now: number): Promise<number> {
  return (await db.query('DELETE FROM inspector_bins WHERE expires_at <= $1', [now])).rowCount ?? 0;
}
