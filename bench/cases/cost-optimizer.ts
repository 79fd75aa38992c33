import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Testing } from 'cdktf';
import { AwsCostOptimizerStack } from '../../src/stacks/aws-cost-optimizer';
import { checkAwsIam } from '../../src/policy/aws-iam';
import { BenchCase } from '../types';

const props = { clusterName: 'prod', region: 'eu-west-1', vpcId: 'vpc-0a1b2c3d', nodeRoleName: 'prod-node' };
const synthAws = () => Testing.synth(new AwsCostOptimizerStack(Testing.app(), 'cost-optimizer-aws', props));
const json = synthAws();
const doc = JSON.parse(json);
const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sac-bench-')), 'cdk.tf.json');

export const cases: BenchCase[] = [
  {
    name: 'AwsCostOptimizerStack synthesis',
    subject: () => { synthAws(); },
    baselineLabel: 'writing the same Terraform JSON with JSON.stringify',
    baseline: () => { fs.writeFileSync(out, JSON.stringify(doc, null, 2)); },
  },
  {
    name: 'aws-* rules over the AWS stack JSON',
    subject: () => { checkAwsIam(doc); },
    baselineLabel: 'JSON.parse of the same document',
    baseline: () => { JSON.parse(json); },
  },
];
