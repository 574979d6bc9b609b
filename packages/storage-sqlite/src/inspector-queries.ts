import type Database from 'better-sqlite3';
import { ConflictError, NotFoundError, type InspectorBin, type InspectorCapture, type NewInspectorCapture } from '@herald/core';

interface BinRow { id: string; token: string; created_at: number; expires_at: number }
interface CaptureRow {
  seq: number; bin_id: string; method: string; path: string; headers: string; body: Buffer; source_ip: string; received_at: number;
}

const toBin = (row: BinRow): InspectorBin => ({ id: row.id, token: row.token, createdAt: row.created_at, expiresAt: row.expires_at });
const toCapture = (row: CaptureRow): InspectorCapture => ({
  seq: row.seq, binId: row.bin_id, method: row.method, path: row.path, headers: JSON.parse(row.headers),
  body: new Uint8Array(row.body), sourceIp: row.source_ip, receivedAt: row.received_at,
});

/** The request inspector's tables (migration 0002), for SqliteStore to delegate to. */
export class InspectorQueries {
  constructor(
    private readonly db: Database.Database,
    private readonly stmt: (sql: string) => Database.Statement,
  ) {}

  createBin(bin: InspectorBin): void {
    try {
      this.stmt('INSERT INTO inspector_bins (id, token, created_at, expires_at) VALUES (?, ?, ?, ?)')
        .run(bin.id, bin.token, bin.createdAt, bin.expiresAt);
    } catch (error) {
      if (sqliteCode(error)?.startsWith('SQLITE_CONSTRAINT')) throw new ConflictError('An inspector bin with this id or token already exists.');
      throw error;
    }
  }

  getBin(token: string, now: number): InspectorBin | undefined {
    const row = this.stmt('SELECT * FROM inspector_bins WHERE token = ? AND expires_at > ?').get(token, now) as BinRow | undefined;
    return row ? toBin(row) : undefined;
  }

  listBins(now: number): InspectorBin[] {
    return (this.stmt('SELECT * FROM inspector_bins WHERE expires_at > ? ORDER BY created_at DESC, id DESC').all(now) as BinRow[]).map(toBin);
  }

  deleteBin(id: string): boolean {
    return this.stmt('DELETE FROM inspector_bins WHERE id = ?').run(id).changes > 0;
  }

  addCapture(capture: NewInspectorCapture, keep: number): InspectorCapture {
    const add = this.db.transaction(() => {
      let seq: number;
      try {
        seq = Number(this.stmt(`INSERT INTO inspector_captures (bin_id, method, path, headers, body, source_ip, received_at)
          VALUES (?, ?, ?, ?, ?, ?, ?)`).run(capture.binId, capture.method, capture.path, JSON.stringify(capture.headers),
          Buffer.from(capture.body.buffer, capture.body.byteOffset, capture.body.byteLength), capture.sourceIp,
          capture.receivedAt).lastInsertRowid);
      } catch (error) {
        if (sqliteCode(error) === 'SQLITE_CONSTRAINT_FOREIGNKEY') throw new NotFoundError('Inspector bin');
        throw error;
      }
      // A ring buffer: everything older than the newest `keep` goes.
      this.stmt(`DELETE FROM inspector_captures WHERE bin_id = ? AND seq <= (
        SELECT seq FROM inspector_captures WHERE bin_id = ? ORDER BY seq DESC LIMIT 1 OFFSET ?)`).run(capture.binId, capture.binId, keep);
      return { ...capture, seq };
    });
    return add.immediate();
  }

  listCaptures(binId: string, afterSeq: number, limit: number): InspectorCapture[] {
    return (this.stmt('SELECT * FROM inspector_captures WHERE bin_id = ? AND seq > ? ORDER BY seq LIMIT ?')
      .all(binId, afterSeq, limit) as CaptureRow[]).map(toCapture);
  }

  purgeBins(now: number): number {
    return this.stmt('DELETE FROM inspector_bins WHERE expires_at <= ?').run(now).changes;
  }
}

function sqliteCode(error: unknown): string | undefined {
  return error instanceof Error ? (error as { code?: string }).code : undefined;
}
