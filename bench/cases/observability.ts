import { observabilityExecutor } from '../../examples/observability';
import { chartCase } from '../chart-case';
import { BenchCase } from '../types';

export const cases: BenchCase[] = [chartCase('ObservabilityChart with the executor', observabilityExecutor)];
