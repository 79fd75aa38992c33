import { App, Chart } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import {
  BUS_CLIENT_PORT, BUS_CLIENT_REASONS, BUS_CONTROLLER_PORT, ExternalMessageBus, SecretSource, SensorInterceptor, SensorMessageBroker, SensorWorkload,
} from '../../../src';
import { catchValidationError } from '../../helpers/errors';
import { find, K8sObject, podSpec, synth } from '../../helpers/synth';

const IMAGE = 'ghcr.io/vendor/sensor:1.0.0';
const KAFKA = 'apache/kafka:3.9.1';
const chart = (app: App) => new Chart(app, 'test', { namespace: 'sensor' });

function inCluster(replicas: 1 | 3 = 1): K8sObject[] {
  return synth((app) => {
    const c = chart(app);
    const bus = new SensorMessageBroker(c, 'bus', { image: KAFKA, tlsSecretName: 'bus-tls', replicas, nodeCidrs: ['10.0.0.0/16'] });
    const digger = new SensorWorkload(c, 'digger', { component: 'digger', image: IMAGE });
    const interceptor = new SensorInterceptor(c, 'interceptor', { image: IMAGE, diggerAddress: 'digger.sensor.svc:9443' });
    bus.connect(digger, BUS_CLIENT_REASONS.digger);
    bus.connect(interceptor, BUS_CLIENT_REASONS.interceptor);
  });
}

describe('SensorMessageBroker', () => {
  it('is a hardened KRaft StatefulSet: non-root, no token, a PVC per pod, TLS on both listeners', () => {
    const objects = inCluster();
    const sts = find(objects, 'StatefulSet', 'bus');
    const spec = podSpec(sts);
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, fsGroup: 1000 });
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(find(objects, 'ServiceAccount', 'bus').automountServiceAccountToken).toBe(false);
    for (const c of [...spec.initContainers, ...spec.containers]) {
      expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
      expect(c.volumeMounts).toContainEqual({ name: 'data', mountPath: '/var/lib/kafka/data' });
    }
    expect(sts.spec.volumeClaimTemplates).toEqual([expect.objectContaining({
      metadata: expect.objectContaining({ name: 'data' }),
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } },
    })]);
    const props = find(objects, 'ConfigMap', 'bus-config').data['server.properties.template'];
    expect(props).toContain('process.roles=broker,controller');
    expect(props).toContain('listener.security.protocol.map=CLIENTS:SSL,CONTROLLER:SSL');
    expect(props).not.toMatch(/zookeeper/i);
    // The broker's key reaches only the broker: clients project ca.crt alone.
    const digger = podSpec(find(objects, 'Deployment', 'digger'));
    const secretVolumes = digger.volumes.filter((v: any) => v.secret?.secretName === 'bus-tls');
    expect(secretVolumes.map((v: any) => v.secret.items)).toEqual([[{ key: 'ca.crt', path: 'ca.crt' }]]);
    expect(digger.containers[0].env).toEqual(expect.arrayContaining([
      { name: 'KAFKA_BOOTSTRAP_SERVERS', value: `bus-0.bus.sensor.svc:${BUS_CLIENT_PORT}` },
      { name: 'KAFKA_SECURITY_PROTOCOL', value: 'SSL' },
      { name: 'KAFKA_SSL_CA_FILE', value: '/etc/secrets/bus-tls/ca.crt' },
    ]));
  });

  it('admits only the connected components (and the nodes, for the host-network interceptor), each rule with its reason', () => {
    const objects = inCluster(3);
    const np = find(objects, 'NetworkPolicy', 'bus');
    const reasons = JSON.parse(np.metadata.annotations!['reasons.secure-agents.io/ingress']);
    expect(reasons).toHaveLength(np.spec.ingress.length);
    expect(np.spec.ingress).toHaveLength(3);
    const fromDigger = np.spec.ingress.findIndex((r: any) => r.from[0].podSelector?.matchLabels?.['app.kubernetes.io/name'] === 'digger');
    expect(np.spec.ingress[fromDigger].ports).toEqual([{ protocol: 'TCP', port: BUS_CLIENT_PORT }]);
    expect(reasons[fromDigger]).toBe(BUS_CLIENT_REASONS.digger);
    const fromNodes = np.spec.ingress.findIndex((r: any) => r.from[0].ipBlock?.cidr === '10.0.0.0/16');
    expect(reasons[fromNodes]).toBe(BUS_CLIENT_REASONS.interceptor);
    expect(np.spec.ingress.flatMap((r: any) => r.ports.map((p: any) => p.port))).not.toContain(undefined);
    expect(np.spec.ingress.some((r: any) => r.ports.some((p: any) => p.port === BUS_CONTROLLER_PORT) && r.from[0].podSelector?.matchLabels?.['app.kubernetes.io/name'] === 'bus')).toBe(true);
    const diggerPolicy = find(objects, 'NetworkPolicy', 'digger');
    const diggerReasons = JSON.parse(diggerPolicy.metadata.annotations!['reasons.secure-agents.io/egress']);
    expect(diggerReasons).toContain(BUS_CLIENT_REASONS.digger);
    expect(find(objects, 'ConfigMap', 'bus-config').data['server.properties.template']).toContain('controller.quorum.voters=0@bus-0.bus.sensor.svc:9093,1@bus-1.bus.sensor.svc:9093,2@bus-2.bus.sensor.svc:9093');
    // All voters start together, or the quorum never forms.
    expect(find(objects, 'StatefulSet', 'bus').spec.podManagementPolicy).toBe('Parallel');
  });

  it('fails to connect a host-network component without the node CIDRs', () => {
    const c = chart(new App());
    const bus = new SensorMessageBroker(c, 'bus', { image: KAFKA, tlsSecretName: 'bus-tls' });
    const interceptor = new SensorInterceptor(c, 'interceptor', { image: IMAGE, diggerAddress: 'digger.sensor.svc:9443' });
    const e = catchValidationError(() => bus.connect(interceptor, BUS_CLIENT_REASONS.interceptor));
    expect([e.prop, e.code]).toEqual(['nodeCidrs', 'missing-node-cidrs']);
  });

  it('fails on two brokers, which cannot form a quorum that survives a loss', () => {
    const e = catchValidationError(() => new SensorMessageBroker(chart(new App()), 'bus', { image: KAFKA, tlsSecretName: 'bus-tls', replicas: 2 as 1 }));
    expect([e.prop, e.code]).toEqual(['replicas', 'invalid-replicas']);
  });
});

describe('ExternalMessageBus', () => {
  const credentials = SecretSource.kubernetesSecret({ name: 'bus-credentials', keys: ['username', 'password'] });

  it('opens the brokers\' addresses on their ports and gives SASL credentials as files', () => {
    const objects = synth((app) => {
      const c = chart(app);
      const bus = new ExternalMessageBus(c, 'bus', { bootstrapServers: ['b-1.kafka.example.com:9096', 'b-2.kafka.example.com:9096'], cidrs: ['203.0.113.0/28'], sasl: { credentials } });
      bus.connect(new SensorWorkload(c, 'digger', { component: 'digger', image: IMAGE }), BUS_CLIENT_REASONS.digger);
    });
    const np = find(objects, 'NetworkPolicy', 'digger');
    const i = np.spec.egress.findIndex((r: any) => r.to[0].ipBlock?.cidr === '203.0.113.0/28');
    expect(np.spec.egress[i].ports).toEqual([{ protocol: 'TCP', port: 9096 }]);
    expect(JSON.parse(np.metadata.annotations!['reasons.secure-agents.io/egress'])[i]).toBe(BUS_CLIENT_REASONS.digger);
    const env = podSpec(find(objects, 'Deployment', 'digger')).containers[0].env;
    expect(env).toEqual(expect.arrayContaining([
      { name: 'KAFKA_SECURITY_PROTOCOL', value: 'SASL_SSL' },
      { name: 'KAFKA_SASL_MECHANISM', value: 'SCRAM-SHA-512' },
      { name: 'KAFKA_SASL_PASSWORD_FILE', value: '/etc/secrets/bus-credentials/password' },
    ]));
    expect(JSON.stringify(env)).not.toMatch(/secretKeyRef/);
  });

  it('refuses literal credentials and Vault sources, and SASL without credentials', () => {
    const c = chart(new App());
    const base = { bootstrapServers: ['b-1.kafka.example.com:9096'], cidrs: ['203.0.113.0/28'] };
    const literal = catchValidationError(() => new ExternalMessageBus(c, 'a', { ...base, sasl: { credentials: 'hunter2' as unknown as SecretSource } }));
    expect([literal.prop, literal.code]).toEqual(['sasl.credentials', 'secret-as-literal']);
    expect(literal.message).not.toContain('hunter2');
    const vault = catchValidationError(() => new ExternalMessageBus(c, 'b', { ...base, sasl: { credentials: SecretSource.vault({ name: 'bus', path: 'secret/data/sensor/bus', role: 'sensor' }) } }));
    expect(vault.code).toBe('vault-not-supported');
    const bad = catchValidationError(() => new ExternalMessageBus(c, 'c', { ...base, bootstrapServers: ['https://x'], sasl: { credentials } }));
    expect([bad.prop, bad.code]).toEqual(['bootstrapServers[0]', 'invalid-address']);
  });
});
