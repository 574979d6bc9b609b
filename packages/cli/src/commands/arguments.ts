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
