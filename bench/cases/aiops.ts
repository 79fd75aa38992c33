import { aiops } from '../../examples/aiops';
import { chartCase } from '../chart-case';
import { BenchCase } from '../types';

export const cases: BenchCase[] = [chartCase('AiopsChart synthesis', aiops)];
