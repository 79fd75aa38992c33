// `cdktf synth` entry (cdktf.json): the example stacks.
import { App } from 'cdktf';
import { addCostOptimizerStacks } from './cost-optimizer-stacks';

const app = new App();
addCostOptimizerStacks(app);
app.synth();
