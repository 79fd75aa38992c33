// Entry point for `cdk8s synth` (cdk8s.yaml): the same charts that `npm run synth` writes to dist/k8s.
import { App } from 'cdk8s';
import { addK8sExamples } from './index';

const app = new App();
addK8sExamples(app);
app.synth();
