import { prettyJson } from '../format.ts';

export function JsonView({ value, label }: { value: unknown; label: string }) {
  return (
    <pre className="code" tabIndex={0} aria-label={label}>
      <code>{typeof value === 'string' ? value : prettyJson(value)}</code>
    </pre>
  );
}
