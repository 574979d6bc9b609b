import { describe } from 'node:test';
import type { OpenStore, WithStore } from './conformance/fixtures.ts';
import { migrationsAndSettingsSuite } from './conformance/migrations-and-settings.ts';
import { sourcesSuite } from './conformance/sources.ts';
import { inboundRequestsSuite } from './conformance/inbound-requests.ts';
import { inboundRoutingSuite } from './conformance/inbound-routing.ts';
import { inboundFieldsSuite } from './conformance/inbound-fields.ts';
import { transformationsSuite } from './conformance/transformations.ts';
import { applicationsSuite } from './conformance/applications.ts';
import { eventTypesSuite } from './conformance/event-types.ts';
import { endpointsSuite } from './conformance/endpoints.ts';
import { messagesSuite } from './conformance/messages.ts';
import { deliveryQueueSuite } from './conformance/delivery-queue.ts';
import { attemptsSuite } from './conformance/attempts.ts';
import { idempotencySuite } from './conformance/idempotency.ts';
import { inspectorSuite } from './conformance/inspector.ts';
import { attemptRequestHeadersSuite } from './conformance/attempt-request-headers.ts';
import { attemptTimelineSuite } from './conformance/attempt-timeline.ts';
import { claimSkippingSuite } from './conformance/claim-skipping.ts';
import { tenancySuite } from './conformance/tenancy.ts';
import { ingestClaimSuite } from './conformance/ingest-claim.ts';
import { contentExpungeSuite } from './conformance/content-expunge.ts';
import { messageTagsSuite } from './conformance/message-tags.ts';
import { commitFanOutSuite } from './conformance/commit-fan-out.ts';
import { messageTraceContextSuite } from './conformance/message-trace-context.ts';
import { pollingSuite } from './conformance/polling.ts';

export type { OpenStore } from './conformance/fixtures.ts';
/** Inputs for a valid application and endpoint, for tests beyond the suite. */
export { newApplication, newEndpoint } from './conformance/fixtures.ts';

/**
 * The behaviour every Store adapter must show, against a real database. `open` gives a fresh,
 * empty store of its own (its own file, database or schema) for every test, and `cleanup` removes
 * it. The suite calls migrate() itself (so `open` may or may not have), and closes the store.
 * Only the Store interface is used, so any adapter can run it unchanged.
 */
export interface ConformanceOptions {
  /** The adapter implements createMessagesClaiming, and is held to it. */
  claimsAtIngest?: boolean;
}

export function storeConformanceSuite(name: string, open: OpenStore, options: ConformanceOptions = {}): void {
  const withStore: WithStore = (body) => async () => {
    const { store, cleanup } = await open();
    try {
      await store.migrate();
      await body(store);
    } finally {
      try {
        await store.close();
      } finally {
        await cleanup();
      }
    }
  };

  describe(`${name}: Store conformance`, () => {
    migrationsAndSettingsSuite(withStore);
    applicationsSuite(withStore);
    eventTypesSuite(withStore);
    endpointsSuite(withStore);
    messagesSuite(withStore);
    deliveryQueueSuite(withStore);
    attemptsSuite(withStore);
    idempotencySuite(withStore);
    inspectorSuite(withStore);
    attemptRequestHeadersSuite(withStore);
    attemptTimelineSuite(withStore);
    claimSkippingSuite(withStore);
    contentExpungeSuite(withStore);
    messageTagsSuite(withStore);
    commitFanOutSuite(withStore);
    tenancySuite(withStore);
    if (options.claimsAtIngest) ingestClaimSuite(withStore);
    sourcesSuite(withStore);
    inboundRequestsSuite(withStore);
    inboundRoutingSuite(withStore);
    inboundFieldsSuite(withStore);
    transformationsSuite(withStore);
    messageTraceContextSuite(withStore);
    pollingSuite(withStore);
  });
}
