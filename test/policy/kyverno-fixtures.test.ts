import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { check, Finding } from '../../src/policy';
import { describeWithShared, sharedFolder } from '../helpers/shared';

/**
 * Kyverno's recorded verdicts (kyverno/policies CLI tests) against ours, for every (resource, rule)
 * whose Kyverno rule maps onto one of our rules. Known semantic differences are listed, each with its
 * reason, in kyverno-differences.json; the test fails on any other disagreement and on a listed
 * difference that is no longer one.
 */
const FOLDER = sharedFolder('fixtures/kyverno-policies', 'Kyverno policy test fixtures', 'INDEX.json');
type Index = Array<{ policyDir: string; kyvernoTests: Array<{ testFile: string; resourceFiles: string[] }> }>;

interface Difference { policy: string; rule: string; kind: string; resource: string; kyverno: 'pass' | 'fail'; reason: string }
const DIFFERENCES = JSON.parse(readFileSync(join(__dirname, 'kyverno-differences.json'), 'utf8')) as { differences: Difference[] };

/** Kyverno policy/rule -> the finding of ours that means "fail". */
type Match = (f: Finding) => boolean;
const rule = (id: string, text?: string): Match => (f) => f.rule === id && (text === undefined || f.message.includes(text));
export const MAPPING: Record<string, Match> = {
  'disallow-capabilities/adding-capabilities': rule('pss-capabilities-baseline'),
  'disallow-host-namespaces/host-namespaces': rule('pss-hostnamespaces'),
  'disallow-host-path/host-path': rule('pss-hostpathvolumes'),
  'disallow-host-ports/host-ports-none': rule('pss-hostports'),
  'disallow-host-process/host-process-containers': rule('pss-windowshostprocess'),
  'disallow-privileged-containers/privileged-containers': rule('pss-privileged'),
  'disallow-proc-mount/check-proc-mount': rule('pss-procmount'),
  'disallow-selinux/selinux-type': rule('pss-selinuxoptions', 'type "'),
  'disallow-selinux/selinux-user-role': (f) => f.rule === 'pss-selinuxoptions' && /(user|role) "/.test(f.message),
  'restrict-apparmor-profiles/app-armor': rule('pss-apparmorprofile'),
  'restrict-seccomp/check-seccomp': rule('pss-seccompprofile-baseline'),
  'restrict-sysctls/check-sysctls': rule('pss-sysctls'),
  'disallow-capabilities-strict/require-drop-all': rule('pss-capabilities-restricted', 'does not drop ALL'),
  'disallow-capabilities-strict/adding-capabilities-strict': rule('pss-capabilities-restricted', ' adds '),
  'disallow-privilege-escalation/privilege-escalation': rule('pss-allowprivilegeescalation'),
  'require-run-as-non-root-user/run-as-non-root-user': rule('pss-runasuser'),
  'require-run-as-nonroot/run-as-non-root': rule('pss-runasnonroot'),
  'restrict-seccomp-strict/check-seccomp-strict': rule('pss-seccompprofile-restricted'),
  'restrict-volume-types/restricted-volumes': rule('pss-restrictedvolumes'),
  'disallow-latest-tag/require-image-tag': rule('image-latest-tag', 'has no tag'),
  'disallow-latest-tag/validate-image-tag': rule('image-latest-tag', 'uses the latest tag'),
  'require-drop-all/require-drop-all': rule('pss-capabilities-restricted', 'does not drop ALL'),
  'restrict-automount-sa-token/validate-automountServiceAccountToken': rule('secret-automount-token'),
  'restrict-binding-clusteradmin/clusteradmin-bindings': rule('rbac-bind-cluster-admin'),
  'restrict-binding-system-groups/restrict-anonymous': rule('rbac-bind-system-groups', 'system:anonymous'),
  'restrict-binding-system-groups/restrict-unauthenticated': rule('rbac-bind-system-groups', 'system:unauthenticated'),
  'restrict-binding-system-groups/restrict-masters': rule('rbac-bind-system-groups', 'system:masters'),
  'restrict-clusterrole-csr/certificatesigningrequests-update-prevention': rule('rbac-approve-csr', 'certificatesigningrequests/approval'),
  'restrict-clusterrole-csr/signers-approve-prevention': rule('rbac-approve-csr', 'signers'),
  'restrict-clusterrole-mutating-validating-admission-webhooks/restrict-clusterrole': rule('rbac-admission-webhooks'),
  'restrict-clusterrole-nodesproxy/clusterrole-nodesproxy': rule('rbac-nodes-proxy'),
  'restrict-escalation-verbs-roles/escalate': rule('rbac-escalation-verbs'),
  'restrict-secret-role-verbs/secret-verbs': rule('rbac-read-secrets'),
  'restrict-wildcard-resources/wildcard-resources': rule('rbac-wildcard-resources'),
  'restrict-wildcard-verbs/wildcard-verbs': rule('rbac-wildcard-verbs'),
  'require-netpol/require-network-policy': rule('net-no-egress-policy'),
  'disallow-secrets-from-env-vars/secrets-not-from-env-vars': rule('secret-env-from-secret', 'into env var'),
  'disallow-secrets-from-env-vars/secrets-not-from-envfrom': rule('secret-env-from-secret', 'into env vars'),
};

interface Case { policy: string; rule: string; kind: string; resource: string; kyverno: 'pass' | 'fail'; ours: 'pass' | 'fail' }

function evaluate(ROOT: string): { cases: Case[]; unmapped: number } {
  const INDEX = JSON.parse(readFileSync(join(ROOT, 'INDEX.json'), 'utf8')) as Index;
  const cases: Case[] = [];
  let unmapped = 0;
  for (const entry of INDEX) {
    for (const t of entry.kyvernoTests) {
      const testPath = join(ROOT, t.testFile);
      const test = parse(readFileSync(testPath, 'utf8'));
      const objects = t.resourceFiles.flatMap((f) =>
        parseAllDocuments(readFileSync(join(dirname(testPath), f), 'utf8')).map((d) => d.toJS()).filter((o) => o && typeof o === 'object'));
      const findings = check(objects).findings;
      for (const r of test.results as Array<{ policy: string; rule: string; kind: string; resources: string[]; result: string }>) {
        if (r.result !== 'pass' && r.result !== 'fail') continue;
        const match = MAPPING[`${r.policy}/${r.rule}`];
        if (!match) { unmapped += r.resources.length; continue; }
        for (const name of r.resources) {
          const local = name.includes('/') ? name.split('/').pop()! : name;
          const found = objects.some((o) => o.kind === r.kind && o.metadata?.name === local);
          expect(found, `${t.testFile}: ${r.kind}/${local} is among the resources`).toBe(true);
          const fires = findings.some((f) => f.resource.kind === r.kind && f.resource.name === local && match(f));
          cases.push({ policy: r.policy, rule: r.rule, kind: r.kind, resource: local, kyverno: r.result, ours: fires ? 'fail' : 'pass' });
        }
      }
    }
  }
  return { cases, unmapped };
}

describeWithShared('Kyverno policy fixtures (kyverno/policies CLI tests)', FOLDER, (ROOT) => {
  const { cases, unmapped } = evaluate(ROOT);
  const key = (c: { policy: string; rule: string; kind: string; resource: string }) => `${c.policy}/${c.rule} ${c.kind}/${c.resource}`;
  const listed = new Map(DIFFERENCES.differences.map((d) => [key(d), d]));
  const disagreeing = cases.filter((c) => c.ours !== c.kyverno);

  it('maps rules of every PSS and RBAC policy', () => {
    const mappedPolicies = new Set(cases.map((c) => c.policy));
    for (const p of ['disallow-capabilities', 'disallow-privileged-containers', 'restrict-volume-types', 'restrict-wildcard-verbs', 'restrict-binding-clusteradmin']) {
      expect(mappedPolicies.has(p), p).toBe(true);
    }
    expect(cases.length).toBeGreaterThan(700);
  });

  it('agrees with every recorded verdict except the documented differences', () => {
    const unexplained = disagreeing.filter((c) => !listed.has(key(c))).map((c) => `${key(c)}: kyverno ${c.kyverno}, ours ${c.ours}`);
    expect(unexplained).toEqual([]);
    console.log(`Kyverno fixtures: ${cases.length - disagreeing.length}/${cases.length} mapped (resource, rule) verdicts agree; ${disagreeing.length} documented differences; ${unmapped} verdicts of unmapped rules`);
  });

  it('lists only differences that still exist, each with a reason', () => {
    const actual = new Set(disagreeing.map(key));
    for (const d of DIFFERENCES.differences) {
      expect(actual.has(key(d)), `${key(d)} is listed as a difference but we agree now`).toBe(true);
      expect(d.reason.length, `${key(d)} needs a reason`).toBeGreaterThan(20);
      expect(cases.find((c) => key(c) === key(d))?.kyverno).toBe(d.kyverno);
    }
  });
});
