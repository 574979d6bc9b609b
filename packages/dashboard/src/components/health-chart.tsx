import type { AttemptOut } from '../api/types.ts';
import { bucketAttempts, median, type HealthBucket } from '../health.ts';

const WIDTH = 480;
const HEIGHT = 120;
const MAX_BUCKETS = 24;

function timeLabel(ms: number): string {
  return new Date(ms).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

function Axis({ buckets }: { buckets: HealthBucket[] }) {
  return (
    <div className="chart-axis" aria-hidden="true">
      <span>{timeLabel(buckets[0]!.start)}</span>
      <span>{timeLabel(buckets[buckets.length - 1]!.end)}</span>
    </div>
  );
}

/** Success rate (bars) and average latency (line) per time bucket, hand-drawn SVG. */
export function HealthCharts({ attempts }: { attempts: AttemptOut[] }) {
  // Few attempts make few, fuller buckets rather than many empty ones.
  const bucketCount = Math.min(MAX_BUCKETS, Math.max(4, Math.ceil(attempts.length / 3)));
  const buckets = bucketAttempts(attempts, bucketCount);
  if (buckets.length === 0) return null;
  const succeeded = attempts.filter((attempt) => attempt.status === 0).length;
  const rate = Math.round((succeeded / attempts.length) * 100);
  const typicalLatency = median(attempts.map((attempt) => attempt.responseDurationMs)) ?? 0;
  const maxLatency = Math.max(1, ...buckets.map((bucket) => bucket.averageLatencyMs ?? 0));
  const step = WIDTH / bucketCount;
  const points = buckets.flatMap((bucket, index) => bucket.averageLatencyMs === null ? [] :
    [`${(index + 0.5) * step},${HEIGHT - (bucket.averageLatencyMs / maxLatency) * (HEIGHT - 8)}`]);
  return (
    <div className="charts">
      <figure>
        <figcaption>Success rate: {rate}% of the last {attempts.length} attempts</figcaption>
        <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={`Success rate per period, ${rate}% overall`} preserveAspectRatio="none">
          <line x1="0" x2={WIDTH} y1={HEIGHT - 0.5} y2={HEIGHT - 0.5} className="chart-baseline" />
          {buckets.map((bucket, index) => bucket.successRate === null ? null : (
            <rect key={index} x={index * step + 1} width={step - 2}
              y={HEIGHT - Math.max(2, bucket.successRate * HEIGHT)} height={Math.max(2, bucket.successRate * HEIGHT)}
              className={bucket.successRate >= 0.95 ? 'bar-good' : bucket.successRate >= 0.5 ? 'bar-warn' : 'bar-bad'}>
              <title>{`${timeLabel(bucket.start)}: ${Math.round(bucket.successRate * 100)}% of ${bucket.attempts}`}</title>
            </rect>
          ))}
        </svg>
        <Axis buckets={buckets} />
      </figure>
      <figure>
        <figcaption>Latency: median {typicalLatency} ms; peak period average {Math.round(maxLatency)} ms</figcaption>
        <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={`Average latency per period, median ${typicalLatency} milliseconds`} preserveAspectRatio="none">
          <line x1="0" x2={WIDTH} y1={HEIGHT - 0.5} y2={HEIGHT - 0.5} className="chart-baseline" />
          <polyline points={points.join(' ')} className="chart-line" fill="none" />
          {points.map((point, index) => {
            const [x, y] = point.split(',');
            return <circle key={index} cx={x} cy={y} r="3" className="chart-dot" />;
          })}
        </svg>
        <Axis buckets={buckets} />
      </figure>
    </div>
  );
}
