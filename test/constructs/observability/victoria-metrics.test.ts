import { App, Chart } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { VictoriaMetrics, VictoriaMetricsProps } from '../../../src';
import { expectValidationError } from '../../helpers/errors';
import { find, K8sObject, podSpec, synth } from '../../helpers/synth';

const IMAGE = 'victoriametrics/victoria-metrics:v1.110.0';

function vmObjects(props: Partial<VictoriaMetricsProps> = {}): K8sObject[] {
  return synth((app) => {
    const chart = new Chart(app, 'obs', { namespace: 'observability' });
    new VictoriaMetrics(chart, 'victoria-metrics', { image: IMAGE, ...props });
  });
}

describe('VictoriaMetrics', () => {
  const objects = vmObjects();
  const sts = find(objects, 'StatefulSet', 'victoria-metrics');
  const spec = podSpec(sts);

  it('adds a PersistentVolumeClaim template through the JSON patch, and mounts it', () => {
    // The patch runs before cdk8s-plus's L1 mapper: the field must survive into the output.
    expect(sts.spec.volumeClaimTemplates).toEqual([{
      metadata: {
        name: 'storage',
        labels: {
          'app.kubernetes.io/name': 'victoria-metrics',
          'app.kubernetes.io/instance': 'victoria-metrics',
          'app.kubernetes.io/component': 'victoria-metrics',
          'app.kubernetes.io/part-of': 'observability',
          'app.kubernetes.io/managed-by': 'secure-agent-constructs',
        },
      },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '20Gi' } } },
    }]);
    expect(spec.containers[0].volumeMounts).toEqual([{ mountPath: '/tmp', name: 'tmp' }, { mountPath: '/storage', name: 'storage' }]);
    expect(spec.volumes.map((v: any) => v.name)).toEqual(['tmp']);
    expect(spec.containers[0].args).toEqual(['-storageDataPath=/storage', '-retentionPeriod=30d', '-httpListenAddr=:8428']);
  });

  it('takes the size, StorageClass and retention', () => {
    const s = find(vmObjects({ storageSize: '100Gi', storageClassName: 'gp3', retention: '1y' }), 'StatefulSet', 'victoria-metrics');
    expect(s.spec.volumeClaimTemplates[0].spec).toEqual({ accessModes: ['ReadWriteOnce'], storageClassName: 'gp3', resources: { requests: { storage: '100Gi' } } });
    expect(podSpec(s).containers[0].args).toContain('-retentionPeriod=1y');
  });

  it('runs non-root as 65534 with no token, no role and no exemption', () => {
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, fsGroup: 65534 });
    expect(spec.containers[0].securityContext).toMatchObject({ privileged: false, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(find(objects, 'ServiceAccount', 'victoria-metrics').automountServiceAccountToken).toBe(false);
    expect(objects.filter((o) => /Role/.test(o.kind))).toEqual([]);
    expect(sts.metadata.annotations).toBeUndefined();
  });

  it('may send nothing but DNS lookups, and accepts nothing until acceptFrom() names a workload', () => {
    const np = find(objects, 'NetworkPolicy', 'victoria-metrics');
    expect(np.spec.egress).toEqual([{
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
      ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
    }]);
    expect(np.spec.ingress).toEqual([]);
  });

  it.each([
    ['a storage size of "lots"', { storageSize: 'lots' }, 'storageSize', /128Mi/],
    ['a retention of "forever"', { retention: 'forever' }, 'retention', /"30d"/],
    ['a StorageClass with capitals', { storageClassName: 'GP3' }, 'storageClassName', /DNS-1123 subdomain/],
  ] as Array<[string, Partial<VictoriaMetricsProps>, string, RegExp]>)('fails on %s with a ValidationError', (_t, props, prop, fix) => {
    const chart = new Chart(new App(), 'obs');
    expectValidationError(() => new VictoriaMetrics(chart, 'victoria-metrics', { image: IMAGE, ...props }), { path: 'obs/victoria-metrics', prop, message: fix });
  });
});
