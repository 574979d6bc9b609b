import type { AttemptOut } from '../api/types.ts';
import { StatusBadge } from '../components/status-badge.tsx';
import { formatTime } from '../format.ts';
import { hrefOf } from '../routing.ts';

/** An endpoint's attempts, newest first, each linking to its message. */
export function AttemptsTable({ appId, attempts, caption }: { appId: string; attempts: AttemptOut[]; caption: string }) {
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr><th scope="col">Message</th><th scope="col">Result</th><th scope="col">HTTP status</th><th scope="col">Latency</th><th scope="col">Time</th></tr>
        </thead>
        <tbody>
          {attempts.map((attempt) => (
            <tr key={attempt.id}>
              <td><a href={hrefOf({ view: 'message', appId, messageId: attempt.msgId })}><code>{attempt.msgId}</code></a></td>
              <td><StatusBadge status={attempt.status} /></td>
              <td>{attempt.responseStatusCode || 'no response'}</td>
              <td>{attempt.responseDurationMs} ms</td>
              <td>{formatTime(attempt.timestamp)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
