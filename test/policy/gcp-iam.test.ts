import * as fs from 'fs';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { check } from '../../src/policy/engine';
import { checkGcpIam, GCP_RULE_LIST } from '../../src/policy/gcp-iam';
import { gcpPermissions } from '../helpers/shared';

const DIST = path.resolve(__dirname, '../../dist/terraform');
const known = gcpPermissions();

describe('gcp-* rules', () => {
  it('rules are described: an ID, and a title, explanation and fix of their own', () => {
    for (const r of GCP_RULE_LIST) {
      expect(r.id).toMatch(/^gcp-[a-z-]+$/);
      for (const field of ['title', 'explanation', 'fix'] as const) expect(r[field].trim().length, `${r.id} ${field}`).toBeGreaterThan(10);
    }
    for (const field of ['id', 'title', 'explanation', 'fix'] as const) {
      expect(new Set(GCP_RULE_LIST.map((r) => r[field])).size, `every ${field} differs`).toBe(GCP_RULE_LIST.length);
    }
  });

  it('finds nothing unexempted in our synthesised Terraform, and every exemption there is used', () => {
    const docs = fs.readdirSync(DIST).map((d) => JSON.parse(fs.readFileSync(path.join(DIST, d, 'cdk.tf.json'), 'utf8')));
    const r = check(docs, { gcpPermissions: known });
    expect(r.findings.filter((f) => !f.exempted).map((f) => `${f.rule} ${f.resource.name}: ${f.message}`)).toEqual([]);
    for (const f of r.findings) expect(f.reason!.length, f.rule).toBeGreaterThanOrEqual(10);
  });

  it('finds an unknown permission, an unconditioned mutating binding and a key', () => {
    const doc = { resource: {
      google_project_iam_custom_role: { r: { role_id: 'x', permissions: ['compute.instances.delete', 'compute.instances.teleport'] } },
      google_project_iam_member: {
        custom: { role: '${google_project_iam_custom_role.r.id}', member: 'serviceAccount:a@b.iam.gserviceaccount.com' },
        editor: { role: 'roles/editor', member: 'user:x@example.com' },
        viewer: { role: 'roles/compute.viewer', member: 'user:x@example.com' },
        scoped: { role: 'roles/compute.instanceAdmin.v1', member: 'user:x@example.com', condition: { title: 't', expression: 'resource.name.extract("/instances/{name}").startsWith("gke-prod-")' } },
      },
      google_service_account_key: { k: { service_account_id: 'a' } },
    } };
    const f = checkGcpIam(doc, { knownPermissions: known });
    expect(f.map((x) => `${x.rule} ${x.resource.name}`).sort()).toEqual([
      'gcp-basic-role editor', 'gcp-service-account-key k', 'gcp-unconditioned-mutation custom', 'gcp-unknown-permission r',
    ]);
  });

  const SA = 'serviceAccount:agent@acme-prod.iam.gserviceaccount.com';
  const rulesAt = (doc: Record<string, unknown>) => checkGcpIam(doc).map((f) => `${f.rule} ${f.resource.kind}.${f.resource.name}`).sort();

  it('reads google_project_iam_policy with policy_data from a google_iam_policy data source (binding blocks in array form) or as JSON', () => {
    const doc = {
      data: { google_iam_policy: { p: { binding: [
        { role: 'roles/editor', members: [SA] },
        { role: 'roles/compute.instanceAdmin.v1', members: [SA], condition: [{ title: 't', expression: 'true' }] },
        { role: 'roles/compute.viewer', members: [SA] },
      ] } } },
      resource: { google_project_iam_policy: {
        fromData: { project: 'acme-prod', policy_data: '${data.google_iam_policy.p.policy_data}' },
        literal: { project: 'acme-prod', policy_data: JSON.stringify({ bindings: [{ role: 'roles/owner', members: [SA] }] }) },
        unknown: { project: 'acme-prod', policy_data: '${var.policy}' },
      } },
    };
    const f = checkGcpIam(doc);
    expect(f.map((x) => `${x.rule} ${x.resource.kind}.${x.resource.name} ${x.path}`).sort()).toEqual([
      'gcp-basic-role data.google_iam_policy.p binding[0].role',
      'gcp-basic-role google_project_iam_policy.literal policy_data.bindings[0].role',
      'gcp-policy-unreadable google_project_iam_policy.unknown policy_data',
      'gcp-unconditioned-mutation data.google_iam_policy.p binding[1].condition',
    ]);
    expect(f.find((x) => x.rule === 'gcp-unconditioned-mutation')!.message).toContain('confines nothing');
  });

  it('basic roles are errors on a project, a folder and an organisation', () => {
    const doc = { resource: {
      google_project_iam_member: { v: { project: 'p', role: 'roles/viewer', member: SA } },
      google_folder_iam_binding: { e: { folder: 'folders/1', role: 'roles/editor', members: [SA] } },
      google_organization_iam_member: { o: { org_id: '1', role: 'roles/owner', member: SA } },
    } };
    const f = checkGcpIam(doc).filter((x) => x.rule === 'gcp-basic-role');
    expect(f.map((x) => x.resource.name).sort()).toEqual(['e', 'o', 'v']);
    expect(f.find((x) => x.resource.name === 'e')!.message).toContain('folder');
  });

  describe('IAM Conditions are judged by what they confine', () => {
    const bound = (expression: string) => ({ resource: { google_project_iam_member: { b: { project: 'acme-prod', role: 'roles/compute.instanceAdmin.v1', member: SA,
      condition: { title: 't', expression } } } } });
    it('a condition naming this cluster\'s resources confines the binding', () => {
      for (const e of [
        'resource.name.extract("/instances/{name}").startsWith("gke-prod-eu-1-")',
        'resource.name.startsWith("projects/acme-prod/zones/europe-west1-b/instances/gke-prod-eu-1-")',
        'resource.name == "projects/acme-prod/regions/europe-west1/subnetworks/nodes" || resource.name.extract("/disks/{name}").startsWith("gke-prod-eu-1-")',
        'resource.type == "compute.googleapis.com/Instance" && resource.name.extract("/instances/{name}").startsWith("gke-prod-eu-1-")',
        'resource.matchTag("acme-prod/cluster", "prod-eu-1")',
      ]) expect(rulesAt(bound(e)), e).toEqual([]);
    });
    it('conditions that confine nothing, or only name the project, do not count', () => {
      for (const e of [
        'true',
        'resource.name.startsWith("projects/acme-prod")',
        'resource.name.startsWith("projects/acme-prod/")',
        'resource.name.startsWith("projects/acme-prod/zones/europe-west1-b/instances/")',
        'resource.name.extract("/instances/{name}").startsWith("")',
        'resource.type == "compute.googleapis.com/Instance"',
        'request.time < timestamp("2030-01-01T00:00:00Z")',
        'resource.name.extract("/instances/{name}").startsWith("gke-prod-eu-1-") || true',
        '!resource.name.startsWith("projects/acme-prod/zones/z/instances/other-")',
        'resource.name.startsWith(',
      ]) {
        const f = checkGcpIam(bound(e));
        expect(f.map((x) => x.rule), e).toEqual(['gcp-unconditioned-mutation']);
      }
    });
  });

  it('reads resource-level IAM with its real scope', () => {
    const doc = { resource: {
      google_compute_subnetwork_iam_member: { subnet: { project: 'acme-prod', region: 'europe-west1', subnetwork: 'nodes', role: 'roles/compute.networkUser', member: SA } },
      google_service_account_iam_member: { actAs: { service_account_id: 'projects/acme-prod/serviceAccounts/nodes@acme-prod.iam.gserviceaccount.com', role: 'roles/iam.serviceAccountUser', member: SA } },
      google_service_account_iam_binding: { wide: { service_account_id: '${google_service_account.a.name}', role: 'roles/iam.workloadIdentityUser',
        members: ['principalSet://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/acme-prod.svc.id.goog/namespace/agents'] } },
      google_storage_bucket_iam_member: { owner: { bucket: 'b', role: 'roles/owner', member: SA } },
    } };
    const f = checkGcpIam(doc);
    expect(f.map((x) => `${x.rule} ${x.resource.name}`).sort()).toEqual(['gcp-workload-identity-wide wide']);
    expect(f[0].message).toContain('every cluster in the project');
    expect(f[0].message).toContain('service account ${google_service_account.a.name}');
  });

  it('reports a pool-wide Workload Identity member, but not a single Kubernetes service account', () => {
    const pool = 'iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/acme-prod.svc.id.goog';
    const doc = { resource: { google_project_iam_member: {
      ns: { project: 'acme-prod', role: 'roles/compute.viewer', member: `principalSet://${pool}/namespace/agents` },
      all: { project: 'acme-prod', role: 'roles/compute.viewer', member: `principalSet://${pool}/*` },
      one: { project: 'acme-prod', role: 'roles/compute.viewer', member: `principal://${pool}/subject/ns/agents/sa/optimizer` },
    } } };
    const f = checkGcpIam(doc);
    expect(f.map((x) => `${x.rule} ${x.resource.name}`).sort()).toEqual(['gcp-workload-identity-wide all', 'gcp-workload-identity-wide ns']);
    expect(f.find((x) => x.resource.name === 'ns')!.message).toContain('namespace agents of every cluster in the project');
  });

  it('reads array forms: a key in array form and a binding whose condition is an array', () => {
    const doc = { resource: [{ google_service_account_key: [{ k: [{ service_account_id: 'a' }] }] },
      { google_project_iam_member: { b: [{ project: 'p', role: 'roles/compute.instanceAdmin.v1', member: SA,
        condition: [{ title: 't', expression: 'resource.name.extract("/instances/{name}").startsWith("gke-prod-")' }] }] } }] };
    expect(rulesAt(doc)).toEqual(['gcp-service-account-key google_service_account_key.k']);
  });

  it('a weakened copy of our GCP stack (a condition that confines nothing) is an error', () => {
    for (const d of fs.readdirSync(DIST).filter((x) => x.includes('gcp'))) {
      const doc = JSON.parse(fs.readFileSync(path.join(DIST, d, 'cdk.tf.json'), 'utf8'));
      const bindings = doc.resource.google_project_iam_member as Record<string, { condition?: { expression: string } }>;
      const conditioned = Object.entries(bindings).filter(([, b]) => b.condition);
      expect(conditioned.length).toBeGreaterThan(0);
      for (const weak of ['true', 'resource.name.startsWith("projects/acme-prod/")']) {
        const copy = structuredClone(doc);
        for (const [name] of conditioned) copy.resource.google_project_iam_member[name].condition.expression = weak;
        const f = checkGcpIam(copy).filter((x) => x.severity === 'error');
        expect(f.map((x) => `${x.rule} ${x.resource.name}`).sort(), weak).toEqual(conditioned.map(([n]) => `gcp-unconditioned-mutation ${n}`).sort());
      }
    }
  });

  it('a dynamic condition or binding block is reported as unevaluated, not read as absent', () => {
    const doc = { data: { google_iam_policy: { p: { dynamic: { binding: [{ for_each: '${var.roles}', content: [{ role: '${binding.value}', members: [SA] }] }] } } } },
      resource: { google_project_iam_member: { m: { project: 'p', role: 'roles/compute.instanceAdmin.v1', member: SA,
        dynamic: { condition: [{ for_each: '${var.c}', content: [{ title: 't', expression: '${condition.value}' }] }] } } } } };
    expect(rulesAt(doc)).toEqual(['gcp-policy-unreadable data.google_iam_policy.p', 'gcp-policy-unreadable google_project_iam_member.m']);
  });
});
