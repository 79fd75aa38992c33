import { App, Chart } from 'cdk8s';
import { CloudBindingKind, CostOptimizerChart, SecretSource } from '../src';
import { awsExample, costOptimizerIdentity } from './cost-optimizer-props';

/** The optimiser's in-cluster agent on EKS with IRSA; the role it names is made by cost-optimizer-aws. */
export function costOptimizer(app: App): Chart {
  return new CostOptimizerChart(app, 'cost-optimizer', {
    ...costOptimizerIdentity,
    apiServer: { cidrs: ['10.100.0.1/32'] },
    // Cloud APIs and the vendor's upload endpoint through the corporate proxy, on the proxy's port.
    httpsProxy: { url: 'http://proxy.corp.example:3128', cidrs: ['10.40.0.10/32'] },
    imagePullSecrets: ['vendor-registry'],
    agent: {
      image: 'ghcr.io/example/optimizer-agent:2.3.0@sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae',
      redactPatterns: ['apikey'],
      binding: { kind: CloudBindingKind.EKS_IRSA, accountId: awsExample.accountId },
      vendorCredential: SecretSource.kubernetesSecret({ name: 'optimizer-upload-key', keys: ['api-key'] }),
    },
  });
}
