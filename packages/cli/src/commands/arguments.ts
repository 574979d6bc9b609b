import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';

/** `a,b, c` -> ['a', 'b', 'c'] */
export function commaList(text: string): string[] {
  return text.split(',').map((item) => item.trim()).filter((item) => item.length > 0);
}

/** A JSON value given inline, or `@path` to read it from a file (`@-` for stdin). */
export function jsonArgument(text: string): unknown {
  let source = text;
  if (text.startsWith('@')) {
    const file = text.slice(1);
    try {
      source = readFileSync(file === '-' ? 0 : file, 'utf8');
    } catch (error) {
      throw new InvalidArgumentError(`cannot read ${file}: ${(error as Error).message}`);
    }
  }
  try {
    return JSON.parse(source) as unknown;
  } catch (error) {
    throw new InvalidArgumentError(`not valid JSON: ${(error as Error).message}`);
  }
}

/** Plain text given inline, or `@path` (`@-` for stdin), so that a secret stays out of the shell history. */
export function textArgument(text: string): string {
  if (!text.startsWith('@')) return text;
  const file = text.slice(1);
  let value: string;
  try {
    value = readFileSync(file === '-' ? 0 : file, 'utf8').trim();
  } catch (error) {
    throw new InvalidArgumentError(`cannot read ${file}: ${(error as Error).message}`);
  }
  if (value === '') throw new InvalidArgumentError(`${file} is empty`);
  return value;
}

/** A time the API takes (RFC 3339); a bare date or a local time would be ambiguous. */
export function rfc3339(text: string): string {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text) || Number.isNaN(Date.parse(text))) {
    throw new InvalidArgumentError(`"${text}" is not an RFC 3339 time such as 2026-01-31T09:00:00Z.`);
  }
  return new Date(text).toISOString();
}
