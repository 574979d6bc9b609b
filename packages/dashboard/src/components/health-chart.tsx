import type { TimelineOut } from '../api/types.ts';
import { fillBuckets, type HealthBucket } from '../health.ts';

const WIDTH = 480;
const HEIGHT = 120;

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
export function HealthCharts({ timeline, period }: { timeline: TimelineOut; period: string }) {
  const buckets = fillBuckets(timeline);
  const total = buckets.reduce((sum, bucket) => sum + bucket.attempts, 0);
  if (total === 0 || buckets.length === 0) return <p className="muted">No delivery attempts in this period.</p>;
  const succeeded = buckets.reduce((sum, bucket) => sum + (bucket.successRate ?? 0) * bucket.attempts, 0);
  const rate = Math.round((succeeded / total) * 100);
  const averageLatency = Math.round(buckets.reduce((sum, bucket) => sum + (bucket.averageLatencyMs ?? 0) * bucket.attempts, 0) / total);
  const slowest = Math.max(...buckets.map((bucket) => bucket.maxLatencyMs ?? 0));
  const scale = Math.max(1, ...buckets.map((bucket) => bucket.averageLatencyMs ?? 0));
  const step = WIDTH / buckets.length;
  const points = buckets.flatMap((bucket, index) => bucket.averageLatencyMs === null ? [] :
    [[(index + 0.5) * step, HEIGHT - (bucket.averageLatencyMs / scale) * (HEIGHT - 8)] as const]);
  return (
    <div className="charts">
      <figure>
        <figcaption>Success rate: {rate}% of {total} attempts ({period.toLowerCase()})</figcaption>
        <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={`Success rate per period, ${rate}% overall`} preserveAspectRatio="none">
          <line x1="0" x2={WIDTH} y1={HEIGHT - 0.5} y2={HEIGHT - 0.5} className="chart-baseline" />
          {buckets.map((bucket, index) => bucket.successRate === null ? null : (
            <rect key={index} x={index * step + 1} width={Math.max(1, step - 2)}
              y={HEIGHT - Math.max(2, bucket.successRate * HEIGHT)} height={Math.max(2, bucket.successRate * HEIGHT)}
              className={bucket.successRate >= 0.95 ? 'bar-good' : bucket.successRate >= 0.5 ? 'bar-warn' : 'bar-bad'}>
              <title>{`${timeLabel(bucket.start)}: ${Math.round(bucket.successRate * 100)}% of ${bucket.attempts}`}</title>
            </rect>
          ))}
        </svg>
        <Axis buckets={buckets} />
      </figure>
      <figure>
        <figcaption>Latency: {averageLatency} ms on average, slowest {slowest} ms</figcaption>
        <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={`Average latency per period, ${averageLatency} milliseconds overall`} preserveAspectRatio="none">
          <line x1="0" x2={WIDTH} y1={HEIGHT - 0.5} y2={HEIGHT - 0.5} className="chart-baseline" />
          {points.length > 1 && <polyline points={points.map(([x, y]) => `${x},${y}`).join(' ')} className="chart-line" fill="none" />}
          {points.map(([x, y], index) => <circle key={index} cx={x} cy={y} r="3" className="chart-dot" />)}
        </svg>
        <Axis buckets={buckets} />
      </figure>
    </div>
  );
}
