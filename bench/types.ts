/** One bench case: a subject timed against a baseline in the same run, reported as a ratio. */
export interface BenchCase {
  readonly name: string;
  /** What the case measures. */
  readonly subject: () => void;
  /** The same work done the plainest way; the ratio is subject / baseline. */
  readonly baseline: () => void;
  readonly baselineLabel: string;
  /**
   * Timed runs of this case when it is too slow for the default (BENCH_RUNS still caps it).
   * @default - BENCH_RUNS, else 15
   */
  readonly runs?: number;
  /**
   * A second baseline, timed in the same alternation (A B C A B C ...): the cheapest way to produce
   * the same output, where the plainest way carries a cost of its own (bare objects in many cdk8s
   * charts cost more than in one).
   */
  readonly floor?: () => void;
  readonly floorLabel?: string;
  /** Cases of one group with different `size`s are compared for linear growth in the closing note. */
  readonly group?: string;
  /** What the case's cost should grow linearly with (e.g. the number of workloads). */
  readonly size?: number;
}

/** A figure that is not a timing pair (entry load time and module count), printed in its own table. */
export interface BenchFigure {
  readonly name: string;
  /** Computes the figure now: subject and baseline values, and what they are. */
  readonly measure: () => { subject: number; baseline: number; unit: string; baselineLabel: string; note?: string };
}
