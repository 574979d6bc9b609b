import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../deps.ts';
import { registerPollerRoutes } from '../routes/pollers.ts';
import { registerPollerReadRoutes } from '../routes/poller-reads.ts';
import { registerPollerStreamRoute } from '../routes/poller-stream.ts';
import { CommitSignal } from './commit-signal.ts';
import { WaitingBudget } from './waiting.ts';

/**
 * Polling endpoints (issue 18): their management, Svix's poll routes and the live stream. Long
 * polls and streams wake on this process's commits and on `deps.commitSignal`; they are ended when
 * the server closes, which would otherwise wait for them.
 */
export function registerPolling(app: FastifyInstance, deps: ApiDeps): void {
  const signal = deps.commitSignal ?? new CommitSignal();
  const stopListening = deps.ingest.onCommit(() => signal.notify());
  const closing = new AbortController();
  app.addHook('preClose', async () => {
    stopListening();
    closing.abort();
  });
  const parts = { signal, budget: new WaitingBudget(), closing: closing.signal };
  registerPollerRoutes(app, deps);
  registerPollerReadRoutes(app, deps, parts);
  registerPollerStreamRoute(app, deps, parts);
}
