import type { Command } from 'commander';
import { HeraldClient } from './api-client.ts';

export interface GlobalOptions {
  url: string;
  token?: string;
  json?: boolean;
}

/** What every API command needs: a client for --url/--token and the output mode. */
export function contextOf(command: Command): { client: HeraldClient; output: Output } {
  const options = command.optsWithGlobals<GlobalOptions>();
  return { client: new HeraldClient({ url: options.url, token: options.token }), output: new Output(options.json === true) };
}

export type Column<T> = [header: string, value: (row: T) => unknown];

/** Data goes to stdout (a table, or JSON with --json); progress and notes go to stderr. */
export class Output {
  constructor(readonly json: boolean) {}

  /** One object: JSON, or "field  value" lines. */
  item(value: object): void {
    if (this.json) return this.writeJson(value);
    const entries = Object.entries(value).filter(([, field]) => field !== undefined);
    const width = Math.max(0, ...entries.map(([name]) => name.length));
    for (const [name, field] of entries) process.stdout.write(`${name.padEnd(width)}  ${cell(field)}\n`);
  }

  /** A list: a JSON array, or an aligned table with a header row. */
  list<T>(rows: T[], columns: Array<Column<T>>): void {
    if (this.json) return this.writeJson(rows);
    if (rows.length === 0) {
      process.stderr.write('(none)\n');
      return;
    }
    const cells = rows.map((row) => columns.map(([, value]) => cell(value(row))));
    const widths = columns.map(([header], i) => Math.max(header.length, ...cells.map((line) => line[i]!.length)));
    const line = (values: string[]) => values.map((value, i) => value.padEnd(widths[i]!)).join('  ').trimEnd() + '\n';
    process.stdout.write(line(columns.map(([header]) => header.toUpperCase())));
    for (const values of cells) process.stdout.write(line(values));
  }

  /** A bare value such as an id: printed alone, so that `$(herald ...)` captures it. */
  value(text: string, asJson: object): void {
    if (this.json) return this.writeJson(asJson);
    process.stdout.write(`${text}\n`);
  }

  note(text: string): void {
    process.stderr.write(`${text}\n`);
  }

  private writeJson(value: unknown): void {
    process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.join(',');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Progress for long listings, on stderr and only on a terminal, so pipes stay clean. */
export function progress(what: string): { update(count: number): void; done(): void } {
  let shown = false;
  return {
    update(count) {
      if (!process.stderr.isTTY) return;
      shown = true;
      process.stderr.write(`\r${what}: ${count} fetched…`);
    },
    done() {
      if (shown) process.stderr.write('\n');
    },
  };
}

const useColor = () =>
  process.env.FORCE_COLOR !== undefined ? process.env.FORCE_COLOR !== '0' : process.stdout.isTTY === true && process.env.NO_COLOR === undefined;

/** Green or red on a terminal (FORCE_COLOR and NO_COLOR are honoured); plain text in a pipe. */
export function paint(color: 'green' | 'red', text: string): string {
  if (!useColor()) return text;
  return `\u001b[${color === 'green' ? 32 : 31}m${text}\u001b[39m`;
}
