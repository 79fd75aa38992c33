// issue 18: a property test per public construct that is used on its own (the ones inside the ready
// charts are reached through charts.test.ts) and per Terraform stack.
import { generateKeyPairSync } from 'node:crypto';
import { App, Chart, Testing } from 'cdk8s';
import { Testing as TfTesting } from 'cdktf';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import {
  AgentWorkload, ImagePolicyEngine, ImageSignaturePolicy, OutboundProxy, PolicyCheck, Protocol, SecretSource, SecretStoreKind, WorkloadKind,
} from '../../src';
import { AwsCostOptimizerStack } from '../../src/stacks/aws-cost-optimizer';
import { GcpCostOptimizerStack } from '../../src/stacks/gcp-cost-optimizer';
import { awsExample, costOptimizerIdentity, gcpExample } from '../../examples/cost-optimizer-props';
import type { K8sObject } from '../helpers/synth';
import { expectValidOrValidationError, mutatedProps, RUNS } from './arbitraries';

const REASON = 'reads node metrics for the dashboard';
const IMAGE = 'ghcr.io/example/agent:1.0.0';

function chartObjects(build: (chart: Chart) => void): K8sObject[] {
  const chart = new Chart(Testing.app(), 'c', { namespace: 'agents' });
  build(chart);
  return chart.toJson();
}

const workloadBase = {
  component: 'agent', partOf: 'tests', image: IMAGE, kind: WorkloadKind.DAEMON_SET, schedule: '0 3 * * *',
  ports: [{ name: 'metrics', port: 9100 }, { port: 53, protocol: Protocol.UDP }],
  env: { LOG_LEVEL: 'info' }, annotations: { 'example.com/team': 'a' },
  capabilities: [{ capability: 'NET_ADMIN', reason: REASON }],
  hostMounts: [{ hostPath: '/proc', mountPath: '/host/proc', reason: REASON }, { hostPath: '/var/log', reason: REASON }],
  extraVolumes: [{ name: 'config', configMap: 'agent-config', mountPath: '/etc/agent' }],
  tolerations: [{ key: 'dedicated', effect: 'NoSchedule' }],
  imagePullSecrets: ['registry'],
};

describe('constructs: arbitrary props give valid output or a ValidationError without secrets', () => {
  it('AgentWorkload (with grants, a token volume, a second container and a secret mount)', () => {
    fc.assert(fc.property(mutatedProps(workloadBase), mutatedProps({ rules: [{ resources: ['pods'], verbs: ['get', 'list'], reason: REASON }], name: 'reader', volume: 'vault-token', container: { name: 'sidecar', image: IMAGE }, mountPath: '/etc/token' }), (w, extra) => {
      expectValidOrValidationError(() => chartObjects((chart) => {
        const workload = new AgentWorkload(chart, 'agent', w.props as never);
        const p = extra.props as any;
        workload.grantClusterRole(p.rules, { name: p.name });
        workload.grantRole('agents', p.rules);
        workload.addServiceAccountTokenVolume(p.volume, 'vault');
        workload.addContainer(p.container);
        workload.mountSecret('token', SecretSource.kubernetesSecret({ name: 'tok', keys: ['token'] }), { mountPath: p.mountPath });
      }), [...w.secrets, ...extra.secrets]);
    }), RUNS);
  });

  it('OutboundProxy', () => {
    const base = { url: 'http://proxy.corp.example:3128', cidrs: ['10.40.0.10/32'], apiServer: { cidrs: ['10.0.0.1/32'] }, noProxy: ['.corp.example'] };
    fc.assert(fc.property(mutatedProps(base), ({ props, secrets }) => {
      expectValidOrValidationError(() => chartObjects((chart) => { new OutboundProxy(chart, 'proxy', props as never); }), secrets);
    }), RUNS);
  });

  it('ImageSignaturePolicy', () => {
    const publicKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const base = { engine: ImagePolicyEngine.SIGSTORE, publicKey, images: ['registry.vendor.example/sensor/*'], partOf: 'sensor' };
    fc.assert(fc.property(mutatedProps(base), ({ props, secrets }) => {
      expectValidOrValidationError(() => chartObjects((chart) => { new ImageSignaturePolicy(chart, 'policy', props as never); }), secrets);
    }), RUNS);
  });

  it('SecretSource (Kubernetes, external and Vault) mounted on a workload', () => {
    const base = {
      k8s: { name: 'tok', keys: ['token', 'ca.crt'], defaultMode: 0o440 },
      ext: { name: 'ext', storeName: 'vault', storeKind: SecretStoreKind.CLUSTER_SECRET_STORE, data: [{ secretKey: 'password', remoteKey: 'db/creds', property: 'password' }] },
      mount: { mountPath: '/etc/secrets/tok' },
    };
    fc.assert(fc.property(mutatedProps(base), ({ props, secrets }) => {
      const p = props as any;
      expectValidOrValidationError(() => chartObjects((chart) => {
        const workload = new AgentWorkload(chart, 'agent', { component: 'agent', partOf: 'tests', image: IMAGE });
        workload.mountSecret('k8s', SecretSource.kubernetesSecret(p.k8s), p.mount);
        workload.mountSecret('ext', SecretSource.externalSecret(p.ext));
      }), secrets);
    }), RUNS);
  });

  it('PolicyCheck', () => {
    fc.assert(fc.property(mutatedProps({ pss: 'restricted', rules: { 'image-digest': 'off' } }), ({ props, secrets }) => {
      expectValidOrValidationError(() => chartObjects((chart) => { new PolicyCheck(chart, 'check', props as never); }), secrets);
    }), RUNS);
  });
});

describe('Terraform stacks: arbitrary props synthesise or raise a ValidationError without secrets', () => {
  const stacks: Array<[string, object, (props: any) => { toTerraform(): unknown }]> = [
    ['AwsCostOptimizerStack', { ...costOptimizerIdentity, region: awsExample.region, vpcId: awsExample.vpcId, nodeRoleName: awsExample.nodeRoleName },
      (p) => new AwsCostOptimizerStack(TfTesting.app(), 's', p)],
    ['GcpCostOptimizerStack', { ...costOptimizerIdentity, ...gcpExample }, (p) => new GcpCostOptimizerStack(TfTesting.app(), 's', p)],
  ];
  for (const [name, base, make] of stacks) {
    it(name, () => {
      fc.assert(fc.property(mutatedProps(base, 2), ({ props, secrets }) => {
        expectValidOrValidationError(() => { JSON.stringify(make(props).toTerraform()); }, secrets);
      }), { numRuns: 20 });
    });
  }
});

void App;
