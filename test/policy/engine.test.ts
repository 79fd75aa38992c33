import { describe, expect, it } from 'vitest';
import { check, EXEMPTION_PREFIX, Finding, Manifest, TERRAFORM_FAMILIES, TerraformRuleFamily } from '../../src/policy';

const container = (extra: Record<string, unknown> = {}) => ({
  name: 'app', image: 'ghcr.io/x/app:1.0@sha256:' + 'a'.repeat(64),
  securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, ...extra },
});
function deployment(opts: { annotations?: Record<string, string>; templateAnnotations?: Record<string, string>; sc?: Record<string, unknown> } = {}): Manifest {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name: 'web', namespace: 'shop', annotations: opts.annotations },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' }, annotations: opts.templateAnnotations },
        spec: { automountServiceAccountToken: false, securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }, containers: [container(opts.sc)] },
      },
    },
  };
}
const errors = (fs: Finding[]) => fs.filter((f) => f.severity === 'error' && !f.exempted).map((f) => f.rule);

describe('check', () => {
  it('a hardened Deployment has no error', () => {
    expect(errors(check([deployment()]).findings)).toEqual([]);
  });

  it('reports a privileged container with resource, path, message and fix', () => {
    const [f] = check([deployment({ sc: { privileged: true } })], { rules: ['pss-privileged'] }).findings;
    expect(f).toMatchObject({
      rule: 'pss-privileged', severity: 'error', exempted: false,
      resource: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' },
      path: 'spec.template.spec.containers[0].securityContext.privileged',
    });
    expect(f.fix).toMatch(/privileged/);
  });

  it('honours an exemption with a reason on the workload and on the pod template', () => {
    for (const where of ['annotations', 'templateAnnotations'] as const) {
      const d = deployment({ sc: { privileged: true }, [where]: { [`${EXEMPTION_PREFIX}pss-privileged`]: 'needs the host devices' } });
      const f = check([d], { rules: ['pss-privileged'] }).findings;
      expect(f).toHaveLength(1);
      expect(f[0]).toMatchObject({ exempted: true, reason: 'needs the host devices' });
    }
  });

  it('an exemption without a reason of 10 characters is an error and exempts nothing', () => {
    const d = deployment({ sc: { privileged: true }, annotations: { [`${EXEMPTION_PREFIX}pss-privileged`]: 'because' } });
    const r = check([d], { rules: ['pss-privileged'] });
    expect(errors(r.findings).sort()).toEqual(['exemption-missing-reason', 'pss-privileged']);
    expect(r.summary).toEqual({ errors: 2, warnings: 0, exempted: 0, objects: 1 });
  });

  it('an exemption for a rule that does not fire is a warning', () => {
    const d = deployment({ annotations: { [`${EXEMPTION_PREFIX}pss-hostnamespaces`]: 'uses the node network' } });
    const r = check([d]);
    expect(r.findings.filter((f) => f.rule === 'exemption-unused')).toEqual([
      expect.objectContaining({ severity: 'warning', message: expect.stringContaining('pss-hostnamespaces') }),
    ]);
  });

  it('an exemption for a rule the checker does not know is a warning', () => {
    const d = deployment({ sc: { privileged: true }, annotations: { [`${EXEMPTION_PREFIX}pss-privilegd`]: 'needs the host devices' } });
    const r = check([d]);
    expect(r.findings.find((f) => f.rule === 'pss-privileged')?.exempted).toBe(false);
    expect(r.findings.filter((f) => f.rule === 'exemption-unused').map((f) => f.message)).toEqual([
      'exemption for pss-privilegd names no rule of the checker (a typo?); it exempts nothing',
    ]);
  });

  it('--pss baseline runs only baseline pss checks', () => {
    const d = deployment({ sc: { allowPrivilegeEscalation: true } });
    expect(errors(check([d]).findings)).toContain('pss-allowprivilegeescalation');
    expect(errors(check([d], { pss: 'baseline' }).findings)).not.toContain('pss-allowprivilegeescalation');
    const priv = deployment({ sc: { privileged: true } });
    expect(errors(check([priv], { pss: 'baseline' }).findings)).toContain('pss-privileged');
  });

  it('rules filter by prefix', () => {
    const d = deployment({ sc: { privileged: true } });
    const rules = new Set(check([d], { rules: ['rbac-', 'image-'] }).findings.map((f) => f.rule));
    expect([...rules].filter((r) => r.startsWith('pss-'))).toEqual([]);
  });

  it('expands List kinds', () => {
    const list = { apiVersion: 'v1', kind: 'List', items: [deployment({ sc: { privileged: true } }), deployment()] };
    const r = check([list], { rules: ['pss-privileged'] });
    expect(r.summary.objects).toBe(2);
    expect(r.findings).toHaveLength(1);
  });

  it('reads CronJob and Pod specs, and init and ephemeral containers', () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [container()], ephemeralContainers: [{ name: 'debug', image: 'busybox:1', securityContext: { privileged: true } }] } };
    const cron = { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c' }, spec: { schedule: '* * * * *', jobTemplate: { spec: { template: { spec: { containers: [container()], initContainers: [{ name: 'init', image: 'busybox:1', securityContext: { privileged: true } }] } } } } } };
    const r = check([pod, cron], { rules: ['pss-privileged'] });
    expect(r.findings.map((f) => `${f.resource.kind} ${f.path}`)).toEqual([
      'Pod spec.ephemeralContainers[0].securityContext.privileged',
      'CronJob spec.jobTemplate.spec.template.spec.initContainers[0].securityContext.privileged',
    ]);
  });

  it('reads the pod template of every pod-owning kind', () => {
    const spec = { containers: [{ name: 'c', image: 'r/c:1', securityContext: { privileged: true } }] };
    const template = { metadata: { labels: { app: 'a' } }, spec };
    const objects: Manifest[] = [
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'pod' }, spec },
      ...['Deployment', 'DaemonSet', 'StatefulSet', 'ReplicaSet'].map((kind) => ({ apiVersion: 'apps/v1', kind, metadata: { name: kind.toLowerCase() }, spec: { template } })),
      { apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'rc' }, spec: { template } },
      { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'job' }, spec: { template } },
      { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'cron' }, spec: { schedule: '@daily', jobTemplate: { spec: { template } } } },
    ];
    const kinds = check(objects, { rules: ['pss-privileged'] }).findings.map((f) => f.resource.kind);
    expect(kinds).toEqual(['Pod', 'Deployment', 'DaemonSet', 'StatefulSet', 'ReplicaSet', 'ReplicationController', 'Job', 'CronJob']);
  });

  it('dispatches Terraform JSON documents to the Terraform families', () => {
    const family: TerraformRuleFamily = {
      name: 'test',
      rules: [{ id: 'aws-test-star', title: 't', severity: 'error', explanation: 'e', fix: 'f' }],
      check: (doc) => Object.entries((doc.resource as Record<string, Record<string, unknown>>).aws_iam_policy ?? {}).map(([name]) => ({
        rule: 'aws-test-star', severity: 'error', resource: { apiVersion: 'terraform', kind: 'aws_iam_policy', name }, message: 'm', fix: 'f', exempted: false,
      })),
    };
    (TERRAFORM_FAMILIES as TerraformRuleFamily[]).push(family);
    try {
      const tf = { resource: { aws_iam_policy: { reader: { policy: '{}' } } } };
      const r = check([tf, deployment()]);
      expect(r.findings.filter((f) => f.rule === 'aws-test-star')).toEqual([
        expect.objectContaining({ resource: { apiVersion: 'terraform', kind: 'aws_iam_policy', name: 'reader' } }),
      ]);
      expect(r.summary.objects).toBe(2);
    } finally {
      (TERRAFORM_FAMILIES as TerraformRuleFamily[]).pop();
    }
  });
});

describe('exemption reasons need 10 visible characters', () => {
  const withReason = (reason: string) => check([deployment({ sc: { privileged: true }, annotations: { [`${EXEMPTION_PREFIX}pss-privileged`]: reason } })], { rules: ['pss-privileged', 'exemption-'] }).findings;
  it('whitespace and zero-width or format characters do not count', () => {
    for (const padded of ['ok        .', 'abc\u200b\u200b\u200b\u200b\u200b\u200b\u200b\u200b', 'x\u00a0\u00a0\u00a0\u00a0\u00a0\u00a0\u00a0\u00a0\u00a0\u00a0', 'a\u2060\u2060\u2060\u2060\u2060\u2060\u2060\u2060\u2060\ufeff', 'ab\u3164\u3164\u3164\u3164\u3164\u3164\u3164\u3164\u2800', 'ab\t\n\r\u180e\u200c\u200d\u200e\u200f\u202a\u2066']) {
      const f = withReason(padded);
      expect(f.map((x) => `${x.rule}:${x.exempted}`).sort(), JSON.stringify(padded)).toEqual(['exemption-missing-reason:false', 'pss-privileged:false']);
    }
  });
  it('ten visible characters, in any script, are a reason', () => {
    for (const ok of ['needs /dev/fuse', 'ホストのデバイスが必要', 'a b c d e f g h i j']) {
      expect(withReason(ok).map((x) => `${x.rule}:${x.exempted}`), ok).toEqual(['pss-privileged:true']);
    }
  });
  it('the message counts visible characters', () => {
    const f = withReason('abc\u200b\u200b\u200b\u200b\u200b\u200b\u200b\u200b').find((x) => x.rule === 'exemption-missing-reason')!;
    expect(f.message).toMatch(/3 visible characters/);
  });
});
