import type { MessageTracing, RequestTracing } from '@herald/api';
import type { DeliveryTracing } from '@herald/delivery';
import type { TracingSettings } from './settings.ts';

export { tracingSettings, type TracingSettings } from './settings.ts';

/** The hooks the API, the ingest and the delivery worker call, backed by OpenTelemetry. */
export interface HeraldTracing {
  requests: RequestTracing;
  messages: MessageTracing;
  deliveries: DeliveryTracing;
  /** Exports the spans still buffered; call once, when the process or thread stops. */
  shutdown(): Promise<void>;
}

/**
 * Starts tracing when the OTEL_* variables ask for it. OpenTelemetry is imported here and only
 * here, dynamically: without those variables none of it is loaded, and every hook stays unset.
 * `component` names the part of Herald that exports (api, worker, delivery-thread, ...).
 */
export async function startTracing(settings: TracingSettings | null, component: string): Promise<HeraldTracing | undefined> {
  if (!settings) return undefined;
  const { startOpenTelemetry } = await import('./open-telemetry.ts');
  return startOpenTelemetry(settings, component);
}
