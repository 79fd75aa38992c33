import { App } from 'cdk8s';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { parse } from 'yaml';
import { sensor } from '../../examples/sensor';
import {
  DataSource, DIGGER_RULES, ImagePolicyEngine, INTERCEPTOR_CAPABILITIES, SecretSource, SensorChart, SensorChartProps, ValidationError,
} from '../../src';
import { catchValidationError } from '../helpers/errors';
import { find, K8sObject, podMetadata, podSpec, synth, synthYaml } from '../helpers/synth';

const POD_KINDS = ['Deployment', 'DaemonSet', 'StatefulSet', 'Job', 'CronJob'];
const D = (c: string) => `@sha256:${c.repeat(64)}`;
const PROPS: SensorChartProps = {
  apiServer: { cidrs: ['10.100.0.1/32'] },
  nodeCidrs: ['10.0.16.0/20'],
  interceptor: { image: `ghcr.io/vendor/interceptor:1.0.0${D('a')}` },
  crawler: {
    image: `ghcr.io/vendor/crawler:1.0.0${D('e')}`,
    sources: [DataSource.postgresql({ name: 'orders', host: 'orders.db.internal', databases: ['orders'], cidrs: ['10.20.1.0/24'], credentials: SecretSource.kubernetesSecret({ name: 'orders-db', keys: ['username', 'password'] }) })],
  },
  digger: {
    image: `ghcr.io/vendor/digger:1.0.0${D('b')}`,
    vendor: { url: 'https://ingest.vendor.example', cidrs: ['203.0.113.0/24'] },
    vendorCredential: SecretSource.kubernetesSecret({ name: 'vendor-token', keys: ['token'] }),
  },
  detectionTool: {
    image: `ghcr.io/vendor/detection:1.0.0${D('c')}`,
    updates: { endpoint: { url: 'https://updates.vendor.example', cidrs: ['198.51.100.0/24'] }, bucket: { url: 'https://models.vendor.example:8443', cidrs: ['192.0.2.0/24'] } },
  },
  prometheusAgent: {
    image: `quay.io/prometheus/prometheus:v3.5.0${D('d')}`,
    remoteWrite: { url: 'https://metrics.vendor.example/api/v1/write', cidrs: ['203.0.113.0/24'] },
    remoteWriteToken: SecretSource.kubernetesSecret({ name: 'metrics-token', keys: ['token'] }),
  },
};

const workloads = (objects: K8sObject[]) => objects.filter((o) => POD_KINDS.includes(o.kind));
const container = (objects: K8sObject[], kind: string, name: string) => podSpec(find(objects, kind, name)).containers[0];
const envOf = (c: any): Record<string, string> => Object.fromEntries((c.env ?? []).map((e: any) => [e.name, e.value]));

/** Each egress rule of a workload's policy as `peer[,peer]:port/proto[,...]`. */
function egress(objects: K8sObject[], name: string): string[] {
  return find(objects, 'NetworkPolicy', name).spec.egress.map((r: any) => {
    const peers = r.to.map((p: any) => p.ipBlock?.cidr ?? (p.podSelector.matchLabels['k8s-app'] ? 'dns' : p.podSelector.matchLabels['app.kubernetes.io/name']));
    return `${peers.join(',')}:${r.ports.map((p: any) => `${p.port}/${p.protocol}`).join(',')}`;
  });
}

describe('SensorChart', () => {
  const objects = synth((app) => { new SensorChart(app, 'sensor', PROPS); });

  describe('interceptor', () => {
    const ds = find(objects, 'DaemonSet', 'interceptor');
    const spec = podSpec(ds);

    it('shares the node\'s network and PID namespaces and resolves cluster names', () => {
      expect([spec.hostNetwork, spec.hostPID, spec.hostIPC, spec.dnsPolicy]).toEqual([true, true, undefined, 'ClusterFirstWithHostNet']);
    });

    it('drops ALL and adds exactly the six capabilities, as root (the identity that gets them with the stock image on every runtime), not privileged', () => {
      expect(spec.containers[0].securityContext).toEqual({
        allowPrivilegeEscalation: false,
        privileged: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: false,
        runAsUser: 0,
        runAsGroup: 1000,
        seccompProfile: { type: 'RuntimeDefault' },
        capabilities: { drop: ['ALL'], add: ['NET_ADMIN', 'SYS_ADMIN', 'BPF', 'NET_BIND_SERVICE', 'NET_RAW', 'SYS_PTRACE'] },
      });
      expect(spec.containers).toHaveLength(1);
    });

    it('carries each capability\'s reason and the host namespaces\' reasons as exemptions', () => {
      const ann = ds.metadata.annotations ?? {};
      for (const grant of INTERCEPTOR_CAPABILITIES.filter((g) => g.capability !== 'NET_BIND_SERVICE')) {
        expect(ann['exemptions.secure-agents.io/pss-capabilities-baseline']).toContain(`${grant.capability}: ${grant.reason}`);
        expect(ann['exemptions.secure-agents.io/pss-capabilities-restricted']).toContain(`${grant.capability}: ${grant.reason}`);
      }
      expect(ann['exemptions.secure-agents.io/pss-hostnamespaces']).toMatch(/^hostNetwork: .+; hostPid: .+$/);
      expect(ann['exemptions.secure-agents.io/pss-hostports']).toContain('9465');
      expect(spec.containers[0].ports).toEqual([{ containerPort: 9465, hostPort: 9465, name: 'metrics', protocol: 'TCP' }]);
    });

    it('is selected by no NetworkPolicy, since none would apply, and sends only to the digger', () => {
      const labels = podMetadata(ds).labels;
      const selecting = objects.filter((o) => o.kind === 'NetworkPolicy'
        && Object.entries(o.spec.podSelector.matchLabels).every(([k, v]) => labels[k] === v));
      expect(selecting).toEqual([]);
      expect(spec.containers[0].env).toEqual([{ name: 'DIGGER_ADDRESS', value: 'digger.sensor.svc:9443' }]);
      expect(spec.automountServiceAccountToken).toBe(false);
    });

    it('runs privileged only as an explicit choice, with the reason', () => {
      const out = synth((app) => { new SensorChart(app, 'sensor', { ...PROPS, interceptor: { ...PROPS.interceptor!, privileged: { reason: 'the node kernel predates CAP_BPF' } } }); });
      const ds2 = find(out, 'DaemonSet', 'interceptor');
      const sc = podSpec(ds2).containers[0].securityContext;
      expect([sc.privileged, sc.allowPrivilegeEscalation, sc.capabilities]).toEqual([true, true, { drop: ['ALL'] }]);
      expect(ds2.metadata.annotations?.['exemptions.secure-agents.io/pss-privileged']).toBe('the node kernel predates CAP_BPF');
    });
  });

  it('runs every sensor container as 1000 (the interceptor as root) and the Prometheus agent as 65534, on pod and container', () => {
    const uids = Object.fromEntries(workloads(objects).map((w) => {
      const spec = podSpec(w);
      const ids = [spec.securityContext, ...spec.containers.map((c: any) => c.securityContext)].map((s) => `${s.runAsUser}:${s.runAsGroup}`);
      return [w.metadata.name, [...new Set([...ids, `fs${spec.securityContext.fsGroup}`])].join(' ')];
    }));
    expect(uids).toEqual({
      // Root for its capabilities (CapabilityIdentity.ROOT); the group stays the sensor's.
      interceptor: '0:1000 fs1000',
      crawler: '1000:1000 fs1000',
      digger: '1000:1000 fs1000',
      'detection-tool': '1000:1000 fs1000',
      'prometheus-agent': '65534:65534 fs65534',
    });
  });

  it('lets a UID be overridden per workload', () => {
    const out = synth((app) => { new SensorChart(app, 'sensor', { ...PROPS, digger: { ...PROPS.digger, runAsUser: 20000 } }); });
    expect(podSpec(find(out, 'Deployment', 'digger')).securityContext.runAsUser).toBe(20000);
    expect(podSpec(find(out, 'Deployment', 'detection-tool')).securityContext.runAsUser).toBe(1000);
  });

  it('gives the digger exactly its read-only ClusterRole, and nothing on secrets', () => {
    const role = find(objects, 'ClusterRole', 'sensor-digger');
    expect(role.rules).toEqual([
      { apiGroups: [''], resources: ['endpoints', 'events', 'namespaces', 'nodes', 'pods', 'replicationcontrollers', 'services'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['pods/status', 'replicationcontrollers/scale', 'replicationcontrollers/status'], verbs: ['get'] },
      { apiGroups: ['apps'], resources: ['controllerrevisions', 'daemonsets', 'deployments', 'replicasets', 'statefulsets'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['apps'], resources: ['daemonsets/status', 'deployments/scale', 'deployments/status', 'replicasets/scale', 'replicasets/status', 'statefulsets/scale', 'statefulsets/status'], verbs: ['get'] },
      { apiGroups: ['batch'], resources: ['cronjobs', 'jobs'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['networking.k8s.io'], resources: ['ingresses'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['get', 'list', 'watch'] },
    ]);
    expect(role.rules).toEqual(DIGGER_RULES.map(({ reason: _reason, ...rule }) => rule));
    expect(JSON.parse(role.metadata.annotations!['reasons.secure-agents.io/rules'])).toEqual(DIGGER_RULES.map((r) => r.reason));
    expect(find(objects, 'ClusterRoleBinding', 'sensor-digger').subjects).toEqual([{ kind: 'ServiceAccount', name: 'digger', namespace: 'sensor' }]);
    const roles = objects.filter((o) => o.kind === 'ClusterRole' || o.kind === 'Role');
    expect(roles.map((r) => `${r.kind}/${r.metadata.name}`).sort()).toEqual(['ClusterRole/sensor-digger', 'Role/prometheus-agent']);
    expect(find(objects, 'Role', 'prometheus-agent').rules).toEqual([{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }]);
  });

  it('mounts a token only where a role is bound: the detection tool has no API access', () => {
    const tokens = Object.fromEntries(workloads(objects).map((w) => [w.metadata.name, podSpec(w).automountServiceAccountToken]));
    expect(tokens).toEqual({ interceptor: false, crawler: false, digger: true, 'detection-tool': false, 'prometheus-agent': true });
  });

  it('allows exactly the peers each workload needs, with vendor endpoints by CIDR when there is no proxy', () => {
    expect(egress(objects, 'digger')).toEqual(['dns:53/UDP,53/TCP', '10.100.0.1/32:443/TCP', '203.0.113.0/24:443/TCP', 'detection-tool:8080/TCP']);
    expect(egress(objects, 'detection-tool')).toEqual(['dns:53/UDP,53/TCP', '198.51.100.0/24:443/TCP', '192.0.2.0/24:8443/TCP']);
    expect(egress(objects, 'prometheus-agent')).toEqual([
      'dns:53/UDP,53/TCP', '10.100.0.1/32:443/TCP', '203.0.113.0/24:443/TCP', 'digger:9090/TCP', 'detection-tool:9090/TCP', 'crawler:9090/TCP', '10.0.16.0/20:9465/TCP',
    ]);
    expect(egress(objects, 'crawler')).toEqual(['dns:53/UDP,53/TCP', '10.20.1.0/24:5432/TCP', 'digger:9443/TCP']);
    for (const w of ['digger', 'detection-tool', 'prometheus-agent', 'crawler']) {
      expect(envOf(container(objects, 'Deployment', w))).not.toHaveProperty('HTTPS_PROXY');
    }
  });

  it('accepts the interceptors by the node addresses and the rest by workload', () => {
    const ingress = (name: string) => find(objects, 'NetworkPolicy', name).spec.ingress;
    expect(ingress('digger')).toEqual([
      { from: [{ ipBlock: { cidr: '10.0.16.0/20' } }], ports: [{ port: 9443, protocol: 'TCP' }] },
      { from: [{ podSelector: { matchLabels: podSelectorOf(objects, 'crawler') } }], ports: [{ port: 9443, protocol: 'TCP' }] },
      { from: [{ podSelector: { matchLabels: podSelectorOf(objects, 'prometheus-agent') } }], ports: [{ port: 9090, protocol: 'TCP' }] },
    ]);
    expect(ingress('crawler').map((r: any) => r.from[0].podSelector.matchLabels['app.kubernetes.io/name'])).toEqual(['prometheus-agent']);
    expect(ingress('detection-tool').map((r: any) => r.from[0].podSelector.matchLabels['app.kubernetes.io/name'])).toEqual(['digger', 'prometheus-agent']);
    expect(ingress('prometheus-agent')).toEqual([]);
  });

  it('refuses an image that is not pinned by digest, unless told not to', () => {
    const unpinned = { ...PROPS, detectionTool: { ...PROPS.detectionTool, image: 'ghcr.io/vendor/detection:1.0.0' } };
    const e = catchValidationError(() => new SensorChart(new App(), 'sensor', unpinned));
    expect([e.code, e.prop]).toEqual(['image-not-pinned', 'detectionTool.image']);
    expect(() => new SensorChart(new App(), 'sensor', { ...unpinned, requireImageDigests: false })).not.toThrow();
  });

  it('emits the Namespace only when asked, enforcing privileged only for the interceptor', () => {
    expect(objects.filter((o) => o.kind === 'Namespace')).toEqual([]);
    const psa = (props: SensorChartProps) => {
      const ns = find(synth((app) => { new SensorChart(app, 'sensor', { ...props, createNamespace: true }); }), 'Namespace', 'sensor');
      expect(ns.metadata.namespace).toBeUndefined();
      return Object.fromEntries(Object.entries(ns.metadata.labels ?? {}).filter(([k]) => k.startsWith('pod-security.kubernetes.io/')));
    };
    expect(psa(PROPS)).toEqual({ 'pod-security.kubernetes.io/enforce': 'privileged', 'pod-security.kubernetes.io/warn': 'restricted', 'pod-security.kubernetes.io/audit': 'restricted' });
    expect(psa({ ...PROPS, interceptor: undefined })['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  it('needs data in motion, data at rest or both, and runs with either alone', () => {
    const e = catchValidationError(() => new SensorChart(new App(), 'sensor', { ...PROPS, interceptor: undefined, crawler: undefined }));
    expect([e.prop, e.code]).toEqual(['interceptor', 'nothing-to-watch']);
    const kinds = (props: SensorChartProps) => workloads(synth((app) => { new SensorChart(app, 'sensor', props); })).map((w) => w.metadata.name).sort();
    expect(kinds({ ...PROPS, crawler: undefined })).toEqual(['detection-tool', 'digger', 'interceptor', 'prometheus-agent']);
    expect(kinds({ ...PROPS, interceptor: undefined, nodeCidrs: undefined })).toEqual(['crawler', 'detection-tool', 'digger', 'prometheus-agent']);
  });

  it('adds the image signature policy when asked, with the Sigstore opt-in label on the Namespace it creates', () => {
    expect(objects.filter((o) => ['ClusterImagePolicy', 'ImageValidatingPolicy'].includes(o.kind))).toEqual([]);
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const publicKey = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const out = (engine: ImagePolicyEngine) => synth((app) => {
      new SensorChart(app, 'sensor', { ...PROPS, createNamespace: true, imagePolicy: { engine, publicKey, images: ['ghcr.io/vendor/*'] } });
    });
    const sigstore = out(ImagePolicyEngine.SIGSTORE);
    const cip = find(sigstore, 'ClusterImagePolicy', 'sensor-signed-images');
    expect(cip.spec).toEqual({ images: [{ glob: 'ghcr.io/vendor/*' }], authorities: [{ name: 'cosign-key', key: { data: publicKey } }], mode: 'enforce' });
    expect(cip.metadata.labels?.['app.kubernetes.io/part-of']).toBe('sensor');
    expect(find(sigstore, 'Namespace', 'sensor').metadata.labels?.['policy.sigstore.dev/include']).toBe('true');
    const kyverno = out(ImagePolicyEngine.KYVERNO);
    expect(find(kyverno, 'ImageValidatingPolicy', 'sensor-signed-images').spec.matchImageReferences).toEqual([{ glob: 'ghcr.io/vendor/*' }]);
    expect(find(kyverno, 'Namespace', 'sensor').metadata.labels).not.toHaveProperty('policy.sigstore.dev/include');
    const e = catchValidationError(() => new SensorChart(new App(), 'sensor', {
      ...PROPS, imagePolicy: { engine: ImagePolicyEngine.KYVERNO, publicKey: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), images: ['ghcr.io/vendor/*'] },
    }));
    expect([e.path, e.prop, e.code]).toEqual(['sensor', 'imagePolicy.publicKey', 'private-key']);
  });

  it('uses the API server port it is given (6443 on kubeadm)', () => {
    const out = synth((app) => { new SensorChart(app, 'sensor', { ...PROPS, apiServer: { cidrs: ['10.100.0.1/32'], port: 6443 } }); });
    expect(egress(out, 'digger')[1]).toBe('10.100.0.1/32:6443/TCP');
    expect(egress(out, 'prometheus-agent')[1]).toBe('10.100.0.1/32:6443/TCP');
  });
});

function podSelectorOf(objects: K8sObject[], name: string): Record<string, string> {
  return find(objects, 'NetworkPolicy', name).spec.podSelector.matchLabels;
}

describe('SensorChart with the outbound proxy', () => {
  const withProxy: SensorChartProps = {
    ...PROPS,
    httpsProxy: { url: 'http://proxy.corp.example:3128', cidrs: ['10.40.0.10/32'], noProxy: ['.corp.example'] },
    digger: { ...PROPS.digger, vendor: { url: 'https://ingest.vendor.example' } },
    detectionTool: { ...PROPS.detectionTool, updates: { endpoint: { url: 'https://updates.vendor.example' }, bucket: { url: 'https://models.vendor.example' } } },
    prometheusAgent: { ...PROPS.prometheusAgent!, remoteWrite: { url: 'https://metrics.vendor.example/api/v1/write' } },
  };
  const objects = synth((app) => { new SensorChart(app, 'sensor', withProxy); });
  const NO_PROXY = 'localhost,127.0.0.1,10.100.0.1,kubernetes.default,kubernetes.default.svc,.svc,.cluster.local,.corp.example';

  it('puts HTTPS_PROXY and NO_PROXY on every container that talks out, and not on the interceptor', () => {
    for (const w of ['digger', 'detection-tool', 'prometheus-agent']) {
      for (const c of podSpec(find(objects, 'Deployment', w)).containers) {
        expect(envOf(c), w).toMatchObject({ HTTPS_PROXY: 'http://proxy.corp.example:3128', NO_PROXY: NO_PROXY });
      }
    }
    expect(envOf(container(objects, 'DaemonSet', 'interceptor'))).not.toHaveProperty('HTTPS_PROXY');
  });

  it('allows the proxy instead of the vendor\'s addresses', () => {
    expect(egress(objects, 'digger')).toEqual(['dns:53/UDP,53/TCP', '10.100.0.1/32:443/TCP', '10.40.0.10/32:3128/TCP', 'detection-tool:8080/TCP']);
    expect(egress(objects, 'detection-tool')).toEqual(['dns:53/UDP,53/TCP', '10.40.0.10/32:3128/TCP']);
    expect(egress(objects, 'prometheus-agent')).toContain('10.40.0.10/32:3128/TCP');
    expect(egress(objects, 'prometheus-agent')).not.toContain('203.0.113.0/24:443/TCP');
  });

  it('has Prometheus remote-write through the proxy with the token read from a file', () => {
    const yml = find(objects, 'ConfigMap', 'prometheus-agent-config').data['prometheus.yml'];
    expect(yml).toContain('proxy_from_environment: true');
    expect(yml).toContain('credentials_file: /etc/secrets/metrics-token/token');
  });
});

describe('the sensor example', () => {
  const yaml = synthYaml((app) => { sensor(app); });
  const objects = synth((app) => { sensor(app); });

  it('has data in motion, data at rest, metrics and the proxy on, with tokens from Vault', () => {
    expect(workloads(objects).map((w) => `${w.kind}/${w.metadata.name}`).sort()).toEqual([
      'DaemonSet/interceptor', 'Deployment/crawler', 'Deployment/detection-tool', 'Deployment/digger', 'Deployment/prometheus-agent',
    ]);
    for (const w of ['digger', 'detection-tool', 'prometheus-agent']) expect(envOf(container(objects, 'Deployment', w))).toHaveProperty('HTTPS_PROXY');
  });

  it('puts the Vault annotations in the injector\'s documented shape on each pod that reads a token', () => {
    for (const w of ['digger', 'detection-tool', 'prometheus-agent']) {
      const deployment = find(objects, 'Deployment', w);
      const ann = podMetadata(deployment).annotations;
      const secrets = Object.keys(ann).filter((k) => k.startsWith('vault.hashicorp.com/agent-inject-secret-'));
      expect(secrets, w).toHaveLength(1);
      const name = secrets[0].slice('vault.hashicorp.com/agent-inject-secret-'.length);
      expect(ann[secrets[0]]).toBe(`secret/data/sensor/${name}`);
      expect(ann).toMatchObject({
        'vault.hashicorp.com/agent-inject': 'true',
        'vault.hashicorp.com/role': expect.stringMatching(/^sensor-/),
        [`vault.hashicorp.com/agent-inject-template-${name}`]: expect.stringContaining(`secret "secret/data/sensor/${name}"`),
        [`vault.hashicorp.com/agent-inject-perms-${name}`]: '0400',
        'vault.hashicorp.com/agent-run-as-same-user': 'true',
        'vault.hashicorp.com/agent-service-account-token-volume-name': 'vault-token',
        'vault.hashicorp.com/ca-cert': '/vault/tls/ca.crt',
      });
      expect(ann).not.toHaveProperty('vault.hashicorp.com/tls-skip-verify');
      expect(ann).not.toHaveProperty('vault.hashicorp.com/agent-inject-token');
      expect(podSpec(deployment).volumes).toContainEqual(expect.objectContaining({ name: 'vault-token', projected: expect.anything() }));
      // The rendered file is what the program reads.
      expect(Object.values(envOf(container(objects, 'Deployment', w))).concat(find(objects, 'ConfigMap', 'prometheus-agent-config').data['prometheus.yml']).join('\n')).toContain(`/vault/secrets/`);
      // The injected agent reaches Vault, and only on its port.
      expect(egress(objects, w)).toContain('10.0.5.10/32:8200/TCP');
    }
  });

  it('lets the crawler reach exactly its five sources, each with credentials from outside', () => {
    expect(egress(objects, 'crawler')).toEqual([
      'dns:53/UDP,53/TCP', '10.0.5.10/32:8200/TCP',
      '10.20.1.0/24:5432/TCP', '10.20.2.0/24:3306/TCP', '10.20.3.0/24:1433/TCP', '10.20.4.0/24:9093/TCP', '10.20.5.0/28:443/TCP',
      'digger:9443/TCP',
    ]);
    const sources = parse(find(objects, 'ConfigMap', 'crawler-sources').data['sources.yaml']).sources;
    expect(sources.map((s: any) => s.type)).toEqual(['postgresql', 'mysql', 'mssql', 'kafka', 's3']);
    const credentialFiles = sources.flatMap((s: any) => Object.values(s.credentials.files));
    expect(credentialFiles).toEqual([
      '/vault/secrets/orders-db', '/vault/secrets/crm-db', '/etc/secrets/crawler-billing/username', '/etc/secrets/crawler-billing/password',
      '/etc/secrets/crawler-kafka/username', '/etc/secrets/crawler-kafka/password', '/vault/secrets/exports-s3',
    ]);
    const ann = podMetadata(find(objects, 'Deployment', 'crawler')).annotations;
    expect(Object.keys(ann).filter((k) => k.startsWith('vault.hashicorp.com/agent-inject-secret-')).sort()).toEqual([
      'vault.hashicorp.com/agent-inject-secret-crm-db', 'vault.hashicorp.com/agent-inject-secret-exports-s3', 'vault.hashicorp.com/agent-inject-secret-orders-db',
    ]);
    expect(ann['vault.hashicorp.com/role']).toBe('sensor-crawler');
    // The injected agent logs in with the audience-bound projected token; the crawler itself has none.
    const crawlerSpec = podSpec(find(objects, 'Deployment', 'crawler'));
    expect(crawlerSpec.automountServiceAccountToken).toBe(false);
    expect(crawlerSpec.volumes).toContainEqual({ name: 'vault-token', projected: { sources: [{ serviceAccountToken: { audience: 'vault', expirationSeconds: 3600, path: 'token' } }] } });
    expect(crawlerSpec.containers[0].volumeMounts.map((m: any) => m.name)).not.toContain('vault-token');
    expect(find(objects, 'ExternalSecret', 'crawler-billing').spec.secretStoreRef).toEqual({ name: 'corp-vault', kind: 'ClusterSecretStore' });
  });

  it('has no secret value anywhere: credentials are files, never literals', () => {
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    expect(yaml).not.toMatch(/secretKeyRef|stringData/);
    const credentialName = /TOKEN|PASSWORD|SECRET|CREDENTIAL|API_?KEY|PRIVATE/i;
    for (const w of workloads(objects)) {
      for (const c of [...podSpec(w).containers, ...(podSpec(w).initContainers ?? [])]) {
        for (const e of c.env ?? []) {
          if (credentialName.test(e.name)) expect(e.value, `${w.metadata.name} ${e.name}`).toMatch(/^\/[^\s]+$/);
        }
      }
    }
    for (const cm of objects.filter((o) => o.kind === 'ConfigMap')) {
      for (const m of Object.values<string>(cm.data).join('\n').matchAll(/(token|password|secret|credentials?|key|user(name)?)[\w-]*:[ \t]*(\S+)/gi)) {
        expect(m[3], `${cm.metadata.name}: ${m[0]}`).toMatch(/^\//);
      }
    }
  });

  it('refuses the vendor\'s unsigned images with a Kyverno ImageValidatingPolicy in its documented shape', () => {
    const policies = objects.filter((o) => ['ClusterImagePolicy', 'ImageValidatingPolicy'].includes(o.kind));
    expect(policies.map((p) => `${p.apiVersion}/${p.kind}/${p.metadata.name}`)).toEqual(['policies.kyverno.io/v1/ImageValidatingPolicy/sensor-signed-images']);
    const spec = policies[0].spec;
    expect(policies[0].metadata.namespace).toBeUndefined();
    expect(spec.validationActions).toEqual(['Deny']);
    expect(spec.matchConstraints).toEqual({ resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods'] }] });
    expect(spec.matchImageReferences).toEqual([{ glob: 'registry.vendor.example/sensor/*' }]);
    expect(spec.attestors).toEqual([{ name: 'cosign', cosign: { key: { data: expect.stringMatching(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----\n$/) } } }]);
    expect(spec.validations[0].expression).toContain('verifyImageSignatures(image, [attestors.cosign])');
    // Every vendor image matches the glob; only Prometheus (pinned, not vendor-signed) is outside it.
    const outside = workloads(objects).flatMap((w) => podSpec(w).containers.map((c: any) => c.image)).filter((i: string) => !i.startsWith('registry.vendor.example/sensor/'));
    expect(outside.map((i: string) => i.split('@')[0])).toEqual(['quay.io/prometheus/prometheus:v3.5.0']);
  });

  it('puts the vendor\'s pull secret on every pod', () => {
    for (const w of workloads(objects)) expect(podSpec(w).imagePullSecrets, w.metadata.name).toEqual([{ name: 'vendor-registry' }]);
  });

  it('pins every image by digest', () => {
    for (const w of workloads(objects)) {
      for (const c of podSpec(w).containers) expect(c.image, w.metadata.name).toMatch(/@sha256:[a-f0-9]{64}$/);
    }
  });
});

describe('SensorChart validation', () => {
  const cases: Array<[string, () => SensorChartProps, string, string]> = [
    ['a proxy URL without a scheme', () => ({ ...PROPS, httpsProxy: { url: 'proxy.corp.example:3128', cidrs: ['10.40.0.10/32'] } }), 'httpsProxy.url', 'invalid-url'],
    ['a CIDR like 10.0.0.1/40', () => ({ ...PROPS, nodeCidrs: ['10.0.0.1/40'] }), 'nodeCidrs[0]', 'invalid-cidr'],
    ['an interceptor without node addresses', () => ({ ...PROPS, nodeCidrs: undefined }), 'nodeCidrs', 'missing-node-cidrs'],
    ['a vendor endpoint without CIDRs and no proxy', () => ({ ...PROPS, digger: { ...PROPS.digger, vendor: { url: 'https://ingest.vendor.example' } } }), 'digger.vendor.cidrs', 'missing-cidrs'],
    ['a vendor endpoint with CIDRs behind the proxy', () => ({ ...PROPS, httpsProxy: { url: 'http://proxy.corp.example:3128', cidrs: ['10.40.0.10/32'] } }), 'detectionTool.updates.endpoint.cidrs', 'cidrs-with-proxy'],
    ['a plain-http vendor endpoint', () => ({ ...PROPS, digger: { ...PROPS.digger, vendor: { url: 'http://ingest.vendor.example', cidrs: ['203.0.113.0/24'] } } }), 'digger.vendor.url', 'invalid-url'],
    ['a token without credentials', () => ({ ...PROPS, digger: { ...PROPS.digger, vendorCredential: undefined as any } }), 'digger.vendorCredential', 'missing-secret'],
    ['a Secret token without its key', () => ({ ...PROPS, digger: { ...PROPS.digger, vendorCredential: SecretSource.kubernetesSecret({ name: 'vendor-token' }) } }), 'digger.vendorCredential', 'secret-not-one-file'],
    ['a Vault token without the Vault server', () => ({ ...PROPS, digger: { ...PROPS.digger, vendorCredential: SecretSource.vault({ name: 'digger-token', path: 'secret/data/x', role: 'digger' }) } }), 'digger.vaultServer', 'missing-vault-server'],
    ['an API server port out of range', () => ({ ...PROPS, apiServer: { cidrs: ['10.100.0.1/32'], port: 70000 } }), 'apiServer.port', 'invalid-port'],
  ];

  it.each(cases)('fails on %s with a ValidationError', (_t, props, prop, code) => {
    const e = catchValidationError(() => new SensorChart(new App(), 'sensor', props()));
    expect([e.prop, e.code]).toEqual([prop, code]);
  });

  it('refuses a literal token without echoing it', () => {
    const e = catchValidationError(() => new SensorChart(new App(), 'sensor', { ...PROPS, digger: { ...PROPS.digger, vendorCredential: 'tok-ABCDEF-literal' as any } }));
    expect(e.code).toBe('secret-as-literal');
    expect(e.message).not.toContain('tok-ABCDEF-literal');
  });

  it('refuses a Vault secret name containing a slash', () => {
    const e = catchValidationError(() => SecretSource.vault({ name: 'sensor/digger-token', path: 'secret/data/x', role: 'digger' }));
    expect(e.code).toBe('invalid-vault-name');
  });
});

describe('SensorChart properties', () => {
  it('synthesises clean output for random valid props', () => {
    const arb = fc.record({
      port: fc.constantFrom(443, 6443),
      proxy: fc.boolean(),
      interceptor: fc.boolean(),
      prometheus: fc.boolean(),
      uid: fc.option(fc.integer({ min: 1000, max: 65000 }), { nil: undefined }),
      replicas: fc.integer({ min: 1, max: 5 }),
    });
    fc.assert(fc.property(arb, (r) => {
      const proxyOn = r.proxy ? { httpsProxy: { url: 'http://10.40.0.10:3128', cidrs: ['10.40.0.10/32'] } } : {};
      const ep = (url: string, cidrs: string[]) => (r.proxy ? { url } : { url, cidrs });
      const props: SensorChartProps = {
        ...PROPS,
        ...proxyOn,
        apiServer: { cidrs: ['10.100.0.1/32'], port: r.port },
        interceptor: r.interceptor ? { ...PROPS.interceptor!, runAsUser: r.uid } : undefined,
        digger: { ...PROPS.digger, replicas: r.replicas, runAsUser: r.uid, vendor: ep('https://ingest.vendor.example', ['203.0.113.0/24']) },
        detectionTool: { ...PROPS.detectionTool, updates: { endpoint: ep('https://u.vendor.example', ['198.51.100.0/24']), bucket: ep('https://b.vendor.example', ['192.0.2.0/24']) } },
        prometheusAgent: r.prometheus ? { ...PROPS.prometheusAgent!, remoteWrite: ep('https://m.vendor.example', ['203.0.113.0/24']) } : undefined,
      };
      const out = synth((app) => { new SensorChart(app, 'sensor', props); });
      expect(egress(out, 'digger')[1]).toBe(`10.100.0.1/32:${r.port}/TCP`);
    }), { numRuns: 12 });
  });

  it('raises only ValidationErrors for random bad CIDRs and URLs', () => {
    fc.assert(fc.property(fc.string({ maxLength: 24 }), fc.string({ maxLength: 24 }), (cidr, url) => {
      try {
        new SensorChart(new App(), 'sensor', { ...PROPS, nodeCidrs: [cidr], digger: { ...PROPS.digger, vendor: { url, cidrs: ['203.0.113.0/24'] } } });
      } catch (e) {
        expect(e).toBeInstanceOf(ValidationError);
      }
    }), { numRuns: 150 });
  });
});

describe('SensorChart message bus', () => {
  const inCluster = synth((app) => {
    new SensorChart(app, 'sensor', { ...PROPS, messageBus: { inCluster: { image: 'docker.io/apache/kafka:3.9.1', tlsSecretName: 'bus-tls' } }, requireImageDigests: false });
  });

  it('connects the interceptor, digger and detection tool, and the digger no longer accepts the interceptors directly', () => {
    const digger = find(inCluster, 'NetworkPolicy', 'digger');
    expect(JSON.stringify(digger.spec.ingress)).not.toContain('10.0.16.0/20');
    const egressReasons = JSON.parse(digger.metadata.annotations!['reasons.secure-agents.io/egress']);
    const i = egressReasons.findIndex((r: string) => r.includes('message bus'));
    expect(digger.spec.egress[i].to[0].podSelector.matchLabels['app.kubernetes.io/component']).toBe('message-bus');
    expect(digger.spec.egress[i].ports).toEqual([{ protocol: 'TCP', port: 9092 }]);
    const bus = find(inCluster, 'NetworkPolicy', 'message-bus');
    const from = bus.spec.ingress.map((r: any) => r.from[0].podSelector?.matchLabels?.['app.kubernetes.io/component'] ?? r.from[0].ipBlock?.cidr);
    expect(from.sort()).toEqual(['10.0.16.0/20', 'detection-tool', 'digger', 'message-bus'].sort());
    for (const w of ['interceptor', 'digger', 'detection-tool']) {
      const env = podSpec(inCluster.find((o) => o.metadata.name === w && ['Deployment', 'DaemonSet'].includes(o.kind))!).containers[0].env;
      expect(env).toContainEqual({ name: 'KAFKA_BOOTSTRAP_SERVERS', value: 'message-bus-0.message-bus.sensor.svc:9092' });
    }
  });

  it('mounts tracefs and debugfs read-only in the interceptor, each with its reason', () => {
    const ds = find(inCluster, 'DaemonSet', 'interceptor');
    const mounts = podSpec(ds).containers[0].volumeMounts;
    expect(mounts).toContainEqual({ mountPath: '/sys/kernel/tracing', name: 'host-sys-kernel-tracing', readOnly: true });
    expect(mounts).toContainEqual({ mountPath: '/sys/kernel/debug', name: 'host-sys-kernel-debug', readOnly: true });
    expect(Object.keys(JSON.parse(ds.metadata.annotations!['reasons.secure-agents.io/host-paths'])).sort()).toEqual(['/sys/kernel/debug', '/sys/kernel/tracing']);
  });

  it('refuses both kinds of bus at once, or none', () => {
    const external = { bootstrapServers: ['b-1.kafka.example.com:9096'], cidrs: ['203.0.113.0/28'], sasl: { credentials: SecretSource.kubernetesSecret({ name: 'bus', keys: ['username', 'password'] }) } };
    const both = catchValidationError(() => new SensorChart(new App(), 's', { ...PROPS, requireImageDigests: false, messageBus: { external, inCluster: { image: 'docker.io/apache/kafka:3.9.1', tlsSecretName: 'bus-tls' } } }));
    expect([both.prop, both.code]).toEqual(['messageBus', 'message-bus-kind']);
    const none = catchValidationError(() => new SensorChart(new App(), 's', { ...PROPS, requireImageDigests: false, messageBus: {} }));
    expect(none.code).toBe('message-bus-kind');
  });
});
