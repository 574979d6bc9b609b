/**
 * The request inspector (a Herald extension): capture bins that record whatever is sent to them,
 * addressed by a long random token that is the only credential.
 */

export interface InspectorBin {
  id: string;
  /** The capability: whoever knows it can send to the bin and read what it captured. */
  token: string;
  createdAt: number;
  expiresAt: number;
}

export interface InspectorCapture {
  /** Grows with every capture in the store; pages and live views ask for captures after one. */
  seq: number;
  binId: string;
  method: string;
  /** Path and query string as received. */
  path: string;
  /** In arrival order, repeated names kept. */
  headers: Array<[string, string]>;
  body: Uint8Array;
  sourceIp: string;
  receivedAt: number;
}

export type NewInspectorCapture = Omit<InspectorCapture, 'seq'>;
