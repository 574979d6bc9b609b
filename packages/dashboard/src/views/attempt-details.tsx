import type { AttemptOut } from '../api/types.ts';
import { JsonView } from '../components/json-view.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { formatTime } from '../format.ts';

const EXCERPT_CHARS = 2000;

/** One attempt: what was sent, what came back, how long it took. Native <details> is keyboard-operable. */
export function AttemptDetails({ attempt, number }: { attempt: AttemptOut; number: number }) {
  const headers = attempt.requestHeaders ?? { 'webhook-id': attempt.msgId };
  const body = attempt.response.length > EXCERPT_CHARS ? `${attempt.response.slice(0, EXCERPT_CHARS)}…` : attempt.response;
  return (
    <li>
      <details className="attempt" data-testid="attempt">
        <summary>
          <span>Attempt {number}</span>
          <StatusBadge status={attempt.status} />
          <span data-testid="attempt-status-code">{attempt.responseStatusCode ? `HTTP ${attempt.responseStatusCode}` : 'no response'}</span>
          <span data-testid="attempt-latency">{attempt.responseDurationMs} ms</span>
          <span className="muted">{attempt.triggerType === 1 ? 'manual' : 'scheduled'} · {formatTime(attempt.timestamp)}</span>
        </summary>
        <div className="attempt-body">
          <p className="break"><strong>POST</strong> <code>{attempt.url}</code></p>
          <h4>Request headers</h4>
          <table className="headers">
            <caption className="visually-hidden">Request headers</caption>
            <tbody>
              {Object.entries(headers).map(([name, value]) => (
                <tr key={name}><th scope="row"><code>{name}</code></th><td className="break"><code>{value}</code></td></tr>
              ))}
            </tbody>
          </table>
          {!attempt.requestHeaders && <p className="muted">Recorded before Herald kept request headers: only the id is known.</p>}
          <h4>Response body{attempt.response.length > EXCERPT_CHARS ? ' (excerpt)' : ''}</h4>
          {body ? <JsonView value={body} label="Response body" /> : <p className="muted">Empty</p>}
        </div>
      </details>
    </li>
  );
}
