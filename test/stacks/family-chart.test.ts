import { generateKeyPairSync } from 'node:crypto';
import { App, Chart } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import {
  AgentWorkload, AiopsChart, CA_BUNDLE_ENV, ImagePolicyEngine, CA_BUNDLE_PATH, CostOptimizerChart, DataSource, FamilyChartProps, ObservabilityChart,
  SecretSource, SensorChart, TaintEffect, TolerationOperator, WhenUnsatisfiable, WorkloadSettings,
} from '../../src';
import { expectValidationError } from '../helpers/errors';
import { aiopsSecrets } from '../helpers/fixtures';
import { find, K8sObject, podMetadata, podSpec, synth } from '../helpers/synth';

const POD_KINDS = ['Deployment', 'DaemonSet', 'StatefulSet', 'Job', 'CronJob'];
const D = (c: string) => `@sha256:${c.repeat(64)}`;
const API = { cidrs: ['10.100.0.1/32', '172.31.10.25/32'], port: 443 };
const PROXY = { url: 'http://proxy.corp.example:3128', cidrs: ['10.40.0.10/32'] };
const credential = (name: string) => SecretSource.kubernetesSecret({ name, keys: ['key'] });
const AIOPS_SECRETS = aiopsSecrets();

/**
 * One ready chart as these tests drive it: how to build it with base props and settings for one
 * component, the workload that component makes, and which workloads talk out or to the vendor.
 */
interface ChartCase {
  readonly name: string;
  /** Builds the chart; `settings` go to the component under `key`; `withProxy` switches outside endpoints to the proxy. */
  build(app: App, id: string, base: Partial<FamilyChartProps>, settings: WorkloadSettings, withProxy: boolean, every?: WorkloadSettings): Chart;
  /** The component key the settings go to, and the workload (kind/name) it makes. */
  readonly key: string;
  readonly kind: string;
  readonly workload: string;
  /** Workloads whose containers talk to the outside, hence get the proxy. */
  readonly outbound: readonly string[];
  /** Workloads that mount the vendor credential in these tests. */
  readonly vendorFacing: readonly string[];
  /** A node agent (DaemonSet) of the chart, if it has one. */
  readonly nodeAgent?: string;
}

const ep = (url: string, cidrs: string[], proxy: boolean) => (proxy ? { url } : { url, cidrs });

const CASES: ChartCase[] = [
  {
    name: 'ObservabilityChart',
    key: 'mediator', kind: 'Deployment', workload: 'mediator', outbound: ['mediator'], vendorFacing: ['mediator'], nodeAgent: 'agent',
    build: (app, id, base, settings, withProxy, every = {}) => new ObservabilityChart(app, id, {
      apiServer: API,
      ...(withProxy ? { httpsProxy: PROXY } : {}),
      ...base,
      backend: ep('https://ingest.vendor.example', ['203.0.113.0/24'], withProxy),
      agent: { ...every, image: `ghcr.io/example/agent:1.0.0${D('a')}` },
      mediator: { ...every, image: `ghcr.io/example/mediator:1.0.0${D('b')}`, vendorCredential: credential('vendor-key'), ...settings },
      victoriaMetrics: { ...every, image: `docker.io/victoriametrics/victoria-metrics:v1.110.0${D('c')}` },
      executor: { ...every, image: `ghcr.io/example/executor:1.0.0${D('d')}` },
    }),
  },
  {
    name: 'SensorChart',
    key: 'digger', kind: 'Deployment', workload: 'digger',
    outbound: ['digger', 'detection-tool', 'crawler', 'prometheus-agent'], vendorFacing: ['digger', 'detection-tool', 'crawler'], nodeAgent: 'interceptor',
    build: (app, id, base, settings, withProxy, every = {}) => new SensorChart(app, id, {
      apiServer: API,
      ...(withProxy ? { httpsProxy: PROXY } : {}),
      ...base,
      nodeCidrs: ['10.0.16.0/20'],
      interceptor: { ...every, image: `ghcr.io/vendor/interceptor:1.0.0${D('a')}` },
      crawler: {
        ...every,
        image: `ghcr.io/vendor/crawler:1.0.0${D('e')}`,
        vendorCredential: credential('sensor-license'),
        // Given without CIDRs behind the proxy, the S3 source goes through it.
        sources: [DataSource.s3({ name: 'exports', bucket: 'corp-exports', region: 'eu-west-1', ...(withProxy ? {} : { cidrs: ['52.218.0.0/17'] }), credentials: credential('crawler-s3') })],
      },
      digger: {
        ...every,
        image: `ghcr.io/vendor/digger:1.0.0${D('b')}`,
        vendor: ep('https://ingest.vendor.example', ['203.0.113.0/24'], withProxy),
        vendorCredential: credential('vendor-token'),
        ...settings,
      },
      detectionTool: {
        ...every,
        image: `ghcr.io/vendor/detection:1.0.0${D('c')}`,
        vendorCredential: credential('sensor-license'),
        updates: { endpoint: ep('https://updates.vendor.example', ['198.51.100.0/24'], withProxy), bucket: ep('https://models.vendor.example', ['192.0.2.0/24'], withProxy) },
      },
      prometheusAgent: {
        ...every,
        image: `quay.io/prometheus/prometheus:v3.5.0${D('f')}`,
        remoteWrite: ep('https://metrics.vendor.example/api/v1/write', ['203.0.113.0/24'], withProxy),
        remoteWriteToken: credential('metrics-token'),
      },
    }),
  },
  {
    name: 'AiopsChart',
    key: 'api', kind: 'Deployment', workload: 'aiops-api', outbound: ['aiops-api'], vendorFacing: [],
    build: (app, id, base, settings, withProxy, every = {}) => new AiopsChart(app, id, {
      apiServer: API,
      ...(withProxy ? { httpsProxy: PROXY } : {}),
      ...base,
      secrets: AIOPS_SECRETS,
      api: { ...every, image: `ghcr.io/example/aiops-api:2.3.1${D('a')}`, ...settings },
      postgres: { ...every, image: `docker.io/library/postgres:17.2${D('b')}` },
      redis: { ...every, image: `docker.io/library/redis:7.4.1${D('c')}` },
      qdrant: { ...every, image: `docker.io/qdrant/qdrant:v1.12.4${D('d')}` },
      audit: { image: `docker.io/library/postgres:17.2-alpine${D('e')}`, jobs: every },
    }),
  },
  {
    name: 'CostOptimizerChart',
    key: 'agent', kind: 'Deployment', workload: 'optimizer-agent', outbound: ['optimizer-agent'], vendorFacing: ['optimizer-agent'],
    build: (app, id, base, settings, withProxy, every = {}) => new CostOptimizerChart(app, id, {
      apiServer: API,
      ...(withProxy ? { httpsProxy: PROXY } : {}),
      ...base,
      clusterName: 'prod-eu-1',
      agent: { ...every, image: `ghcr.io/example/optimizer-agent:2.3.0${D('a')}`, vendorCredential: credential('optimizer-key'), ...settings },
    }),
  },
];

const SETTINGS: WorkloadSettings = {
  tolerations: [{ key: 'dedicated', operator: TolerationOperator.EQUAL, value: 'agents', effect: TaintEffect.NO_SCHEDULE }],
  nodeSelector: { 'kubernetes.io/os': 'linux' },
  affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['amd64', 'arm64'] }] }] } } },
  topologySpread: [{ topologyKey: 'topology.kubernetes.io/zone', maxSkew: 2, whenUnsatisfiable: WhenUnsatisfiable.DO_NOT_SCHEDULE }],
  priorityClassName: 'agents-high',
  replicas: 3,
  disruptionBudget: { minAvailable: 2 },
  resources: { cpuRequest: '150m', cpuLimit: '750m', memoryRequest: '96Mi', memoryLimit: '384Mi' },
  env: { LOG_LEVEL: 'debug' },
  extraVolumes: [{ name: 'rules', mountPath: '/etc/rules', configMap: 'agent-rules' }],
  labels: { 'team.example.com/owner': 'platform' },
  annotations: { 'example.com/ticket': 'OPS-42' },
  podAnnotations: { 'example.com/scrape': 'false' },
  caBundle: { configMap: 'corp-ca', key: 'bundle.pem' },
  imagePullSecrets: ['extra-registry'],
};

function workloadsOf(objects: K8sObject[]): K8sObject[] {
  return objects.filter((o) => POD_KINDS.includes(o.kind));
}

function containersOf(w: K8sObject): any[] {
  const spec = podSpec(w);
  return [...(spec.initContainers ?? []), ...spec.containers];
}

const envOf = (c: any): Record<string, string> => Object.fromEntries((c.env ?? []).map((e: any) => [e.name, e.value]));

describe.each(CASES)('$name: the base props and every operational setting', (c) => {
  const objects = synth((app) => {
    c.build(app, 'chart', { namespace: 'team-a', imagePullSecrets: ['vendor-registry'], imageRegistry: 'mirror.corp.example/cache', createNamespace: true }, SETTINGS, false);
  });
  const w = find(objects, c.kind, c.workload);
  const spec = podSpec(w);
  const main = spec.containers[0];

  it('puts every namespaced object in the namespace and creates it with Pod Security Admission labels', () => {
    const ns = find(objects, 'Namespace', 'team-a');
    expect(ns.metadata.labels?.['pod-security.kubernetes.io/warn']).toBe('restricted');
    expect(['privileged', 'baseline', 'restricted']).toContain(ns.metadata.labels?.['pod-security.kubernetes.io/enforce']);
    // The one exception: the optimiser agent reads the provider's config maps in kube-system through a
    // Role there (docs/needs/cost-optimizer.md), named after the chart's namespace.
    const kubeSystemRead = (x: K8sObject) => ['Role', 'RoleBinding'].includes(x.kind) && x.metadata.namespace === 'kube-system' && x.metadata.name === 'team-a-optimizer-agent';
    for (const o of objects.filter((x) => !['Namespace', 'ClusterRole', 'ClusterRoleBinding'].includes(x.kind) && !kubeSystemRead(x))) {
      expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe('team-a');
    }
  });

  it('puts the chart\'s pull secret on every pod, and the component\'s own after it', () => {
    for (const x of workloadsOf(objects)) expect(podSpec(x).imagePullSecrets?.[0], x.metadata.name).toEqual({ name: 'vendor-registry' });
    expect(spec.imagePullSecrets).toEqual([{ name: 'vendor-registry' }, { name: 'extra-registry' }]);
  });

  it('rewrites the registry of every image and keeps its path and digest', () => {
    for (const x of workloadsOf(objects)) {
      for (const ctr of containersOf(x)) expect(ctr.image, x.metadata.name).toMatch(/^mirror\.corp\.example\/cache\/[^@]+@sha256:[a-f0-9]{64}$/);
    }
  });

  it('sets tolerations, node selector, affinity, topology spread and priority class', () => {
    expect(spec.tolerations).toEqual([{ key: 'dedicated', operator: 'Equal', value: 'agents', effect: 'NoSchedule' }]);
    expect(spec.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux' });
    expect(spec.affinity).toEqual(SETTINGS.affinity);
    expect(spec.topologySpreadConstraints).toEqual([{
      topologyKey: 'topology.kubernetes.io/zone', maxSkew: 2, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: w.spec.selector.matchLabels },
    }]);
    expect(spec.priorityClassName).toBe('agents-high');
  });

  it('runs the replicas asked for, with a PodDisruptionBudget selecting exactly its pods', () => {
    expect(w.spec.replicas).toBe(3);
    const pdb = find(objects, 'PodDisruptionBudget', c.workload);
    expect(pdb.spec).toEqual({ minAvailable: 2, selector: { matchLabels: w.spec.selector.matchLabels } });
  });

  it('sizes the main container, adds the env, labels and annotations', () => {
    expect(main.resources).toEqual({ requests: { cpu: '150m', memory: '96Mi' }, limits: { cpu: '750m', memory: '384Mi' } });
    expect(envOf(main).LOG_LEVEL).toBe('debug');
    expect(w.metadata.labels?.['team.example.com/owner']).toBe('platform');
    expect(podMetadata(w).labels['team.example.com/owner']).toBe('platform');
    expect(find(objects, 'ServiceAccount', c.workload).metadata.labels?.['team.example.com/owner']).toBe('platform');
    expect(w.metadata.annotations?.['example.com/ticket']).toBe('OPS-42');
    expect(podMetadata(w).annotations).toMatchObject({ 'example.com/ticket': 'OPS-42', 'example.com/scrape': 'false' });
  });

  it('mounts the extra volume and the CA bundle read-only into every container, with the TLS env vars', () => {
    expect(spec.volumes).toContainEqual({ name: 'rules', configMap: { name: 'agent-rules', defaultMode: 0o444 } });
    expect(spec.volumes).toContainEqual({ name: 'ca-bundle', configMap: { name: 'corp-ca', defaultMode: 0o444, items: [{ key: 'bundle.pem', path: 'ca.crt' }] } });
    for (const ctr of containersOf(w)) {
      expect(ctr.volumeMounts).toContainEqual({ name: 'rules', mountPath: '/etc/rules', readOnly: true });
      expect(ctr.volumeMounts).toContainEqual({ name: 'ca-bundle', mountPath: CA_BUNDLE_PATH.slice(0, CA_BUNDLE_PATH.lastIndexOf('/')), readOnly: true });
      for (const name of CA_BUNDLE_ENV) expect(envOf(ctr)[name], `${ctr.name} ${name}`).toBe(CA_BUNDLE_PATH);
    }
  });

  it('mounts the vendor credential as a read-only file in each component that talks to the vendor', () => {
    for (const name of c.vendorFacing) {
      const x = workloadsOf(objects).find((o) => o.metadata.name === name)!;
      const ctr = podSpec(x).containers[0];
      const file = envOf(ctr).VENDOR_CREDENTIAL_FILE;
      expect(file, name).toMatch(/^\/etc\/secrets\/[a-z-]+\/key$/);
      expect(ctr.volumeMounts).toContainEqual(expect.objectContaining({ mountPath: file.slice(0, file.lastIndexOf('/')), readOnly: true }));
      expect(JSON.stringify(ctr.env)).not.toContain('secretKeyRef');
    }
  });

  if (c.nodeAgent) {
    it('lets the node agent tolerate every taint and run as system-node-critical by default, with its reason, and admits that class by quota', () => {
      const ds = find(objects, 'DaemonSet', c.nodeAgent!);
      expect(podSpec(ds).tolerations).toEqual([{ operator: 'Exists' }]);
      expect(ds.metadata.annotations?.['reasons.secure-agents.io/tolerations']).toMatch(/every node/);
      expect(podSpec(ds).priorityClassName).toBe('system-node-critical');
      expect(ds.spec.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
      const quota = find(objects, 'ResourceQuota', 'critical-pods');
      expect(quota.spec.scopeSelector).toEqual({ matchExpressions: [{ operator: 'In', scopeName: 'PriorityClass', values: ['system-node-critical'] }] });
      expect(quota.spec.hard).toEqual({ pods: '1000' }); // criticalPodQuota's documented default
    });
  }
});

const PUBLIC_KEY = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();

describe.each(CASES)('$name: image policy and digest pinning', (c) => {
  it('adds the image signature policy named after the namespace, for the family', () => {
    const objects = synth((app) => {
      c.build(app, 'chart', { namespace: 'team-a', imagePolicy: { engine: ImagePolicyEngine.KYVERNO, publicKey: PUBLIC_KEY, images: ['ghcr.io/*/**'] } }, {}, false);
    });
    const policy = find(objects, 'ImageValidatingPolicy', 'team-a-signed-images');
    expect(policy.spec.matchImageReferences).toEqual([{ glob: 'ghcr.io/*/**' }]);
    expect(policy.metadata.labels?.['app.kubernetes.io/part-of']).toBe(find(objects, c.kind, c.workload).metadata.labels?.['app.kubernetes.io/part-of']);
  });

  it('refuses an image that is not pinned by digest, naming the component, unless told not to', () => {
    const unpinned = { image: 'ghcr.io/example/unpinned:1.0.0' } as WorkloadSettings;
    const e = expectValidationError(() => c.build(new App(), 'chart', {}, unpinned, false));
    expect([e.code, e.prop, e.message.startsWith(`${c.name} "chart": `)]).toEqual(['image-not-pinned', `${c.key}.image`, true]);
    expect(() => c.build(new App(), 'chart', { requireImageDigests: false }, unpinned, false)).not.toThrow();
  });
});

describe.each(CASES)('$name: every component takes the operational settings', (c) => {
  it('puts node selector, labels, annotations, extra env and the CA bundle on every workload of the chart', () => {
    const every: WorkloadSettings = {
      nodeSelector: { 'node.example.com/pool': 'agents' },
      labels: { 'team.example.com/owner': 'platform' },
      annotations: { 'example.com/ticket': 'OPS-7' },
      env: { EXTRA_SETTING: 'on' },
      caBundle: { configMap: 'corp-ca' },
    };
    const objects = synth((app) => { c.build(app, 'chart', { namespace: 'team-a' }, {}, false, every); });
    const workloads = workloadsOf(objects);
    expect(workloads.length).toBeGreaterThan(c.name === 'CostOptimizerChart' ? 0 : 2);
    for (const w of workloads) {
      const spec = podSpec(w);
      expect(spec.nodeSelector, w.metadata.name).toEqual({ 'node.example.com/pool': 'agents' });
      expect(w.metadata.labels?.['team.example.com/owner'], w.metadata.name).toBe('platform');
      expect(w.metadata.annotations?.['example.com/ticket'], w.metadata.name).toBe('OPS-7');
      expect(envOf(spec.containers[0]).EXTRA_SETTING, w.metadata.name).toBe('on');
      for (const ctr of containersOf(w)) expect(envOf(ctr).SSL_CERT_FILE, `${w.metadata.name}/${ctr.name}`).toBe(CA_BUNDLE_PATH);
    }
  });
});

describe.each(CASES)('$name: the outbound proxy', (c) => {
  const objects = synth((app) => { c.build(app, 'chart', { namespace: 'team-a' }, {}, true); });

  it('sets HTTPS_PROXY and the full NO_PROXY on every container that talks out, and opens the proxy on its own port', () => {
    for (const name of c.outbound) {
      const w = workloadsOf(objects).find((o) => o.metadata.name === name)!;
      for (const ctr of containersOf(w)) {
        const env = envOf(ctr);
        expect(env.HTTPS_PROXY, `${name}/${ctr.name}`).toBe('http://proxy.corp.example:3128');
        expect(env.NO_PROXY.split(','), `${name}/${ctr.name}`).toEqual(expect.arrayContaining(
          ['localhost', '127.0.0.1', '10.100.0.1', '172.31.10.25', 'kubernetes.default', 'kubernetes.default.svc', '.svc', '.cluster.local'],
        ));
      }
      const egress = find(objects, 'NetworkPolicy', name).spec.egress;
      expect(egress, name).toContainEqual({ to: [{ ipBlock: { cidr: '10.40.0.10/32' } }], ports: [{ protocol: 'TCP', port: 3128 }] });
      // The proxy is the only way out: no rule opens 443 to anything outside the cluster.
      const outside443 = egress.filter((r: any) => r.ports.some((p: any) => p.port === 443) && r.to.some((t: any) => t.ipBlock && !['10.100.0.1/32', '172.31.10.25/32'].includes(t.ipBlock.cidr)));
      expect(outside443, name).toEqual([]);
    }
  });

  it('sets no proxy on a workload that does not talk out', () => {
    const inside = workloadsOf(objects).filter((w) => !c.outbound.includes(w.metadata.name));
    for (const w of inside) for (const ctr of containersOf(w)) expect(envOf(ctr).HTTPS_PROXY, w.metadata.name).toBeUndefined();
  });
});

describe.each(CASES)('$name: names', (c) => {
  it('installs twice in one app, in two namespaces, without a name collision', () => {
    const objects = synth((app) => {
      c.build(app, 'one', { namespace: 'team-a' }, {}, false);
      c.build(app, 'two', { namespace: 'team-b' }, {}, false);
    });
    const keys = objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const o of objects.filter((x) => x.kind.startsWith('Cluster'))) expect(o.metadata.name).toMatch(/^team-[ab]-/);
  });

  it('installs in two namespaces where one name extends the other (aiops and aiops-api) without a collision', () => {
    // A ClusterRole name that already started with its namespace used to be left as it was, so
    // "aiops-api-read-only" came out of both namespaces.
    const objects = synth((app) => {
      c.build(app, 'one', { namespace: 'aiops' }, {}, false);
      c.build(app, 'two', { namespace: 'aiops-api' }, {}, false);
    });
    const cluster = objects.filter((x) => !x.metadata.namespace).map((o) => `${o.kind}/${o.metadata.name}`);
    expect(new Set(cluster).size).toBe(cluster.length);
  });

  it('names the chart and the chart prop in a bad value\'s error', () => {
    const e = expectValidationError(() => c.build(new App(), 'chart', { apiServer: { cidrs: ['10.0.0.1/40'] } }, {}, false));
    expect(e.message).toMatch(new RegExp(`^${c.name} "chart": apiServer\\.cidrs\\[0\\] "10\\.0\\.0\\.1/40"`));
    const bad = expectValidationError(() => c.build(new App(), 'chart', {}, { nodeSelector: { 'bad key!': 'x' } }, false));
    expect(bad.message.startsWith(`${c.name} "chart": ${c.key}.nodeSelector key`)).toBe(true);
  });
});

describe('workload names', () => {
  it('refuses two workloads with one name in a chart', () => {
    const app = new App();
    const chart = new Chart(app, 'c', { namespace: 'agents' });
    new AgentWorkload(chart, 'first', { name: 'agent', component: 'agent', partOf: 'tests', image: 'ghcr.io/example/agent:1.0.0' });
    const e = expectValidationError(() => new AgentWorkload(chart, 'second', { name: 'agent', component: 'agent', partOf: 'tests', image: 'ghcr.io/example/agent:1.0.0' }));
    expect([e.code, e.prop, e.path]).toEqual(['duplicate-workload-name', 'name', 'c/second']);
    expect(e.message).toContain('"c/first"');
  });

  it('allows one name in two namespaces of a chart', () => {
    const chart = new Chart(new App(), 'c', { namespace: 'agents' });
    new AgentWorkload(chart, 'first', { name: 'agent', component: 'agent', partOf: 'tests', image: 'ghcr.io/example/agent:1.0.0' });
    expect(() => new AgentWorkload(chart, 'second', { name: 'agent', namespace: 'other', component: 'agent', partOf: 'tests', image: 'ghcr.io/example/agent:1.0.0' })).not.toThrow();
  });

  it('refuses bad settings with a ValidationError', () => {
    const chart = () => new Chart(new App(), 'c');
    const bad: Array<[WorkloadSettings, string]> = [
      [{ tolerations: [{ operator: TolerationOperator.EXISTS, value: 'x' }] }, 'tolerations[0].value'],
      [{ tolerations: [{ key: 'k', effect: TaintEffect.NO_SCHEDULE, tolerationSeconds: 30 }] }, 'tolerations[0].tolerationSeconds'],
      [{ disruptionBudget: { minAvailable: 1, maxUnavailable: 1 } }, 'disruptionBudget'],
      [{ extraVolumes: [{ name: 'v', mountPath: '/v' }] }, 'extraVolumes[0]'],
      [{ caBundle: { configMap: 'Not_A_Name' } }, 'caBundle.configMap'],
      [{ priorityClassName: 'Bad Class' }, 'priorityClassName'],
    ];
    for (const [settings, prop] of bad) {
      const e = expectValidationError(() => new AgentWorkload(chart(), 'w', { component: 'agent', partOf: 'tests', image: 'ghcr.io/example/agent:1.0.0', replicas: 2, ...settings }));
      expect(e.prop).toBe(prop);
    }
  });
});
