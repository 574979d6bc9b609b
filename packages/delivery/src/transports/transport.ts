/** One message as a broker transport publishes it: the body byte for byte, and its headers. */
export interface BrokerMessage {
  /**
   * webhook-id, webhook-timestamp, webhook-signature (signed exactly as for HTTP), webhook-event-type
   * and content-type, beside the endpoint's custom headers.
   */
  headers: Record<string, string>;
  body: string;
}

/** What the broker acknowledged, kept as the attempt's response text. */
export interface BrokerAck {
  detail: string;
}

/**
 * A broker client behind which the delivery worker never learns which broker it talks to. A
 * transport keeps its connections pooled per broker and replaces a broken one on the next send;
 * `send` resolves only on the broker's acknowledgement, and rejects otherwise (the caller bounds
 * it by the delivery deadline and records the failure).
 */
export interface BrokerTransport {
  send(url: URL, message: BrokerMessage, deadlineMs: number): Promise<BrokerAck>;
  close(): Promise<void>;
}

/** The connection part of a broker URL: everything but the destination on it. */
export function connectionKey(url: URL): string {
  return `${url.protocol}//${url.username}:${url.password}@${url.host}${url.pathname}`;
}
