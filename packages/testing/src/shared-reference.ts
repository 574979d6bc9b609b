import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The project's contract files live in `shared/reference/` beside the repository (CI clones it
 * there). A git worktree or a nested checkout sits deeper, so the folder is looked for in every
 * ancestor of the repository rather than at one fixed `../shared`; HERALD_SHARED_DIR overrides.
 */
const REPOSITORY_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export function sharedReferencePath(file: string): string | null {
  const override = process.env.HERALD_SHARED_DIR;
  if (override) return existsSync(join(override, 'reference', file)) ? join(override, 'reference', file) : null;
  for (let dir = dirname(REPOSITORY_ROOT); ; dir = dirname(dir)) {
    const candidate = join(dir, 'shared', 'reference', file);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return null;
  }
}

/** Under CI=true a missing contract file fails the run, like every other skip; elsewhere it is null. */
export function sharedReferenceOrFailUnderCi(file: string): string | null {
  const found = sharedReferencePath(file);
  if (!found && process.env.CI === 'true') {
    throw new Error(`CI=true, but shared/reference/${file} is missing: CI must clone shared/ beside the repository (or set HERALD_SHARED_DIR).`);
  }
  return found;
}
