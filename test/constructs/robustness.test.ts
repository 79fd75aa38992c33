// issue 18: each class of bad input ends in a ValidationError, output the API server accepts, and no
// secret in a message. One `it` per example of the issue; the property tests are in test/properties.
import { App, Chart, Testing } from 'cdk8s';
import { TerraformStack, Testing as TfTesting } from 'cdktf';
import { describe, expect, it } from 'vitest';
import * as src from '../../src';
import { AgentWorkload, AgentWorkloadProps, HostPathType, ImageSignaturePolicy, OutboundProxy, SecretSource, sortManifests, ValidationError, WorkloadKind } from '../../src';
import { AwsCostOptimizerIdentity } from '../../src/constructs/aws/cost-optimizer-identity';
import { GcpCostOptimizerIdentity } from '../../src/constructs/gcp/cost-optimizer-identity';
import { AwsCostOptimizerStack } from '../../src/stacks/aws-cost-optimizer';
import { GcpCostOptimizerStack } from '../../src/stacks/gcp-cost-optimizer';
import { catchValidationError } from '../helpers/errors';
import { podSpec, validateSchema } from '../helpers/synth';
import { assertApiServerAccepts } from '../helpers/api-server';

const IMAGE = 'ghcr.io/example/agent:1.0.0';
const REASON = 'reads node metrics for the dashboard';

function workload(props: Partial<AgentWorkloadProps> = {}, chart = new Chart(new App(), 'test', { namespace: 'agents' })): AgentWorkload {
  return new AgentWorkload(chart, 'agent', { component: 'agent', partOf: 'tests', image: IMAGE, ...props } as AgentWorkloadProps);
}

function objectsOf(chart: Chart): any[] {
  return chart.toJson();
}

describe('props undefined or null: a ValidationError for every construct and stack', () => {
  const k8s: Array<[string, (scope: Chart, props: unknown) => unknown]> = [
    ['AgentWorkload', (c, p) => new AgentWorkload(c, 'x', p as never)],
    ['ObservabilityAgent', (c, p) => new src.ObservabilityAgent(c, 'x', p as never)],
    ['ObservabilityMediator', (c, p) => new src.ObservabilityMediator(c, 'x', p as never)],
    ['ObservabilityExecutor', (c, p) => new src.ObservabilityExecutor(c, 'x', p as never)],
    ['VictoriaMetrics', (c, p) => new src.VictoriaMetrics(c, 'x', p as never)],
    ['OptimizerAgent', (c, p) => new src.OptimizerAgent(c, 'x', p as never)],
    ['AiopsApi', (c, p) => new src.AiopsApi(c, 'x', p as never)],
    ['AuditLog', (c, p) => new src.AuditLog(c, 'x', p as never)],
    ['InClusterStore', (c, p) => new src.InClusterStore(c, 'x', p as never)],
    ['ExternalStore', (c, p) => new src.ExternalStore(c, 'x', p as never)],
    ['SensorDigger', (c, p) => new src.SensorDigger(c, 'x', p as never)],
    ['SensorPrometheusAgent', (c, p) => new src.SensorPrometheusAgent(c, 'x', p as never)],
    ['SensorDetectionTool', (c, p) => new src.SensorDetectionTool(c, 'x', p as never)],
    ['SensorInterceptor', (c, p) => new src.SensorInterceptor(c, 'x', p as never)],
    ['SensorCrawler', (c, p) => new src.SensorCrawler(c, 'x', p as never)],
    ['ImageSignaturePolicy', (c, p) => new ImageSignaturePolicy(c, 'x', p as never)],
    ['OutboundProxy', (c, p) => new OutboundProxy(c, 'x', p as never)],
    ['WorkloadNetworkPolicy', (c, p) => new src.WorkloadNetworkPolicy(c, 'x', p as never)],
    ['PolicyCheck', (c, p) => new src.PolicyCheck(c, 'x', p as never)],
  ];
  const charts: Array<[string, (props: unknown) => unknown]> = [
    ['ObservabilityChart', (p) => new src.ObservabilityChart(new App(), 'x', p as never)],
    ['SensorChart', (p) => new src.SensorChart(new App(), 'x', p as never)],
    ['AiopsChart', (p) => new src.AiopsChart(new App(), 'x', p as never)],
    ['CostOptimizerChart', (p) => new src.CostOptimizerChart(new App(), 'x', p as never)],
    ['AwsCostOptimizerStack', (p) => new AwsCostOptimizerStack(TfTesting.app(), 'x', p as never)],
    ['GcpCostOptimizerStack', (p) => new GcpCostOptimizerStack(TfTesting.app(), 'x', p as never)],
    ['AwsCostOptimizerIdentity', (p) => new AwsCostOptimizerIdentity(new TerraformStack(TfTesting.app(), 's'), 'x', p as never)],
    ['GcpCostOptimizerIdentity', (p) => new GcpCostOptimizerIdentity(new TerraformStack(TfTesting.app(), 's'), 'x', p as never)],
  ];
  for (const [name, make] of k8s) {
    for (const props of [undefined, null, 'x', 42]) {
      if (name === 'PolicyCheck' && props === undefined) continue; // its props are optional
      it(`${name} with props ${String(props)}`, () => {
        const e = catchValidationError(() => make(new Chart(Testing.app(), 'c', { namespace: 'agents' }), props));
        expect(e.message).toContain(name);
      });
    }
  }
  for (const [name, make] of charts) {
    for (const props of [undefined, null, 'x', 42]) {
      it(`${name} with props ${String(props)}`, () => {
        const e = catchValidationError(() => make(props));
        expect(e.message).toContain(name);
      });
    }
  }
});

describe('wrong types and clashes end in a ValidationError', () => {
  it('a CronJob schedule that is a number', () => {
    const e = catchValidationError(() => workload({ kind: WorkloadKind.CRON_JOB, schedule: 5 as never }));
    expect(e.prop).toBe('schedule');
  });
  it('capabilities given as a string', () => {
    const e = catchValidationError(() => workload({ capabilities: 'NET_ADMIN' as never }));
    expect(e.prop).toBe('capabilities');
  });
  for (const bad of [null, undefined, 'get', [null], [{ reason: REASON, resources: 'pods', verbs: ['get'] }], [{ reason: REASON, resources: ['pods'], verbs: [1] }], [{ reason: REASON, resources: ['pods'], verbs: ['get'], apiGroups: 'apps' }]]) {
    it(`grantClusterRole(${JSON.stringify(bad)}) and grantRole`, () => {
      const w = workload();
      catchValidationError(() => w.grantClusterRole(bad as never));
      catchValidationError(() => w.grantRole('agents', bad as never));
    });
  }
  it('grantClusterRole with options null', () => {
    catchValidationError(() => workload().grantClusterRole([{ reason: REASON, resources: ['pods'], verbs: ['get'] }], null as never));
  });
  it('the same host path mounted twice', () => {
    const e = catchValidationError(() => workload({ hostMounts: [{ hostPath: '/proc', reason: REASON }, { hostPath: '/proc', mountPath: '/host/proc', reason: REASON }] }));
    expect(e.prop).toBe('hostMounts[1].hostPath');
  });
  it('two host paths that derive the same volume name get distinct volumes', () => {
    const w = workload({ hostMounts: [{ hostPath: '/var/log', reason: REASON }, { hostPath: '/var_log', reason: REASON }] });
    const spec = podSpec(objectsOf(Chart.of(w)).find((o) => o.kind === 'Deployment'));
    assertApiServerAccepts(objectsOf(Chart.of(w)));
    expect(spec.volumes.map((v: any) => v.hostPath?.path).filter(Boolean)).toEqual(['/var/log', '/var_log']);
  });
  it('two long host paths that share their first 63 characters get distinct volumes', () => {
    const base = `/${'a'.repeat(70)}`;
    const w = workload({ hostMounts: [{ hostPath: `${base}/x`, reason: REASON }, { hostPath: `${base}/y`, reason: REASON }] });
    assertApiServerAccepts(objectsOf(Chart.of(w)));
  });
  it('a host mount given as null', () => {
    catchValidationError(() => workload({ hostMounts: [null as never] }));
  });
  it('two ports with the same number and protocol', () => {
    const e = catchValidationError(() => workload({ ports: [{ port: 8080 }, { port: 8080, name: 'other' }] }));
    expect(e.prop).toBe('ports[1].port');
  });
  it('two ports with the same name', () => {
    catchValidationError(() => workload({ ports: [{ port: 8080, name: 'http' }, { port: 8081, name: 'http' }] }));
  });
  it('the same port number on TCP and UDP is accepted', () => {
    const w = workload({ ports: [{ port: 53, protocol: src.Protocol.UDP }, { port: 53 }] });
    assertApiServerAccepts(objectsOf(Chart.of(w)));
  });
});

describe('output the API server refuses is refused at construction', () => {
  it('a host mount at /tmp collides with the /tmp emptyDir', () => {
    const e = catchValidationError(() => workload({ hostMounts: [{ hostPath: '/tmp', reason: REASON }] }));
    expect(e.code).toBe('duplicate-mount-path');
  });
  it('a secret mounted at /tmp collides with the /tmp emptyDir', () => {
    const w = workload();
    const e = catchValidationError(() => w.mountSecret('token', SecretSource.kubernetesSecret({ name: 'tok', keys: ['token'] }), { mountPath: '/tmp' } as never));
    expect(e.code).toBe('duplicate-mount-path');
  });
  for (const value of [1, { a: 1 }, null, true]) {
    it(`env value ${JSON.stringify(value)}`, () => {
      catchValidationError(() => workload({ env: { A: value as never } }));
    });
    it(`annotation value ${JSON.stringify(value)}`, () => {
      catchValidationError(() => workload({ annotations: { 'example.com/a': value as never } }));
      catchValidationError(() => workload({ podAnnotations: { 'example.com/a': value as never } }));
    });
  }
  it('a second container with the main container\'s name', () => {
    const w = workload();
    const e = catchValidationError(() => w.addContainer({ name: 'agent', image: IMAGE }));
    expect(e.code).toBe('duplicate-container-name');
    catchValidationError(() => w.addInitContainer({ name: 'agent', image: IMAGE }));
  });
  it('a token volume added twice', () => {
    const w = workload();
    w.addServiceAccountTokenVolume('vault-token', 'vault');
    const e = catchValidationError(() => w.addServiceAccountTokenVolume('vault-token', 'vault'));
    expect(e.code).toBe('duplicate-volume');
    catchValidationError(() => w.addServiceAccountTokenVolume('tmp', 'vault'));
  });
  for (const key of ['.', '..', 'a/b', '']) {
    it(`Secret key ${JSON.stringify(key)}`, () => {
      catchValidationError(() => SecretSource.kubernetesSecret({ name: 'tok', keys: [key] }));
    });
  }
});

describe('no secret in any message', () => {
  const PASSWORD = 'hunter2-s3cret';
  const urls = [
    `user:${PASSWORD}@proxy.corp.example:3128`,
    `http:/user:${PASSWORD}@proxy.corp.example:3128`,
    `http://user:${PASSWORD}@proxy.corp.example:99999`,
    `http://user:${PASSWORD}@proxy.corp.example:3128/path`,
    `ftp://user:${PASSWORD}@proxy.corp.example`,
    `//user:${PASSWORD}@proxy.corp.example`,
    `http://:${PASSWORD}@proxy.corp.example`,
  ];
  for (const url of urls) {
    it(`proxy url ${url.replace(PASSWORD, '***')}`, () => {
      const e = catchValidationError(() => new OutboundProxy(new Chart(Testing.app(), 'c'), 'proxy', { url, cidrs: ['10.0.0.1/32'], apiServer: { cidrs: ['10.0.0.2/32'] } }));
      expect(e.message).not.toContain(PASSWORD);
      expect(JSON.stringify(e.value ?? null)).not.toContain(PASSWORD);
      expect(e.fix).not.toContain(PASSWORD);
    });
  }
  it('a proxy URL with a token in its query is not echoed', () => {
    const e = catchValidationError(() => new OutboundProxy(new Chart(Testing.app(), 'c'), 'proxy', { url: `http://proxy.corp.example:3128/?token=${PASSWORD}`, cidrs: ['10.0.0.1/32'], apiServer: { cidrs: ['10.0.0.2/32'] } }));
    expect(e.message).not.toContain(PASSWORD);
  });
  const BODY = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj';
  for (const key of [BODY, `${BODY}\n${BODY}`, `-----BEGIN PUBLIC KEY-----\n${BODY}\n-----END PUBLIC KEY-----\n${BODY}`, `junk\n-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n-----BEGIN PUBLIC KEY-----\nBBBB\n-----END PUBLIC KEY-----`]) {
    it(`an unarmoured key is never echoed, even in part (${key.length} chars)`, () => {
      const e = catchValidationError(() => new ImageSignaturePolicy(new Chart(Testing.app(), 'c'), 'p', { engine: 'sigstore' as never, publicKey: key, images: ['registry.example/a/*'], partOf: 'x' } as never));
      expect(e.message).not.toContain(BODY.slice(0, 12));
      expect(e.message).not.toContain('junk');
    });
  }
});

describe('determinism', () => {
  it('orders unknown kinds by code unit, whatever the locale', () => {
    const objs = ['b', 'B', 'a', 'Z', 'ä'].map((kind) => ({ kind, metadata: { name: 'x' } }));
    const kinds = sortManifests(objs).map((o) => o.kind);
    expect(kinds).toEqual(['B', 'Z', 'a', 'b', 'ä']);
  });
});

void ValidationError; void HostPathType; void validateSchema; void sortManifests;

describe('ValidationError never echoes a value that may be a secret, whatever prop it was given to', () => {
  const PW = 'Pw9xQ7zLk2mN';
  const TOKEN = 'ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';
  const PEM = `-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\n-----END PRIVATE KEY-----`;
  const cases: Array<[string, Partial<AgentWorkloadProps>, string]> = [
    ['a URL with a password as the namespace', { namespace: `http://u:${PW}@h` }, PW],
    ['a URL with a password as the image', { image: `u:${PW}@registry.example/a:1` }, PW],
    ['a token as the component', { component: TOKEN }, TOKEN.slice(4, 20)],
    ['a PEM private key as an env value of the wrong type', { env: { A: [PEM] as never } }, 'MIIEvQIBADAN'],
    ['a PEM private key as the instance', { instance: PEM }, 'MIIEvQIBADAN'],
    ['a token as a host path', { hostMounts: [{ hostPath: TOKEN, reason: REASON }] }, TOKEN.slice(4, 20)],
  ];
  for (const [what, props, secret] of cases) {
    it(what, () => {
      const e = catchValidationError(() => workload(props));
      expect(e.message).not.toContain(secret);
      expect(e.message.toLowerCase()).not.toContain(secret.toLowerCase());
      expect(JSON.stringify(e.value ?? null)).not.toContain(secret);
    });
  }
  it('still echoes ordinary bad values', () => {
    const e = catchValidationError(() => workload({ namespace: 'Bad_Namespace' }));
    expect(e.message).toContain('"Bad_Namespace"');
  });
});
