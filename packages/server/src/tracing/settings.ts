/**
 * Whether tracing is on, read from the standard OpenTelemetry variables without loading any of
 * OpenTelemetry: this decides whether it is loaded at all. Tracing is opt-in: the SDK's default
 * exporter (otlp) is not assumed, so an OTEL_* variable must ask for it.
 */
export type TraceExporterName = 'otlp' | 'console';
export type OtlpProtocol = 'http/protobuf' | 'http/json';

export interface TracingSettings {
  exporters: TraceExporterName[];
  /** How spans go to the OTLP endpoint (OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL; http/protobuf by default). */
  protocol: OtlpProtocol;
}

const EXPORTERS = new Set<string>(['otlp', 'console']);
const PROTOCOLS = new Set<string>(['http/protobuf', 'http/json']);

/** null: tracing is off. Problems are returned as messages saying how to fix the variable. */
export function tracingSettings(env: Record<string, string | undefined>): { settings: TracingSettings | null; problems: string[] } {
  const value = (name: string) => {
    const text = env[name]?.trim();
    return text === undefined || text === '' ? undefined : text;
  };
  if (value('OTEL_SDK_DISABLED')?.toLowerCase() === 'true') return { settings: null, problems: [] };
  const listed = value('OTEL_TRACES_EXPORTER')?.split(',').map((name) => name.trim().toLowerCase()).filter((name) => name !== '');
  const endpoint = value('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') ?? value('OTEL_EXPORTER_OTLP_ENDPOINT');
  const exporters = listed ?? (endpoint ? ['otlp'] : []);
  if (exporters.length === 0 || exporters.includes('none')) return { settings: null, problems: [] };
  const problems: string[] = [];
  const unknown = exporters.filter((name) => !EXPORTERS.has(name));
  if (unknown.length > 0) {
    problems.push(`OTEL_TRACES_EXPORTER must be otlp, console or none, or a comma-separated list of them (got "${unknown.join(',')}"); ` +
      'send spans to other backends through an OpenTelemetry Collector');
  }
  const protocol = value('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ?? value('OTEL_EXPORTER_OTLP_PROTOCOL') ?? 'http/protobuf';
  if (exporters.includes('otlp') && !PROTOCOLS.has(protocol)) {
    problems.push(`OTEL_EXPORTER_OTLP_PROTOCOL must be http/protobuf or http/json (got "${protocol}"): Herald exports OTLP over HTTP, ` +
      'usually port 4318, not gRPC');
  }
  if (problems.length > 0) return { settings: null, problems };
  return { settings: { exporters: [...new Set(exporters)] as TraceExporterName[], protocol: protocol as OtlpProtocol }, problems };
}
