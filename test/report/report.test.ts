import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDocuments } from '../../src/policy';
import { buildReport, classify, PrivilegeReport, REPORT_SCHEMA_VERSION, WorkloadReport } from '../../src/policy/report';

const FIX = join(__dirname, 'fixtures');

function reportOf(...files: string[]): PrivilegeReport {
  const manifests = files.flatMap((f) => parseDocuments(readFileSync(join(FIX, f), 'utf8'), f).inputs.map((i) => i.object));
  return buildReport(manifests);
}

function workload(r: PrivilegeReport, kind: string, ns: string, name: string): WorkloadReport {
  const w = r.workloads.find((x) => x.workload.kind === kind && x.workload.namespace === ns && x.workload.name === name);
  if (!w) throw new Error(`no ${kind} ${ns}/${name} in the report`);
  return w;
}

const VIA_AGENT = ['ClusterRole/acme-agent via ClusterRoleBinding/acme-agent'];
const VIA_VIEW = ['ClusterRole/view via RoleBinding/acme/acme-agent-view'];

describe('report of a vendor-style chart (aggregated roles, host mounts, allow-everything policy)', () => {
  const report = reportOf('vendor-chart.yaml', 'vendor-cloud.tf.json');
  const agent = workload(report, 'DaemonSet', 'acme', 'acme-agent');
  const cluster = workload(report, 'Deployment', 'acme-system', 'acme-cluster-agent');

  it('lists each workload once, sorted, with the schema version', () => {
    expect(report.schemaVersion).toBe(REPORT_SCHEMA_VERSION);
    expect(report.workloads.map((w) => `${w.workload.kind} ${w.workload.namespace}/${w.workload.name}`)).toEqual([
      'DaemonSet acme/acme-agent', 'Deployment acme-system/acme-cluster-agent',
    ]);
    expect(report.problems).toEqual([]);
  });

  it('identity: ServiceAccount, token and its reason, IRSA role with its statement, resources, condition and Sid reason', () => {
    expect(agent.identity).toEqual({
      serviceAccount: 'acme-agent', serviceAccountFound: true, tokenMounted: true,
      tokenReason: 'lists pods and nodes to label the metrics it ships', projectedTokenAudiences: [],
      cloud: [{
        provider: 'aws', mechanism: 'irsa', principal: 'arn:aws:iam::111122223333:role/acme-agent', resolved: true, gcp: [],
        aws: [{
          sid: 'ReadLogs', effect: 'Allow', actions: ['logs:GetLogEvents', 'logs:FilterLogEvents'],
          resources: ['arn:aws:logs:eu-west-1:111122223333:log-group:/eks/prod/*'],
          conditions: { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } },
          source: 'aws_iam_role_policy.agent', reason: "reads the cluster's log groups to correlate events",
        }],
      }],
    });
  });

  it('identity: no token with automount false on the pod; EKS Pod Identity from the Terraform association', () => {
    expect(cluster.identity).toEqual({
      serviceAccount: 'acme-cluster', serviceAccountFound: false, tokenMounted: false, tokenReason: null, projectedTokenAudiences: [],
      cloud: [{
        provider: 'aws', mechanism: 'pod-identity', principal: 'acme-cluster', resolved: true, gcp: [],
        aws: [{ sid: null, effect: 'Allow', actions: ['ec2:DescribeInstances'], resources: ['*'], conditions: null, source: 'aws_iam_role_policy.cluster', reason: null }],
      }],
    });
  });

  it('Kubernetes API: the aggregated ClusterRole gives exactly its three members\' rules, grouped, never the unlabelled wildcard role', () => {
    const own = (g: keyof WorkloadReport['kubernetesApi']) => agent.kubernetesApi[g].filter((p) => p.via[0] !== VIA_VIEW[0]);
    expect(own('read')).toEqual([
      { scope: 'cluster', apiGroup: '', resource: 'nodes', resourceNames: [], verbs: ['get', 'list', 'watch'], via: VIA_AGENT, reasons: ['labels metrics with pod and node metadata'] },
      { scope: 'cluster', apiGroup: '', resource: 'pods', resourceNames: [], verbs: ['get', 'list', 'watch'], via: VIA_AGENT, reasons: ['labels metrics with pod and node metadata'] },
    ]);
    expect(agent.kubernetesApi.secrets).toEqual([
      { scope: 'cluster', apiGroup: '', resource: 'secrets', resourceNames: [], verbs: ['get', 'list'], via: VIA_AGENT, reasons: [] },
    ]);
    expect(agent.kubernetesApi.exec).toEqual([
      { scope: 'cluster', apiGroup: '', resource: 'pods/exec', resourceNames: [], verbs: ['create'], via: VIA_AGENT, reasons: [] },
    ]);
    expect(agent.kubernetesApi.write).toEqual([]);
    expect(agent.kubernetesApi.delete).toEqual([]);
    expect(agent.kubernetesApi.escalate).toEqual([]);
  });

  it('Kubernetes API: the built-in view role, bound in one namespace, reads in that namespace only, with the custom role aggregated into it, and no secrets', () => {
    const view = agent.kubernetesApi.read.filter((p) => p.via[0] === VIA_VIEW[0]);
    expect(view.length).toBeGreaterThan(20);
    for (const p of view) {
      expect(p.scope).toBe('namespace:acme');
      expect(p.verbs).toEqual(['get', 'list', 'watch']);
    }
    const resources = view.map((p) => `${p.apiGroup}/${p.resource}`);
    expect(resources).toEqual(expect.arrayContaining(['acme.io/widgets', '/pods', '/configmaps', 'apps/deployments', 'batch/jobs']));
    expect(resources.filter((r) => r.includes('secrets') || r.includes('exec'))).toEqual([]);
  });

  it('kernel and host: root, capabilities without CAP_, hostPID, host paths read-only or read-write with the reason of each item', () => {
    expect(agent.kernel).toEqual({
      privileged: { containers: [], reason: null },
      root: { containers: ['agent'], maybe: [], reason: null },
      privilegeEscalation: ['agent'],
      capabilities: [{ name: 'NET_ADMIN', containers: ['agent'], reason: null }, { name: 'SYS_PTRACE', containers: ['agent'], reason: null }],
      hostNamespaces: [{ name: 'hostPID', reason: null }],
      hostPaths: [
        { path: '/proc', access: 'read-only', containers: ['agent'], reason: '/proc (read-only): reads process statistics' },
        // The exemption lists its paths and /var/log is not among them: no reason, not the whole text.
        { path: '/var/log', access: 'read-only', containers: ['init'], reason: null },
        { path: '/var/run/docker.sock', access: 'read-write', containers: ['agent'], reason: '/var/run/docker.sock: talks to the container runtime' },
      ],
      seccomp: { agent: 'unset', init: 'RuntimeDefault' },
      appArmor: { agent: 'unset', init: 'unset' },
    });
    expect(cluster.kernel.hostNamespaces).toEqual([{ name: 'hostNetwork', reason: null }]);
    expect(cluster.kernel.root).toEqual({ containers: [], maybe: [], reason: null });
  });

  it('network: the allow-everything policy allows anywhere on any port both ways; host network is not enforceable', () => {
    const anywhere = { status: 'restricted', policies: ['NetworkPolicy/allow-all'], rules: [{ peers: [{ type: 'any', description: 'anywhere', workloads: [] }], ports: ['any'], policy: 'NetworkPolicy/allow-all', reason: null }] };
    expect(agent.network).toEqual({ egress: anywhere, ingress: anywhere });
    expect(cluster.network).toEqual({ egress: { status: 'not enforceable', policies: [], rules: [] }, ingress: { status: 'not enforceable', policies: [], rules: [] } });
  });

  it('secrets: names and where they land, as file or env; Vault paths from the injector annotations', () => {
    expect(agent.secrets).toEqual([
      { source: 'Secret', name: 'acme-api-key', from: null, as: 'file', where: ['agent:/etc/acme/api-key'] },
      { source: 'Secret', name: 'acme-license', from: null, as: 'env', where: ['agent:ACME_LICENSE'] },
    ]);
    expect(cluster.secrets).toEqual([{ source: 'Vault', name: 'database/creds/acme', from: 'Vault agent injector', as: 'file', where: ['/vault/secrets/db'] }]);
  });

  it('supply chain: pinned or not, and which Kyverno verifyImages policy covers the image', () => {
    expect(agent.supplyChain).toEqual([
      { container: 'agent', image: 'acme/agent:7.1', pinned: false, signaturePolicies: [] },
      { container: 'init', image: 'registry.acme.io/init:1.0@sha256:0000000000000000000000000000000000000000000000000000000000000001', pinned: true, signaturePolicies: ['ClusterPolicy/acme-signed'] },
    ]);
    expect(cluster.supplyChain.map((i) => i.signaturePolicies)).toEqual([['ClusterPolicy/acme-signed']]);
  });
});

describe('report: network when no policy selects, Cilium policies, and reasons from annotations', () => {
  const ns = 'team';
  const deploy = (name: string, labels: Record<string, string>, extra: object = {}) => ({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: ns, ...extra },
    spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'app', image: 'r.example/app:1' }] } } },
  });

  it('"everything" where no policy selects the pods', () => {
    const r = buildReport([deploy('web', { app: 'web' })]);
    expect(r.workloads[0].network.egress).toEqual({ status: 'everything', policies: [], rules: [] });
    expect(r.workloads[0].network.ingress).toEqual({ status: 'everything', policies: [], rules: [] });
  });

  it('egress peers with ports, pod peers resolved to workloads, and the index-aligned reasons', () => {
    const policy = {
      apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy',
      metadata: { name: 'web', namespace: ns, annotations: { 'reasons.secure-agents.io/egress': JSON.stringify(['stores sessions in the cache', 'calls the payment provider']) } },
      spec: {
        podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Egress'],
        egress: [
          { to: [{ podSelector: { matchLabels: { app: 'cache' } } }], ports: [{ port: 6379 }] },
          { to: [{ ipBlock: { cidr: '203.0.113.0/24', except: ['203.0.113.7/32'] } }], ports: [{ port: 443, protocol: 'TCP' }, { port: 8000, endPort: 8010, protocol: 'TCP' }] },
        ],
      },
    };
    const r = buildReport([deploy('web', { app: 'web' }), deploy('cache', { app: 'cache' }), policy]);
    const web = r.workloads.find((w) => w.workload.name === 'web')!;
    expect(web.network.egress).toEqual({
      status: 'restricted', policies: ['NetworkPolicy/web'],
      rules: [
        { peers: [{ type: 'pods', description: 'pods app=cache in namespace team', workloads: ['Deployment/team/cache'] }], ports: ['TCP/6379'], policy: 'NetworkPolicy/web', reason: 'stores sessions in the cache' },
        { peers: [{ type: 'cidr', description: '203.0.113.0/24 except 203.0.113.7/32', workloads: [] }], ports: ['TCP/443', 'TCP/8000-8010'], policy: 'NetworkPolicy/web', reason: 'calls the payment provider' },
      ],
    });
    // An Egress-only policy leaves ingress open.
    expect(web.network.ingress.status).toBe('everything');
    const cache = r.workloads.find((w) => w.workload.name === 'cache')!;
    expect(cache.network.egress.status).toBe('everything');
  });

  it('CiliumNetworkPolicy: endpoints, FQDNs, entities and toPorts', () => {
    const cnp = {
      apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: 'web', namespace: ns },
      spec: {
        endpointSelector: { matchLabels: { 'k8s:app': 'web' } },
        egress: [
          { toFQDNs: [{ matchName: 'api.vendor.example' }], toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }] },
          { toEndpoints: [{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'kube-system', 'k8s:k8s-app': 'kube-dns' } }], toPorts: [{ ports: [{ port: '53', protocol: 'ANY' }] }] },
          { toEntities: ['kube-apiserver'] },
        ],
      },
    };
    const r = buildReport([deploy('web', { app: 'web' }), cnp]);
    expect(r.workloads[0].network.egress).toEqual({
      status: 'restricted', policies: ['CiliumNetworkPolicy/web'],
      rules: [
        { peers: [{ type: 'fqdn', description: 'api.vendor.example', workloads: [] }], ports: ['TCP/443'], policy: 'CiliumNetworkPolicy/web', reason: null },
        { peers: [{ type: 'pods', description: 'pods k8s-app=kube-dns in namespace kube-system', workloads: [] }], ports: ['ANY/53'], policy: 'CiliumNetworkPolicy/web', reason: null },
        { peers: [{ type: 'entity', description: 'entity kube-apiserver', workloads: [] }], ports: ['any'], policy: 'CiliumNetworkPolicy/web', reason: null },
      ],
    });
  });

  it('CiliumNetworkPolicy: a selector of another label source (reserved:, container:) selects no pod and names no workload', () => {
    const hostOnly = {
      apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: 'host', namespace: ns },
      spec: { endpointSelector: { matchLabels: { 'reserved:host': '' } }, egress: [{ toEntities: ['world'] }] },
    };
    const toHost = {
      apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: 'web', namespace: ns },
      spec: { endpointSelector: { matchLabels: { 'k8s:app': 'web' } }, egress: [{ toEndpoints: [{ matchLabels: { 'reserved:host': '' } }] }] },
    };
    const r = buildReport([deploy('web', { app: 'web' }), deploy('cache', { app: 'cache' }), hostOnly, toHost]);
    const web = r.workloads.find((w) => w.workload.name === 'web')!;
    expect(web.network.egress.policies).toEqual(['CiliumNetworkPolicy/web']);
    expect(web.network.egress.rules).toEqual([
      { peers: [{ type: 'entity', description: 'endpoints reserved:host=', workloads: [] }], ports: ['any'], policy: 'CiliumNetworkPolicy/web', reason: null },
    ]);
    expect(r.workloads.find((w) => w.workload.name === 'cache')!.network.egress.status).toBe('everything');
  });

  it('kernel reasons from reasons.secure-agents.io annotations win over exemption text', () => {
    const w = deploy('agent', { app: 'agent' }, {
      annotations: {
        'reasons.secure-agents.io/capabilities': JSON.stringify({ NET_RAW: 'sends ICMP probes to measure latency' }),
        'reasons.secure-agents.io/host-namespaces': JSON.stringify({ hostNetwork: 'sees node traffic for flow logs' }),
        'reasons.secure-agents.io/privileged': 'loads a kernel module at start',
        'exemptions.secure-agents.io/pss-capabilities-restricted': 'a vaguer reason that should not be used',
      },
    }) as any;
    w.spec.template.spec.hostNetwork = true;
    w.spec.template.spec.containers[0].securityContext = { privileged: true, capabilities: { add: ['NET_RAW'] }, runAsNonRoot: true };
    const k = buildReport([w]).workloads[0].kernel;
    expect(k.capabilities).toEqual([{ name: 'NET_RAW', containers: ['app'], reason: 'sends ICMP probes to measure latency' }]);
    expect(k.hostNamespaces).toEqual([{ name: 'hostNetwork', reason: 'sees node traffic for flow logs' }]);
    expect(k.privileged).toEqual({ containers: ['app'], reason: 'loads a kernel module at start' });
    expect(k.root).toEqual({ containers: [], maybe: [], reason: null });
  });

  it('ExternalSecret, CSI and pull secrets; an unmounted secret volume still counts as reaching the pod', () => {
    const w = deploy('app', { app: 'app' }) as any;
    w.spec.template.spec.volumes = [{ name: 'db', secret: { secretName: 'db-creds' } }, { name: 'csi', csi: { driver: 'secrets-store.csi.k8s.io', volumeAttributes: { secretProviderClass: 'vault-db' } } }, { name: 'spare', secret: { secretName: 'unused' } }];
    w.spec.template.spec.containers[0].volumeMounts = [{ name: 'db', mountPath: '/etc/db' }, { name: 'csi', mountPath: '/mnt/csi' }];
    w.spec.template.spec.containers[0].envFrom = [{ secretRef: { name: 'app-env' } }];
    w.spec.template.spec.imagePullSecrets = [{ name: 'registry' }];
    const es = { apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name: 'db', namespace: ns }, spec: { secretStoreRef: { kind: 'ClusterSecretStore', name: 'vault' }, target: { name: 'db-creds' }, data: [{ secretKey: 'password', remoteRef: { key: 'team/db', property: 'password' } }] } };
    expect(buildReport([w, es]).workloads[0].secrets).toEqual([
      { source: 'CSI', name: 'SecretProviderClass vault-db', from: null, as: 'file', where: ['app:/mnt/csi'] },
      { source: 'ExternalSecret', name: 'db-creds', from: 'ExternalSecret db (ClusterSecretStore/vault: team/db)', as: 'file', where: ['app:/etc/db'] },
      { source: 'Secret', name: 'app-env', from: null, as: 'env', where: ['app:* (every key)'] },
      { source: 'Secret', name: 'unused', from: null, as: 'file', where: [] },
      { source: 'pull secret', name: 'registry', from: null, as: 'image pull', where: [] },
    ]);
  });

  it('GKE Workload Identity: the Google service account and its grants, custom role permissions and condition', () => {
    const sa = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'opt', namespace: ns, annotations: { 'iam.gke.io/gcp-service-account': 'opt@proj.iam.gserviceaccount.com' } } };
    const w = deploy('opt', { app: 'opt' }) as any;
    w.spec.template.spec.serviceAccountName = 'opt';
    const tf = {
      resource: {
        google_service_account: { sa: { account_id: 'opt', project: 'proj' } },
        google_project_iam_custom_role: { change: { role_id: 'optChange', project: 'proj', permissions: ['compute.instances.delete', 'compute.instances.create'], '//': { 'secure-agents': { reasons: { optChange: 'replaces nodes of this cluster only' } } } } },
        google_project_iam_member: {
          change: { project: 'proj', role: '${google_project_iam_custom_role.change.id}', member: 'serviceAccount:${google_service_account.sa.email}', condition: { title: 'only-nodes', expression: 'resource.name.startsWith("gke-")' } },
          other: { project: 'proj', role: 'roles/viewer', member: 'serviceAccount:someone-else@proj.iam.gserviceaccount.com' },
        },
      },
    };
    const id = buildReport([sa, w, tf]).workloads[0].identity;
    expect(id.cloud).toEqual([{
      provider: 'gcp', mechanism: 'workload-identity', principal: 'opt@proj.iam.gserviceaccount.com', resolved: true, aws: [],
      gcp: [{ role: 'optChange', permissions: ['compute.instances.create', 'compute.instances.delete'], on: 'google_project proj', condition: { title: 'only-nodes', expression: 'resource.name.startsWith("gke-")' }, source: 'google_project_iam_member.change', reason: 'replaces nodes of this cluster only' }],
    }]);
    // The API token: the pod and the ServiceAccount say nothing, so Kubernetes mounts it.
    expect(id.tokenMounted).toBe(true);
  });

  it('the ServiceAccount\'s automountServiceAccountToken applies when the pod does not set it', () => {
    const sa = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'quiet', namespace: ns }, automountServiceAccountToken: false };
    const w = deploy('q', { app: 'q' }) as any;
    w.spec.template.spec.serviceAccountName = 'quiet';
    expect(buildReport([sa, w]).workloads[0].identity.tokenMounted).toBe(false);
    w.spec.template.spec.automountServiceAccountToken = true;
    expect(buildReport([sa, w]).workloads[0].identity.tokenMounted).toBe(true);
  });

  it('CronJob, Job, Pod and a custom kind with a pod template are workloads; a Role is honoured only through a RoleBinding in its namespace', () => {
    const spec = { serviceAccountName: 'runner', containers: [{ name: 'c', image: 'r.example/c:1' }] };
    const objs = [
      { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'nightly', namespace: ns }, spec: { schedule: '@daily', jobTemplate: { spec: { template: { spec } } } } },
      { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'once', namespace: ns }, spec: { template: { spec } } },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bare', namespace: ns }, spec },
      { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'ro', namespace: ns }, spec: { template: { spec } } },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'cleanup', namespace: ns }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['delete'] }] },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'cleanup', namespace: ns }, roleRef: { kind: 'Role', name: 'cleanup' }, subjects: [{ kind: 'ServiceAccount', name: 'runner' }] },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'cleanup', namespace: 'elsewhere' }, roleRef: { kind: 'Role', name: 'cleanup' }, subjects: [{ kind: 'ServiceAccount', name: 'runner', namespace: ns }] },
    ];
    const r = buildReport(objs);
    expect(r.workloads.map((w) => w.workload.kind)).toEqual(['Pod', 'CronJob', 'Job', 'Rollout']);
    for (const w of r.workloads) {
      expect(w.kubernetesApi.delete).toEqual([{ scope: 'namespace:team', apiGroup: '', resource: 'pods', resourceNames: [], verbs: ['delete'], via: ['Role/cleanup via RoleBinding/team/cleanup'], reasons: [] }]);
    }
  });
});

describe('classify: one group per verb on a resource, most dangerous first', () => {
  it.each([
    ['', 'pods', 'get', 'read'], ['', 'pods', 'patch', 'write'], ['', 'pods', 'delete', 'delete'], ['', 'pods', 'create', 'escalate'],
    ['', 'secrets', 'list', 'secrets'], ['', 'pods/exec', 'create', 'exec'], ['', 'nodes/proxy', 'get', 'exec'],
    ['rbac.authorization.k8s.io', 'clusterroles', 'escalate', 'escalate'], ['rbac.authorization.k8s.io', 'rolebindings', 'create', 'escalate'],
    ['', 'serviceaccounts/token', 'create', 'escalate'], ['', 'serviceaccounts', 'impersonate', 'escalate'],
    ['*', '*', '*', 'escalate'], ['', 'secrets', 'get', 'secrets'],
    // get on every resource includes get on nodes/proxy, which reaches the kubelet's exec endpoint.
    ['*', '*', 'get', 'exec'], ['', '*', 'list', 'exec'], ['apps', 'deployments/scale', 'update', 'write'], ['', '/metrics', 'get', 'read'],
  ])('%s %s %s is %s', (group, resource, verb, expected) => {
    expect(classify(group, resource, verb)).toBe(expected);
  });
});

describe('built-in roles and group subjects', () => {
  const deploy = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'ops', namespace: 'tools' }, spec: { template: { metadata: { labels: { app: 'ops' } }, spec: { serviceAccountName: 'ops', containers: [{ name: 'c', image: 'r.example/c:1' }] } } } };
  const bind = (kind: 'RoleBinding' | 'ClusterRoleBinding', role: string, subject: object) => ({
    apiVersion: 'rbac.authorization.k8s.io/v1', kind, metadata: { name: `to-${role}`, ...(kind === 'RoleBinding' ? { namespace: 'tools' } : {}) },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role }, subjects: [subject],
  });
  const sa = { kind: 'ServiceAccount', name: 'ops', namespace: 'tools' };
  const groupsOf = (objs: Array<Record<string, unknown>>) => {
    const api = buildReport([deploy, ...objs]).workloads[0].kubernetesApi;
    return Object.fromEntries(Object.entries(api).map(([g, list]) => [g, list.map((p) => `${p.apiGroup}/${p.resource}:${p.verbs.join(',')}`)]));
  };

  it('edit, bound in a namespace: exec, secrets, create pods (escalate) and impersonation, all in that namespace', () => {
    const g = groupsOf([bind('RoleBinding', 'edit', sa)]);
    expect(g.exec).toEqual(expect.arrayContaining(['/pods/exec:create,delete,deletecollection,get,list,patch,update,watch']));
    expect(g.secrets).toEqual(['/secrets:create,delete,deletecollection,get,list,patch,update,watch']);
    expect(g.escalate).toEqual(expect.arrayContaining(['/pods:create', '/serviceaccounts:impersonate', '/serviceaccounts/token:create', 'apps/deployments:create']));
    // edit does not write RBAC; admin does.
    expect(g.escalate.filter((x) => x.startsWith('rbac.authorization.k8s.io/'))).toEqual([]);
    const admin = groupsOf([bind('RoleBinding', 'admin', sa)]);
    expect(admin.escalate).toEqual(expect.arrayContaining(['rbac.authorization.k8s.io/rolebindings:create,patch,update', 'rbac.authorization.k8s.io/roles:create,patch,update']));
    for (const list of Object.values(admin)) for (const p of list) expect(p).not.toMatch(/clusterrole/);
  });

  it('cluster-admin through a group every ServiceAccount is in', () => {
    const r = buildReport([deploy, bind('ClusterRoleBinding', 'cluster-admin', { kind: 'Group', name: 'system:serviceaccounts' })]);
    const api = r.workloads[0].kubernetesApi;
    expect(api.escalate.map((p) => [p.scope, p.apiGroup, p.resource, p.verbs, p.via])).toEqual([
      ['cluster', '', '/*', ['*'], ['ClusterRole/cluster-admin via ClusterRoleBinding/to-cluster-admin']],
      ['cluster', '*', '*', ['*'], ['ClusterRole/cluster-admin via ClusterRoleBinding/to-cluster-admin']],
    ]);
  });

  it('a binding to a role that is neither among the inputs nor built in grants nothing known', () => {
    const api = buildReport([deploy, bind('ClusterRoleBinding', 'vendor-missing', sa)]).workloads[0].kubernetesApi;
    expect(Object.values(api).flat()).toEqual([]);
  });
});
