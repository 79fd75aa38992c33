import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Testing } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors';
import { CostOptimizerChart } from '../../src/stacks/cost-optimizer';
import { CloudBindingKind } from '../../src/constructs/optimizer/optimizer-agent';
import { AwsCostOptimizerStack, AwsIdentityMode } from '../../src/stacks/aws-cost-optimizer';
import { GcpCostOptimizerStack } from '../../src/stacks/gcp-cost-optimizer';
import { synthTerraformExamples } from '../../examples/terraform';
import { synth } from '../helpers/synth';

const IMAGE = 'ghcr.io/example/optimizer-agent:2.3.0';
const shared = { clusterName: 'prod', namespace: 'optimizer', serviceAccountName: 'agent' };

describe('CostOptimizerChart', () => {
  it('read-only ClusterRole: exact resources, read verbs only, no secrets or configmaps', () => {
    const objects = synth((app) => { new CostOptimizerChart(app, 'c', { ...shared, apiServer: { cidrs: ['10.0.0.1/32'] }, requireImageDigests: false, agent: { image: IMAGE } }); });
    const role = objects.find((o) => o.kind === 'ClusterRole')!;
    const resources = role.rules.flatMap((r: any) => r.resources ?? []).sort();
    expect(resources).toEqual(['cronjobs', 'csinodes', 'daemonsets', 'deployments', 'events', 'events', 'horizontalpodautoscalers', 'jobs', 'namespaces', 'nodes',
      'persistentvolumeclaims', 'persistentvolumes', 'poddisruptionbudgets', 'pods', 'replicasets', 'replicationcontrollers', 'services', 'statefulsets', 'storageclasses']);
    expect(role.rules.flatMap((r: any) => r.nonResourceURLs ?? [])).toEqual(['/version']);
    expect(role.rules.every((r: any) => r.verbs.every((v: string) => ['get', 'list', 'watch'].includes(v)))).toBe(true);
    // Writes only in its own namespace (its lease and metadata store); configmaps of kube-system read-only.
    const own = objects.find((o) => o.kind === 'Role' && o.metadata.namespace === 'optimizer')!;
    expect(own.rules).toEqual([
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
      { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch', 'create', 'update'] },
    ]);
    const kubeSystem = objects.find((o) => o.kind === 'Role' && o.metadata.namespace === 'kube-system')!;
    expect(kubeSystem.metadata.name).toBe('optimizer-agent');
    expect(kubeSystem.rules).toEqual([{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] }]);
    for (const r of [role, own, kubeSystem]) expect(JSON.parse(r.metadata.annotations!['reasons.secure-agents.io/rules'])).toHaveLength(r.rules.length);
    expect(objects.find((o) => o.kind === 'Deployment')!.spec.replicas).toBe(2);
    const deploy = objects.find((o) => o.kind === 'Deployment')!;
    const env = Object.fromEntries(deploy.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));
    expect(env.REDACT_ENV_PATTERNS.split(',')).toEqual(['password', 'passwd', 'pwd', 'secret', 'token', 'key', 'credential']);
    expect(env.REDACT_APPLIES_TO).toBe('containers,initContainers');
    expect(objects.some((o) => o.kind === 'Secret' || o.kind === 'ConfigMap')).toBe(false);
    const np = objects.find((o) => o.kind === 'NetworkPolicy')!;
    expect(np.spec.policyTypes).toEqual(expect.arrayContaining(['Egress', 'Ingress']));
    const egressPorts = np.spec.egress.map((r: any) => r.ports.map((p: any) => `${p.port}/${p.protocol}`).join(','));
    expect(egressPorts).toEqual(expect.arrayContaining(['443/TCP']));
    expect(JSON.stringify(np.spec.egress)).toContain('10.0.0.1/32');
  });

  it('IRSA annotation names exactly the role the AWS stack creates, trusted for the same KSA', () => {
    const objects = synth((app) => { new CostOptimizerChart(app, 'c', { ...shared, apiServer: { cidrs: ['10.0.0.1/32'] }, requireImageDigests: false, agent: { image: IMAGE, redactPatterns: ['ApiKey'], binding: { kind: CloudBindingKind.EKS_IRSA, accountId: '111122223333' } } }); });
    const sa = objects.find((o) => o.kind === 'ServiceAccount')!;
    const stack = new AwsCostOptimizerStack(Testing.app(), 'a', { ...shared, region: 'eu-west-1', vpcId: 'vpc-0a1b2c3d', nodeRoleName: 'n',
      identityMode: AwsIdentityMode.IRSA, oidcIssuer: 'oidc.eks.eu-west-1.amazonaws.com/id/ABC' });
    const json = JSON.parse(Testing.synth(stack));
    expect(sa.metadata.annotations!['eks.amazonaws.com/role-arn']).toBe(`arn:aws:iam::111122223333:role/${json.resource.aws_iam_role.role.name}`);
    const trust = JSON.parse(json.resource.aws_iam_role.role.assume_role_policy);
    expect(trust.Statement[0].Condition.StringEquals['oidc.eks.eu-west-1.amazonaws.com/id/ABC:sub'])
      .toBe(`system:serviceaccount:${sa.metadata.namespace}:${sa.metadata.name}`);
    const deploy = objects.find((o) => o.kind === 'Deployment')!;
    expect(deploy.spec.template.spec.containers[0].env.find((e: any) => e.name === 'REDACT_ENV_PATTERNS').value).toContain(',apikey');
  });

  it('GKE annotation names exactly the Google service account and KSA of the GCP stack', () => {
    const objects = synth((app) => { new CostOptimizerChart(app, 'c', { ...shared, apiServer: { cidrs: ['10.0.0.1/32'] }, requireImageDigests: false, agent: { image: IMAGE, binding: { kind: CloudBindingKind.GKE, projectId: 'acme-prod' } } }); });
    const sa = objects.find((o) => o.kind === 'ServiceAccount')!;
    const stack = new GcpCostOptimizerStack(Testing.app(), 'g', { ...shared, projectId: 'acme-prod', location: 'europe-west1',
      subnetwork: 'europe-west1/nodes', nodeServiceAccountEmail: 'gke-nodes@acme-prod.iam.gserviceaccount.com' });
    const json = JSON.parse(Testing.synth(stack));
    expect(sa.metadata.annotations!['iam.gke.io/gcp-service-account']).toBe(`${json.resource.google_service_account.service_account.account_id}@acme-prod.iam.gserviceaccount.com`);
    expect(json.resource.google_service_account_iam_member.workload_identity.member).toBe(`serviceAccount:acme-prod.svc.id.goog[${sa.metadata.namespace}/${sa.metadata.name}]`);
  });

  it('fails on a bad cluster name and an empty namespace with a ValidationError', () => {
    expect(() => synth((app) => { new CostOptimizerChart(app, 'c', { ...shared, clusterName: 'bad name', apiServer: { cidrs: ['10.0.0.1/32'] }, agent: { image: IMAGE } }); })).toThrow(ValidationError);
    expect(() => synth((app) => { new CostOptimizerChart(app, 'c', { ...shared, namespace: '', apiServer: { cidrs: ['10.0.0.1/32'] }, agent: { image: IMAGE } }); })).toThrow(ValidationError);
  });
});

describe('dist/terraform', () => {
  it('the committed examples agree: the IRSA annotation names the role, and the trust names the KSA', () => {
    const root = path.resolve(__dirname, '../../dist');
    const yaml = fs.readFileSync(path.join(root, 'k8s/cost-optimizer.k8s.yaml'), 'utf8');
    const aws = JSON.parse(fs.readFileSync(path.join(root, 'terraform/cost-optimizer-aws/cdk.tf.json'), 'utf8'));
    const gcp = JSON.parse(fs.readFileSync(path.join(root, 'terraform/cost-optimizer-gcp/cdk.tf.json'), 'utf8'));
    const role = aws.resource.aws_iam_role.role;
    expect(yaml).toContain(`eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/${role.name}\n`);
    expect(role.assume_role_policy).toContain('system:serviceaccount:cost-optimizer:optimizer-agent');
    expect(yaml).toMatch(/kind: ServiceAccount[\s\S]*?name: optimizer-agent\n  namespace: cost-optimizer/);
    expect(gcp.resource.google_service_account_iam_member.workload_identity.member).toMatch(/\/subject\/ns\/cost-optimizer\/sa\/optimizer-agent$/);
  });

  it('holds exactly the example stacks, as synthesised now', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'sac-tf-'));
    const stacks = synthTerraformExamples(out);
    const root = path.resolve(__dirname, '../../dist/terraform');
    expect(fs.readdirSync(root).sort()).toEqual(stacks);
    for (const s of stacks) {
      const text = fs.readFileSync(path.join(out, s, 'cdk.tf.json'), 'utf8');
      expect(text, `dist/terraform/${s}/cdk.tf.json is stale: run npm run synth`).toBe(fs.readFileSync(path.join(root, s, 'cdk.tf.json'), 'utf8'));
      expect(text).not.toMatch(/"\/(tmp|home|work|Users)\//);
    }
    fs.rmSync(out, { recursive: true, force: true });
  });
});

describe('CostOptimizerChart write side and savings reads', () => {
  it('turns on each savings-estimation read only when asked, each rule with its reason', () => {
    const objects = synth((app) => {
      new CostOptimizerChart(app, 'c', { ...shared, apiServer: { cidrs: ['10.0.0.1/32'] }, requireImageDigests: false, agent: { image: IMAGE, savingsReads: { keda: true, podMetrics: true } } });
    });
    const role = objects.find((o) => o.kind === 'ClusterRole')!;
    const groups = role.rules.flatMap((r: any) => r.apiGroups ?? []);
    expect(groups).toContain('keda.sh');
    expect(groups).toContain('metrics.k8s.io');
    expect(groups).not.toContain('karpenter.sh');
    expect(groups).not.toContain('argoproj.io');
    expect(JSON.parse(role.metadata.annotations!['reasons.secure-agents.io/rules'])).toHaveLength(role.rules.length);
    expect(objects.some((o) => o.metadata.labels?.['app.kubernetes.io/component'] === 'cluster-controller')).toBe(false);
  });

  it('adds the cluster controller only when asked, in the chart\'s namespace, with its admission policy', () => {
    const objects = synth((app) => {
      new CostOptimizerChart(app, 'c', { ...shared, apiServer: { cidrs: ['10.0.0.1/32'] }, requireImageDigests: false, agent: { image: IMAGE }, clusterController: { image: 'ghcr.io/example/cluster-controller:2.3.0' } });
    });
    const d = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'cluster-controller')!;
    expect(d.metadata.namespace).toBe('optimizer');
    expect(objects.find((o) => o.kind === 'ValidatingAdmissionPolicy')!.spec.matchConditions[0].expression).toContain('system:serviceaccount:optimizer:cluster-controller');
  });

  it('refuses an unknown savings read', () => {
    expect(() => synth((app) => {
      new CostOptimizerChart(app, 'c', { ...shared, apiServer: { cidrs: ['10.0.0.1/32'] }, requireImageDigests: false, agent: { image: IMAGE, savingsReads: { crds: true } as never } });
    })).toThrow(ValidationError);
  });
});
