/** One bench case: a subject timed against a baseline in the same run, reported as a ratio. */
export interface BenchCase {
  readonly name: string;
  /** What the case measures. */
  readonly subject: () => void;
  /** The same work done the plainest way; the ratio is subject / baseline. */
  readonly baseline: () => void;
  readonly baselineLabel: string;
  /** Timed runs of this case when it is too slow for the default (BENCH_RUNS still caps it). */
  readonly runs?: number;
}
