import { sensor } from '../../examples/sensor';
import { chartCase } from '../chart-case';
import { BenchCase } from '../types';

export const cases: BenchCase[] = [chartCase('SensorChart example', sensor)];
