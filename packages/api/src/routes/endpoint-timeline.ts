import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ValidationError, parseDuration } from '@herald/core';
import { requireEndpoint, type ApiDeps } from '../deps.ts';
import { parse } from '../validation.ts';
import { iso, msOf } from '../schemas/common.ts';

const HOUR = 3_600_000;
const MAX_BUCKETS = 500;
/** A bucket longer than a year is no chart; the bound also keeps the value far inside bigint. */
const MAX_BUCKET_MS = 366 * 24 * HOUR;

const timelineQuery = z.object({
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
  bucket: z.string().optional(),
});

type EndpointParams = { Params: { app_id: string; endpoint_id: string } };

/**
 * Herald extension (not in Svix's API): an endpoint's attempts per time bucket (successes,
 * failures, average and longest latency), for the dashboard's health charts. The last 24 hours in
 * hourly buckets unless asked otherwise; empty buckets are left out.
 */
export function registerEndpointTimelineRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get<EndpointParams>('/api/v1/app/:app_id/endpoint/:endpoint_id/stats/timeline', async (request) => {
    const query = parse(timelineQuery, request.query, 'query');
    const until = msOf(query.until) ?? deps.clock();
    const since = msOf(query.since) ?? until - 24 * HOUR;
    const bucketMs = query.bucket === undefined ? HOUR : parseDuration(query.bucket);
    if (bucketMs === undefined || bucketMs < 1000 || bucketMs > MAX_BUCKET_MS) {
      throw ValidationError.single(['query', 'bucket'], 'bucket must be a duration from 1s to 366d, such as 5m or 1h');
    }
    if (since >= until) throw ValidationError.single(['query', 'since'], 'since must be before until');
    if ((until - since) / bucketMs > MAX_BUCKETS) {
      throw ValidationError.single(['query', 'bucket'], `at most ${MAX_BUCKETS} buckets: choose a larger bucket or a shorter range`);
    }
    const { app: application, endpoint } = await requireEndpoint(deps, request.params.app_id, request.params.endpoint_id);
    const buckets = await deps.store.attemptTimeline(application.id, endpoint.id, { since, until, bucketMs });
    return {
      since: iso(since),
      until: iso(until),
      bucketSeconds: bucketMs / 1000,
      data: buckets.map((bucket) => ({
        start: iso(bucket.start),
        success: bucket.success,
        fail: bucket.fail,
        averageLatencyMs: Math.round(bucket.averageDurationMs),
        maxLatencyMs: bucket.maxDurationMs,
      })),
    };
  });
}
