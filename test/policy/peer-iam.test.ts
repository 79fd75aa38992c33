/**
 * The aws-* and gcp-* rules over published IAM of two other node provisioners (../shared/data/peer-iam,
 * README there): every known weakness of CAST AI's policies is an error, and Karpenter's policies, which
 * confine every mutation to the cluster's tags, raise nothing. Each expected finding is justified below.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { check } from '../../src/policy/engine';

const ROOT = join(__dirname, '../../../shared/data/peer-iam');
const PERMISSIONS = join(__dirname, '../../../shared/data/gcp-iam/permissions.txt');
const present = existsSync(ROOT) && existsSync(PERMISSIONS);
if (!present && process.env.CI === 'true') throw new Error(`${ROOT} is missing: CI must provide ../shared`);
if (!present) console.log('peer-iam: ../shared/data/peer-iam is not here; skipping (CI fails instead)');

const run = (folder: string) => {
  const known = new Set(readFileSync(PERMISSIONS, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean));
  return check([JSON.parse(readFileSync(join(ROOT, folder, 'cdk.tf.json'), 'utf8'))], { gcpPermissions: known });
};
const errors = (folder: string) => [...new Set(run(folder).findings.filter((f) => f.severity === 'error' && !f.exempted)
  .map((f) => `${f.rule} ${f.resource.kind}.${f.resource.name}`))].sort();

describe.skipIf(!present)('peer IAM (../shared/data/peer-iam)', () => {
  it('castai-eks: every known weakness is an error, and nothing else is', () => {
    expect(errors('castai-eks')).toEqual([
      // NonResourcePermissions: ec2:CreateTags on "*" with no condition: tag any instance of the account as this cluster's.
      'aws-createtags-unscoped aws_iam_policy.castai_iam_policy',
      // InstanceActionsTagRestriction: CreateTags on instances tagged owned OR shared, any tag key: turns a shared resource into an owned one.
      'aws-createtags-unscoped aws_iam_role_policy.castai_role_iam_policy',
      // The module's trust: the CAST AI user may assume the role with no sts:ExternalId (the variable defaults to null).
      'aws-cross-account-no-external-id aws_iam_role.cast_role',
      // RunInstancesForEKSNodegroups: the template itself hard-codes arn:aws: (nothing matches in aws-cn / aws-us-gov).
      'aws-hardcoded-partition aws_iam_role_policy.castai_role_iam_policy',
      // AmazonEC2ReadOnlyAccess (user data of every instance: bootstrap secrets) and IAMReadOnlyAccess (every policy and user of the account).
      'aws-managed-policy aws_iam_role_policy_attachment.readonly_ec2',
      'aws-managed-policy aws_iam_role_policy_attachment.readonly_iam',
      // PassRoleEC2 / PassRoleEKS: any role of any account (arn:...:iam::*:role/*), an admin role included.
      'aws-passrole-wildcard aws_iam_policy.castai_iam_policy',
      // NonResourcePermissions: ec2:DeleteKeyPair, ec2:ImportKeyPair, iam:CreateServiceLinkedRole on "*" unconditioned.
      'aws-wildcard-mutation aws_iam_policy.castai_iam_policy',
    ]);
    const wide = run('castai-eks').findings.find((f) => f.rule === 'aws-wildcard-mutation')!;
    expect(wide.message).toContain('ec2:DeleteKeyPair');
    expect(wide.path).toContain('NonResourcePermissions');
  });

  it('castai-gke: every known weakness is an error, and nothing else is', () => {
    expect(errors('castai-gke')).toEqual([
      // A service-account key: a long-lived credential handed to the vendor.
      'gcp-service-account-key google_service_account_key.castai_key',
      // The custom role (instances create/delete/setMetadata/setServiceAccount...) bound project-wide with no condition:
      // every VM of the project, other clusters' nodes included; once to the vendor's service account...
      'gcp-unconditioned-mutation google_project_iam_member.scoped_project',
      // ...and once to the cloud proxy's Kubernetes service account, equally project-wide.
      'gcp-unconditioned-mutation google_project_iam_member.workload_identity_scoped_project',
    ]);
    // serviceAccountUser with resource.name.startsWith("projects/-/serviceAccounts/<unique id>") names one account: confined.
    expect(run('castai-gke').findings.filter((f) => f.resource.name === 'scoped_service_account_user')).toEqual([]);
  });

  it('karpenter: no finding at all', () => {
    const r = run('karpenter');
    expect(r.findings.map((f) => `${f.rule} ${f.resource.name} ${f.path}: ${f.message}`)).toEqual([]);
    expect(r.summary.objects).toBe(1);
  });
});
