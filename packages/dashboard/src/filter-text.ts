/** The filter text as the API takes it: empty is "no filter" (null); anything else must be a JSON object. */
export function parseFilterText(text: string): { ok: true; filter: Record<string, unknown> | null } | { ok: false; problem: string } {
  if (text.trim() === '') return { ok: true, filter: null };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { ok: false, problem: `Not valid JSON: ${(error as Error).message}` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { ok: false, problem: 'A filter is a JSON object with body, headers, query or path.' };
  return { ok: true, filter: parsed as Record<string, unknown> };
}
