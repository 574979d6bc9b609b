/** The bytes every Standard Webhooks signature covers: `${id}.${timestamp}.${body}`. */
export function signedContent(id: string, timestamp: number | string, body: Uint8Array | string): Buffer {
  return Buffer.concat([Buffer.from(`${id}.${timestamp}.`), typeof body === 'string' ? Buffer.from(body) : body]);
}
