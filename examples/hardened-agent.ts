import { App, Chart } from 'cdk8s';
import { AgentWorkload, PolicyCheck, SecureChart } from '../src';

/** The smallest use of the library: one agent with every default of the hardening profile. */
export function hardenedAgent(app: App): Chart {
  const chart = new SecureChart(app, 'hardened-agent', { namespace: 'agents' });
  new AgentWorkload(chart, 'node-reporter', {
    component: 'agent',
    partOf: 'examples',
    image: 'ghcr.io/example/node-reporter:1.4.2@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    ports: [{ name: 'metrics', port: 9100 }],
    imagePullSecrets: ['vendor-registry'],
  });
  // Synthesis fails, listing each unexempted error with its construct path, if the chart breaks a rule.
  new PolicyCheck(chart, 'policy');
  return chart;
}
