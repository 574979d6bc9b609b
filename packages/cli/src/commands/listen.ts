import { Command, InvalidArgumentError } from 'commander';
import WebSocket from 'ws';
import { LISTEN_PATH_SUFFIX, type RelayClientMessage, type RelayServerMessage } from '@herald/core';
import { describeProblem, type HeraldClient } from '../api-client.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { forwardToLocal } from '../local-forwarder.ts';
import { contextOf, paint } from '../output.ts';
import { positiveInteger } from '../list-options.ts';
import { commaList } from './arguments.ts';

interface ListenOptions {
  app?: string;
  source?: string;
  forwardTo: string;
  events?: string[];
  forwardHeaders?: string[];
  timeout: number;
}

export function listenCommand(): Command {
  return new Command('listen')
    .description("Receive an app's webhooks, or a source's verified inbound requests, on this machine: Herald relays each delivery here over a WebSocket")
    .option('--app <app>', 'application id or uid')
    .option('--source <source>', 'inbound source id or uid: forward the requests it accepts (verified, de-duplicated)')
    .requiredOption('--forward-to <url>', 'local URL to POST each delivery to', httpUrl)
    .option('--events <types>', 'only these event types (comma-separated); all by default', commaList)
    .option('--forward-headers <names>', 'with --source: provider headers to pass on too (comma-separated), e.g. x-github-event', commaList)
    .option('--timeout <ms>', 'how long the local URL may take to answer (keep it under Herald\'s delivery deadline)', positiveInteger, 10_000)
    .action((options: ListenOptions, self: Command) => listen(options, self))
    .addHelpText('after', `
While it runs, Herald has a temporary endpoint for this app (deleted when you stop) that delivers
to its own relay route; each delivery comes here over the WebSocket, is POSTed to --forward-to
with its original webhook-id/timestamp/signature headers and body, and what your server answers
becomes the attempt's result in Herald, so failures are retried as for any endpoint.
The signing secret is printed at start, for verifying signatures locally. Stop with Ctrl-C.

With --source, the temporary endpoint is one more endpoint of the source: every request the source
accepts (signature verified, duplicates dropped) is routed to it too, and reaches --forward-to with
the original body, byte for byte, signed the Standard Webhooks way with the printed secret, with
content-type and the provider headers named in --forward-headers.

Examples:
  herald listen --app acme --forward-to http://localhost:3000/webhook --events order.paid
  herald listen --source github --forward-to http://localhost:3000/hook --forward-headers x-github-event`);
}

async function listen(options: ListenOptions, self: Command): Promise<void> {
  const { client, output } = contextOf(self);
  if ((options.app === undefined) === (options.source === undefined)) throw new CliError('give either --app or --source', EXIT.usage);
  if (options.source !== undefined && options.events) throw new CliError('--events applies to --app only: a source\'s requests are filtered by its endpoints\' filters', EXIT.usage);
  if (options.source === undefined && options.forwardHeaders) throw new CliError('--forward-headers applies to --source only', EXIT.usage);
  const app = options.app ?? await sourceApplication(client, options.source!);
  const subject = options.app ?? `source ${options.source}`;
  const address = new URL(`/api/v1/app/${encodeURIComponent(app)}${LISTEN_PATH_SUFFIX}`, client.connection.url);
  address.protocol = address.protocol === 'https:' ? 'wss:' : 'ws:';
  if (options.events) address.searchParams.set('events', options.events.join(','));
  if (options.forwardHeaders) address.searchParams.set('forward_headers', options.forwardHeaders.join(','));
  const socket = new WebSocket(address, { headers: client.connection.token ? { authorization: `Bearer ${client.connection.token}` } : {} });
  output.note(`connecting to ${client.connection.url}…`);

  await new Promise<void>((resolve, reject) => {
    let stopping = false;
    const stop = () => {
      stopping = true;
      output.note('stopping: Herald deletes the temporary endpoint');
      socket.close(1000);
      // A Herald that no longer answers must not keep the terminal waiting for the closing handshake.
      setTimeout(() => socket.terminate(), 3_000).unref();
    };
    socket.on('unexpected-response', (_request, response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      response.on('end', () => reject(new CliError(`Herald refused the listen session: ${describeProblem(response.statusCode ?? 0, text)}`)));
    });
    socket.on('error', (error: NodeJS.ErrnoException) =>
      reject(new CliError(`could not reach Herald at ${client.connection.url} (${error.code ?? error.message}); is it running? Set --url or HERALD_URL.`)));
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as RelayServerMessage;
      if (message.type === 'ready') {
        output.note(`ready: deliveries for ${subject}${options.events ? ` (${options.events.join(', ')})` : ''} go to ${options.forwardTo}`);
        output.note(`temporary endpoint ${message.endpointId}, signing secret ${message.secret}`);
        if (output.json) process.stdout.write(`${JSON.stringify({ type: 'ready', endpointId: message.endpointId, secret: message.secret })}\n`);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        return;
      }
      void forwardToLocal(options.forwardTo, message.requestId, message.headers, message.body, options.timeout).then(({ reply, durationMs }) => {
        if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(reply));
        report(message.headers['webhook-id'] ?? '', reply, durationMs, output.json);
      });
    });
    socket.on('close', (code, reason) => {
      process.removeListener('SIGINT', stop);
      process.removeListener('SIGTERM', stop);
      if (stopping) resolve();
      else reject(new CliError(`Herald closed the listen session (${code}${reason.length > 0 ? `: ${reason.toString('utf8')}` : ''})`, EXIT.remoteFailure));
    });
  });
}

/**
 * `listen --source` reuses the app relay unchanged rather than a relay of its own: a source's
 * ingest endpoints are the endpoints of its backing application (`ingest-<source id>`), and the
 * router offers each accepted request to every endpoint of that application. So the relay's
 * temporary endpoint, made on that application, receives each verified request as an ordinary
 * Herald delivery (retries, attempt log, its own signing secret) and is deleted when the session
 * ends; no inbound-specific server code is involved. Its filter is empty: it gets every request.
 */
async function sourceApplication(client: HeraldClient, source: string): Promise<string> {
  const { id } = await client.request<{ id: string }>('GET', `/ingest/api/v1/source/${encodeURIComponent(source)}`);
  return `ingest-${id}`;
}

function report(msgId: string, reply: RelayClientMessage, durationMs: number, json: boolean): void {
  const time = new Date().toISOString();
  const latencyMs = Math.round(durationMs);
  const status = 'status' in reply ? reply.status : null;
  const error = 'error' in reply ? reply.error : null;
  if (json) {
    process.stdout.write(`${JSON.stringify({ type: 'delivery', time, msgId, status, error, latencyMs })}\n`);
    return;
  }
  const ok = status !== null && status >= 200 && status < 300;
  process.stdout.write(`${time}  ${msgId}  ${paint(ok ? 'green' : 'red', status !== null ? String(status) : `failed: ${error}`)}  ${latencyMs} ms\n`);
}

function httpUrl(text: string): string {
  try {
    const url = new URL(text);
    if (url.protocol === 'http:' || url.protocol === 'https:') return text;
  } catch {
    // reported below
  }
  throw new InvalidArgumentError(`"${text}" is not an http(s) URL.`);
}
