import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { CliError, EXIT } from '../exit-codes.ts';
import { Output, type GlobalOptions } from '../output.ts';
import { checkSignature, type CapturedRequest } from '../signature-check.ts';

interface VerifyOptions {
  secret: string;
  file?: string;
  header?: Record<string, string>;
  body?: string;
  tolerance: number;
}

export function verifyCommand(): Command {
  return new Command('verify')
    .description("Check a captured webhook request's Standard Webhooks signature")
    .addOption(new Option('--secret <whsec>', "the endpoint's signing secret").env('HERALD_WEBHOOK_SECRET').makeOptionMandatory())
    .option('--file <request.json>', 'the request as JSON: {"headers": {...}, "body": "<raw body>"} (- for stdin)')
    .option('-H, --header <name:value>', 'a request header (repeatable), instead of --file', collectHeader)
    .option('--body <text|@file>', 'the raw request body, instead of --file')
    .addOption(new Option('--tolerance <seconds>', 'accepted clock difference; 0 skips the timestamp check').argParser(seconds).default(300))
    .action((options: VerifyOptions, self: Command) => {
      const output = new Output(self.optsWithGlobals<GlobalOptions>().json === true);
      const verdict = checkSignature(capturedRequest(options), options.secret, options.tolerance, Math.floor(Date.now() / 1000));
      if (!verdict.ok) {
        if (output.json) output.item({ valid: false, reason: verdict.reason });
        throw new CliError(`invalid: ${verdict.reason}`, EXIT.verificationFailed);
      }
      output.value(`valid: signed by this secret (webhook-id ${verdict.msgId})`, { valid: true, msgId: verdict.msgId });
    })
    .addHelpText('after', `
Exit status is 0 for a valid signature and 3 for an invalid one, with the reason.

Examples:
  herald verify --secret whsec_... --file request.json --tolerance 0
  herald verify --secret whsec_... -H 'webhook-id: msg_1' -H 'webhook-timestamp: 1700000000' \\
    -H 'webhook-signature: v1,...' --body @body.json`);
}

function capturedRequest(options: VerifyOptions): CapturedRequest {
  if (options.file !== undefined) {
    let parsed: { headers?: unknown; body?: unknown };
    try {
      parsed = JSON.parse(readFileSync(options.file === '-' ? 0 : options.file, 'utf8')) as typeof parsed;
    } catch (error) {
      throw new CliError(`cannot read ${options.file}: ${(error as Error).message}`, EXIT.usage);
    }
    if (typeof parsed.headers !== 'object' || parsed.headers === null || typeof parsed.body !== 'string') {
      throw new CliError(`${options.file} must hold {"headers": {...}, "body": "<the raw body as a string>"}`, EXIT.usage);
    }
    return { headers: parsed.headers as Record<string, string>, body: parsed.body };
  }
  if (!options.header || options.body === undefined) throw new CliError('give --file, or the headers (-H) and --body', EXIT.usage);
  const body = options.body.startsWith('@') ? readFileSync(options.body.slice(1), 'utf8') : options.body;
  return { headers: options.header, body };
}

function collectHeader(text: string, previous: Record<string, string> = {}): Record<string, string> {
  const colon = text.indexOf(':');
  if (colon < 1) throw new InvalidArgumentError(`"${text}" is not "name: value".`);
  return { ...previous, [text.slice(0, colon).trim().toLowerCase()]: text.slice(colon + 1).trim() };
}

function seconds(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new InvalidArgumentError(`"${text}" is not a whole number of seconds.`);
  return value;
}
