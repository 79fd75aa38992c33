import { describe, expect, it } from 'vitest';
import { k8sExamples } from '../../examples';
import { K8sObject, podSpec, synth } from '../helpers/synth';

const R = 'reasons.secure-agents.io/';
const POD_KINDS = ['Deployment', 'DaemonSet', 'StatefulSet', 'Job', 'CronJob'];
const visible = (s: string) => s.replace(/\s/g, '').length;

/** docs/reasons-in-output.md: every privilege's reason sits next to it in the synthesised YAML. */
describe.each(k8sExamples.map((make) => [make.name, make] as const))('reasons in the output of %s', (_name, make) => {
  const objects: K8sObject[] = synth((app) => { make(app); });

  it('gives every RBAC rule its reason, index-aligned', () => {
    for (const role of objects.filter((o) => o.kind === 'Role' || o.kind === 'ClusterRole')) {
      const reasons = JSON.parse(role.metadata.annotations?.[`${R}rules`] ?? 'null');
      expect(reasons, `${role.kind}/${role.metadata.name}`).toHaveLength(role.rules.length);
      for (const r of reasons) expect(visible(r)).toBeGreaterThanOrEqual(10);
    }
  });

  it('gives every NetworkPolicy and CiliumNetworkPolicy rule its reason, index-aligned', () => {
    for (const np of objects.filter((o) => o.kind === 'NetworkPolicy' || o.kind === 'CiliumNetworkPolicy')) {
      for (const dir of ['egress', 'ingress'] as const) {
        const rules = np.spec[dir];
        if (rules === undefined) continue;
        const reasons = JSON.parse(np.metadata.annotations?.[`${R}${dir}`] ?? 'null');
        expect(reasons, `${np.kind}/${np.metadata.name} ${dir}`).toHaveLength(rules.length);
        for (const r of reasons) expect(visible(r)).toBeGreaterThanOrEqual(10);
      }
    }
  });

  it('gives every workload privilege its reason: capabilities, host paths and namespaces, root, the API token', () => {
    for (const w of objects.filter((o) => POD_KINDS.includes(o.kind))) {
      const ann = w.metadata.annotations ?? {};
      const spec = podSpec(w);
      const where = `${w.kind}/${w.metadata.name}`;
      const added: string[] = spec.containers.flatMap((c: any) => c.securityContext?.capabilities?.add ?? []);
      if (added.length > 0) expect(Object.keys(JSON.parse(ann[`${R}capabilities`])).sort(), where).toEqual([...new Set(added)].sort());
      const hostPaths: string[] = (spec.volumes ?? []).filter((v: any) => v.hostPath).map((v: any) => v.hostPath.path);
      if (hostPaths.length > 0) expect(Object.keys(JSON.parse(ann[`${R}host-paths`])).sort(), where).toEqual(hostPaths.sort());
      const hostNs = ['hostNetwork', 'hostPID', 'hostIPC'].filter((k) => spec[k] === true);
      if (hostNs.length > 0) expect(Object.keys(JSON.parse(ann[`${R}host-namespaces`])).sort(), where).toEqual(hostNs.sort());
      if (spec.securityContext?.runAsUser === 0) expect(visible(ann[`${R}run-as-root`] ?? ''), where).toBeGreaterThanOrEqual(10);
      if (spec.automountServiceAccountToken) expect(visible(ann[`${R}token`] ?? ''), where).toBeGreaterThanOrEqual(10);
      else expect(ann[`${R}token`], where).toBeUndefined();
    }
  });
});
