import { signatureHeaders, signingKey } from '@herald/core';
import { HttpSender, type HttpSenderOptions, type SendRequest, type SendResult } from '../http-sender.ts';
import type { Sender } from '../worker.ts';
import { AmqpTransport } from './amqp.ts';
import { brokerSchemeOf, checkBrokerUrl, type BrokerScheme } from './broker-targets.ts';
import { MqttTransport } from './mqtt.ts';
import { NatsTransport } from './nats.ts';
import { RedisStreamsTransport } from './redis-streams.ts';
import type { BrokerMessage, BrokerTransport } from './transport.ts';

const CONNECT_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'ECONNRESET', 'EPIPE']);

/**
 * The delivery engine's sender: HTTP(S) URLs go to the HTTP client, broker URLs (amqp, amqps,
 * redis, nats, mqtt) to their transport. The worker sees one Sender and one kind of result either way, so
 * retries, the attempt log and disabling work the same for a queue as for a web server. A broker's
 * acknowledgement is recorded as status 202 with what the broker answered as the response body.
 */
export class DispatchSender implements Sender {
  private readonly http: HttpSender;
  private readonly transports = new Map<BrokerScheme, BrokerTransport>();
  private readonly deadlineMs: number;
  private readonly connectTimeoutMs: number;

  constructor(private readonly options: HttpSenderOptions) {
    this.http = new HttpSender(options);
    this.deadlineMs = options.deadlineMs ?? 15_000;
    this.connectTimeoutMs = Math.min(options.connectTimeoutMs ?? 5_000, this.deadlineMs);
  }

  send(request: SendRequest): Promise<SendResult> {
    const scheme = brokerSchemeOf(request.url);
    return scheme ? this.sendToBroker(scheme, request) : this.http.send(request);
  }

  private async sendToBroker(scheme: BrokerScheme, request: SendRequest): Promise<SendResult> {
    const started = performance.now();
    // Again at send time: the operator may have taken the broker off the list since the endpoint was saved.
    const verdict = checkBrokerUrl(request.url, this.options.brokerTargets);
    if (!verdict.ok) return { kind: 'error', reason: 'blocked-address', message: verdict.reason, durationMs: 0 };
    const message = brokerMessage(request);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error(`no acknowledgement from the broker within ${this.deadlineMs} ms`), { code: 'HERALD_DEADLINE' })), this.deadlineMs);
    });
    try {
      const ack = await Promise.race([this.transportFor(scheme).send(verdict.url, message, this.deadlineMs), deadline]);
      return { kind: 'response', status: 202, headers: {}, body: ack.detail, durationMs: performance.now() - started, requestHeaders: message.headers };
    } catch (error) {
      const err = error as { code?: string; message?: string };
      const code = err.code ?? '';
      const reason = code === 'HERALD_DEADLINE' || code === 'ETIMEDOUT' ? 'timeout' : CONNECT_CODES.has(code) ? 'connect' : 'network';
      return { kind: 'error', reason, message: err.message ?? String(error), durationMs: performance.now() - started, requestHeaders: message.headers };
    } finally {
      clearTimeout(timer);
    }
  }

  private transportFor(scheme: BrokerScheme): BrokerTransport {
    // amqp and amqps (mqtt and mqtts) share one transport: its pool is keyed by the whole connection URL.
    const kind = scheme === 'amqps' ? 'amqp' : scheme === 'mqtts' ? 'mqtt' : scheme;
    let transport = this.transports.get(kind);
    if (!transport) {
      transport = kind === 'redis' ? new RedisStreamsTransport(this.connectTimeoutMs)
        : kind === 'nats' ? new NatsTransport(this.connectTimeoutMs)
        : kind === 'mqtt' ? new MqttTransport(this.connectTimeoutMs)
        : new AmqpTransport(this.connectTimeoutMs);
      this.transports.set(kind, transport);
    }
    return transport;
  }

  async close(): Promise<void> {
    await this.http.close();
    await Promise.all([...this.transports.values()].map((transport) => transport.close()));
  }
}

/** The message's headers, signed at the moment of sending exactly as an HTTP delivery is. */
function brokerMessage({ headers: custom, signing, body, eventType }: SendRequest): BrokerMessage {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  for (const name in custom) headers[name.toLowerCase()] = custom[name]!;
  if (eventType !== undefined) headers['webhook-event-type'] = eventType;
  if (signing) {
    const signature = signatureHeaders(signing.secrets.map(signingKey), signing.msgId, Math.floor(Date.now() / 1000), body);
    headers['webhook-id'] = signature['webhook-id'];
    headers['webhook-timestamp'] = signature['webhook-timestamp'];
    headers['webhook-signature'] = signature['webhook-signature'];
  }
  return { headers, body };
}
