import { monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * How late this process's timers have been running since `watchTimerLag()` was called, in ms.
 *
 * A deadline is a timer: on a loaded machine (two cores shared by the whole suite) it fires late by
 * however long the process waited for a core, and so does the clock reading that checks it. A test
 * that bounds an elapsed time adds this lateness to its bound, measured rather than guessed, so it
 * stays exact on an idle machine and does not flake on a busy one.
 */
export function watchTimerLag(): { maxMs(): number; stop(): number } {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  // With no sample taken yet the histogram's max is 0, which is the right answer.
  const maxMs = () => histogram.max / 1e6;
  return {
    maxMs,
    stop() {
      histogram.disable();
      return maxMs();
    },
  };
}
