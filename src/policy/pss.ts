/**
 * Pod Security Standards: one rule for every check of Kubernetes' Pod Security Admission (latest
 * version), at its level. Reads every pod spec and pod template of any kind (objects.ts podSpecsOf:
 * known kinds at their exact paths, others by shape) and every container,
 * initContainer and ephemeralContainer.
 */
import { BASELINE_CAPABILITIES, PSS, RESTRICTED_CAPABILITIES } from './rule-ids';
import { containersOf, isObj, Obj, PodSpecAt, podSpecsOf, text } from './objects';
import { CheckContext, Manifest, RuleFamily, RuleHit, RuleMeta } from './types';

/** Sysctls the baseline profile allows (the newest list of Pod Security Admission). */
export const SAFE_SYSCTLS: readonly string[] = [
  'kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes', 'net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem',
  'net.ipv4.tcp_slow_start_after_idle', 'net.ipv4.tcp_notsent_lowat',
];

/** Volume types the restricted profile allows. */
export const RESTRICTED_VOLUME_TYPES: readonly string[] = [
  'configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'image', 'persistentVolumeClaim', 'projected', 'secret',
];

const ALLOWED_SELINUX_TYPES = ['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t'];
const APPARMOR_ANNOTATION = 'container.apparmor.security.beta.kubernetes.io/';

function meta(id: string, level: 'baseline' | 'restricted', title: string, explanation: string, fix: string): RuleMeta {
  return { id, level, title, severity: 'error', explanation, fix };
}

export const PSS_RULES: readonly RuleMeta[] = [
  meta(PSS.privileged, 'baseline', 'Privileged containers are forbidden',
    'A privileged container has every capability and all host devices; it is root on the node.',
    'Remove securityContext.privileged, or set it to false, and add only the capabilities the container needs.'),
  meta(PSS.hostNamespaces, 'baseline', 'Host namespaces are forbidden',
    'hostNetwork, hostPID and hostIPC let the pod see and act on the node\'s network, processes and IPC.',
    'Remove hostNetwork, hostPID and hostIPC, or exempt the workload with a reason.'),
  meta(PSS.capabilitiesBaseline, 'baseline', 'Only the default capabilities may be added',
    'Capabilities beyond the container runtime\'s default set (e.g. SYS_ADMIN, NET_ADMIN, BPF) widen what a process can do to the kernel. A privileged container has every capability whatever it drops, so this rule fires on it too (Pod Security Admission reports only pss-privileged there).',
    'Remove the capability from securityContext.capabilities.add, or exempt it with the reason it is needed.'),
  meta(PSS.hostPathVolumes, 'baseline', 'hostPath volumes are forbidden',
    'A hostPath volume exposes the node\'s file system to the pod.',
    'Use a configMap, secret, emptyDir or persistent volume; if host access is needed, mount read-only and exempt it with a reason.'),
  meta(PSS.hostPorts, 'baseline', 'Host ports are forbidden',
    'A hostPort binds the node\'s network interface and bypasses network policy.',
    'Remove hostPort and expose the port through a Service.'),
  meta(PSS.appArmorProfile, 'baseline', 'AppArmor may not be disabled',
    'An Unconfined AppArmor profile (field or legacy annotation) removes a layer of mandatory access control.',
    'Use appArmorProfile.type RuntimeDefault or Localhost, and remove container.apparmor.security.beta.kubernetes.io annotations set to unconfined.'),
  meta(PSS.seLinuxOptions, 'baseline', 'Custom SELinux users, roles and types are forbidden',
    'Setting an SELinux user or role, or a type other than the container types, can escape the container\'s label.',
    'Remove seLinuxOptions.user and .role, and use type container_t, container_init_t, container_kvm_t or container_engine_t.'),
  meta(PSS.procMount, 'baseline', 'The default /proc mount is required',
    'An Unmasked /proc exposes kernel settings that the default mask hides; allowed at baseline only with user namespaces (hostUsers: false).',
    'Remove securityContext.procMount or set it to Default.'),
  meta(PSS.seccompProfileBaseline, 'baseline', 'Seccomp may not be disabled',
    'An Unconfined seccomp profile allows every system call.',
    'Set seccompProfile.type to RuntimeDefault or Localhost.'),
  meta(PSS.sysctls, 'baseline', 'Only safe sysctls may be set',
    'Sysctls outside the safe list change node-wide kernel settings.',
    `Remove the sysctl; the safe ones are ${SAFE_SYSCTLS.join(', ')}.`),
  meta(PSS.windowsHostProcess, 'baseline', 'Windows HostProcess containers are forbidden',
    'A HostProcess container runs as a process on the Windows node, with host access.',
    'Remove windowsOptions.hostProcess.'),
  meta(PSS.hostProbesAndHostLifecycle, 'baseline', 'Probes and lifecycle hooks may not target another host',
    'A probe or lifecycle hook with a host field makes the kubelet connect to an arbitrary address (server-side request forgery).',
    'Remove the host field from httpGet and tcpSocket handlers; they then target the pod IP.'),
  meta(PSS.allowPrivilegeEscalation, 'restricted', 'Privilege escalation must be disabled',
    'Without allowPrivilegeEscalation: false a process can gain privileges through setuid binaries.',
    'Set securityContext.allowPrivilegeEscalation: false on every container.'),
  meta(PSS.capabilitiesRestricted, 'restricted', 'Drop ALL capabilities; add only NET_BIND_SERVICE',
    'The restricted profile starts containers with no capabilities. A privileged container has every capability whatever it drops, so this rule fires on it too.',
    'Set securityContext.capabilities.drop: [ALL] on every container and add at most NET_BIND_SERVICE, or exempt the capability with a reason.'),
  meta(PSS.procMountRestricted, 'restricted', 'The default /proc mount is required (restricted)',
    'The restricted profile forbids an Unmasked /proc even with user namespaces.',
    'Remove securityContext.procMount or set it to Default.'),
  meta(PSS.restrictedVolumes, 'restricted', 'Only restricted volume types may be used',
    'Volume types other than configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected and secret reach node or network storage directly.',
    'Use one of the allowed volume types, or exempt the volume with a reason.'),
  meta(PSS.runAsNonRoot, 'restricted', 'Containers must run as non-root',
    'runAsNonRoot: true makes the kubelet refuse to start a container whose user is root.',
    'Set securityContext.runAsNonRoot: true on the pod (and do not set it to false on a container).'),
  meta(PSS.runAsUser, 'restricted', 'Containers may not run as UID 0',
    'UID 0 is root inside the container and, without user namespaces, on the node.',
    'Set runAsUser to a UID above 10000, or remove runAsUser: 0.'),
  meta(PSS.seccompProfileRestricted, 'restricted', 'A seccomp profile is required',
    'Without a seccomp profile every system call is allowed.',
    'Set securityContext.seccompProfile.type: RuntimeDefault on the pod.'),
];

type Check = (pod: PodSpecAt, hits: RuleHit[]) => void;

function sc(o: Obj): Obj {
  return isObj(o.securityContext) ? o.securityContext : {};
}

const isWindows = (pod: PodSpecAt) => pod.spec.os?.name === 'windows';

const CHECKS: Record<string, Check> = {
  [PSS.privileged]: (pod, hits) => {
    for (const c of containersOf(pod)) {
      if (sc(c.container).privileged === true) {
        hits.push({ rule: PSS.privileged, path: `${c.path}.securityContext.privileged`, message: `container "${text(c.container.name)}" is privileged` });
      }
    }
  },
  [PSS.hostNamespaces]: (pod, hits) => {
    for (const f of ['hostNetwork', 'hostPID', 'hostIPC']) {
      if (pod.spec[f] === true) hits.push({ rule: PSS.hostNamespaces, path: `${pod.path}.${f}`, message: `${f} is true` });
    }
  },
  [PSS.capabilitiesBaseline]: (pod, hits) => {
    for (const c of containersOf(pod)) {
      if (sc(c.container).privileged === true) {
        hits.push({ rule: PSS.capabilitiesBaseline, path: `${c.path}.securityContext.privileged`, message: `container "${text(c.container.name)}" is privileged, which grants every capability` });
        continue;
      }
      const add = sc(c.container).capabilities?.add;
      if (!Array.isArray(add)) continue;
      const bad = add.filter((cap: unknown) => !BASELINE_CAPABILITIES.includes(text(cap)));
      if (bad.length) {
        hits.push({ rule: PSS.capabilitiesBaseline, path: `${c.path}.securityContext.capabilities.add`, message: `container "${text(c.container.name)}" adds ${bad.map(text).join(', ')}` });
      }
    }
  },
  [PSS.hostPathVolumes]: (pod, hits) => {
    volumes(pod).forEach((v, i) => {
      if (v.hostPath !== undefined) {
        hits.push({ rule: PSS.hostPathVolumes, path: `${pod.path}.volumes[${i}].hostPath`, message: `volume "${text(v.name)}" mounts host path ${text(v.hostPath?.path)}`.trim() });
      }
    });
  },
  [PSS.hostPorts]: (pod, hits) => {
    for (const c of containersOf(pod)) {
      const ports = Array.isArray(c.container.ports) ? c.container.ports : [];
      ports.forEach((p: Obj, i: number) => {
        if (isObj(p) && p.hostPort !== undefined && p.hostPort !== 0 && p.hostPort !== null) {
          hits.push({ rule: PSS.hostPorts, path: `${c.path}.ports[${i}].hostPort`, message: `container "${text(c.container.name)}" uses host port ${text(p.hostPort)}` });
        }
      });
    }
  },
  [PSS.appArmorProfile]: (pod, hits) => {
    const ok = (t: unknown) => t === undefined || t === null || t === 'RuntimeDefault' || t === 'Localhost';
    const podType = sc(pod.spec).appArmorProfile?.type;
    if (!ok(podType)) hits.push({ rule: PSS.appArmorProfile, path: `${pod.path}.securityContext.appArmorProfile.type`, message: `pod AppArmor profile is ${text(podType)}` });
    for (const c of containersOf(pod)) {
      const t = sc(c.container).appArmorProfile?.type;
      if (!ok(t)) hits.push({ rule: PSS.appArmorProfile, path: `${c.path}.securityContext.appArmorProfile.type`, message: `container "${text(c.container.name)}" AppArmor profile is ${text(t)}` });
    }
    const ann = isObj(pod.metadata.annotations) ? pod.metadata.annotations : {};
    for (const [k, v] of Object.entries(ann)) {
      if (!k.startsWith(APPARMOR_ANNOTATION)) continue;
      const value = text(v);
      if (value === '' || value === 'runtime/default' || value.startsWith('localhost/')) continue;
      hits.push({ rule: PSS.appArmorProfile, path: `${pod.metadataPath}.annotations["${k}"]`, message: `annotation ${k} is "${value}"` });
    }
  },
  [PSS.seLinuxOptions]: (pod, hits) => {
    const check = (opts: unknown, path: string, who: string) => {
      if (!isObj(opts)) return;
      const problems: string[] = [];
      if (opts.type !== undefined && !ALLOWED_SELINUX_TYPES.includes(text(opts.type))) problems.push(`type "${text(opts.type)}"`);
      if (opts.user !== undefined && opts.user !== '') problems.push(`user "${text(opts.user)}"`);
      if (opts.role !== undefined && opts.role !== '') problems.push(`role "${text(opts.role)}"`);
      if (problems.length) hits.push({ rule: PSS.seLinuxOptions, path, message: `${who} sets SELinux ${problems.join(', ')}` });
    };
    check(sc(pod.spec).seLinuxOptions, `${pod.path}.securityContext.seLinuxOptions`, 'pod');
    for (const c of containersOf(pod)) check(sc(c.container).seLinuxOptions, `${c.path}.securityContext.seLinuxOptions`, `container "${text(c.container.name)}"`);
  },
  [PSS.procMount]: (pod, hits) => {
    if (pod.spec.hostUsers === false) return;
    procMountHits(pod, PSS.procMount, hits);
  },
  [PSS.seccompProfileBaseline]: (pod, hits) => {
    if (sc(pod.spec).seccompProfile?.type === 'Unconfined') {
      hits.push({ rule: PSS.seccompProfileBaseline, path: `${pod.path}.securityContext.seccompProfile.type`, message: 'pod seccomp profile is Unconfined' });
    }
    for (const c of containersOf(pod)) {
      if (sc(c.container).seccompProfile?.type === 'Unconfined') {
        hits.push({ rule: PSS.seccompProfileBaseline, path: `${c.path}.securityContext.seccompProfile.type`, message: `container "${text(c.container.name)}" seccomp profile is Unconfined` });
      }
    }
  },
  [PSS.sysctls]: (pod, hits) => {
    const list = sc(pod.spec).sysctls;
    if (!Array.isArray(list)) return;
    list.forEach((s: Obj, i: number) => {
      const name = isObj(s) ? text(s.name) : text(s);
      if (!SAFE_SYSCTLS.includes(name)) hits.push({ rule: PSS.sysctls, path: `${pod.path}.securityContext.sysctls[${i}]`, message: `sysctl ${name} is not in the safe list` });
    });
  },
  [PSS.windowsHostProcess]: (pod, hits) => {
    if (sc(pod.spec).windowsOptions?.hostProcess === true) {
      hits.push({ rule: PSS.windowsHostProcess, path: `${pod.path}.securityContext.windowsOptions.hostProcess`, message: 'pod is a Windows HostProcess pod' });
    }
    for (const c of containersOf(pod)) {
      if (sc(c.container).windowsOptions?.hostProcess === true) {
        hits.push({ rule: PSS.windowsHostProcess, path: `${c.path}.securityContext.windowsOptions.hostProcess`, message: `container "${text(c.container.name)}" is a Windows HostProcess container` });
      }
    }
  },
  [PSS.hostProbesAndHostLifecycle]: (pod, hits) => {
    for (const c of containersOf(pod)) {
      const handlers: Array<[string, unknown]> = [
        ['livenessProbe', c.container.livenessProbe], ['readinessProbe', c.container.readinessProbe], ['startupProbe', c.container.startupProbe],
        ['lifecycle.postStart', c.container.lifecycle?.postStart], ['lifecycle.preStop', c.container.lifecycle?.preStop],
      ];
      for (const [where, h] of handlers) {
        if (!isObj(h)) continue;
        for (const kind of ['httpGet', 'tcpSocket']) {
          const host = h[kind]?.host;
          if (typeof host === 'string' && host !== '') {
            hits.push({ rule: PSS.hostProbesAndHostLifecycle, path: `${c.path}.${where}.${kind}.host`, message: `container "${text(c.container.name)}" ${where} targets host "${text(host)}"` });
          }
        }
      }
    }
  },
  [PSS.allowPrivilegeEscalation]: (pod, hits) => {
    if (isWindows(pod)) return;
    for (const c of containersOf(pod)) {
      if (sc(c.container).allowPrivilegeEscalation !== false) {
        hits.push({ rule: PSS.allowPrivilegeEscalation, path: `${c.path}.securityContext.allowPrivilegeEscalation`, message: `container "${text(c.container.name)}" does not set allowPrivilegeEscalation: false` });
      }
    }
  },
  [PSS.capabilitiesRestricted]: (pod, hits) => {
    if (isWindows(pod)) return;
    for (const c of containersOf(pod)) {
      if (sc(c.container).privileged === true) {
        hits.push({ rule: PSS.capabilitiesRestricted, path: `${c.path}.securityContext.privileged`, message: `container "${text(c.container.name)}" is privileged, which grants every capability` });
        continue;
      }
      const caps = sc(c.container).capabilities ?? {};
      const drop: unknown[] = Array.isArray(caps.drop) ? caps.drop : [];
      const add: unknown[] = Array.isArray(caps.add) ? caps.add : [];
      if (!drop.includes('ALL')) {
        hits.push({ rule: PSS.capabilitiesRestricted, path: `${c.path}.securityContext.capabilities.drop`, message: `container "${text(c.container.name)}" does not drop ALL capabilities` });
      }
      const bad = add.filter((cap) => !RESTRICTED_CAPABILITIES.includes(text(cap)));
      if (bad.length) {
        hits.push({ rule: PSS.capabilitiesRestricted, path: `${c.path}.securityContext.capabilities.add`, message: `container "${text(c.container.name)}" adds ${bad.map(text).join(', ')}` });
      }
    }
  },
  [PSS.procMountRestricted]: (pod, hits) => procMountHits(pod, PSS.procMountRestricted, hits),
  [PSS.restrictedVolumes]: (pod, hits) => {
    volumes(pod).forEach((v, i) => {
      const types = Object.keys(v).filter((k) => k !== 'name');
      const bad = types.filter((t) => !RESTRICTED_VOLUME_TYPES.includes(t));
      if (bad.length) hits.push({ rule: PSS.restrictedVolumes, path: `${pod.path}.volumes[${i}]`, message: `volume "${text(v.name)}" is of type ${bad.map(text).join(', ')}` });
    });
  },
  [PSS.runAsNonRoot]: (pod, hits) => {
    const podValue = sc(pod.spec).runAsNonRoot;
    if (podValue === false) hits.push({ rule: PSS.runAsNonRoot, path: `${pod.path}.securityContext.runAsNonRoot`, message: 'pod sets runAsNonRoot: false' });
    for (const c of containersOf(pod)) {
      const v = sc(c.container).runAsNonRoot;
      if (v === false) {
        hits.push({ rule: PSS.runAsNonRoot, path: `${c.path}.securityContext.runAsNonRoot`, message: `container "${text(c.container.name)}" sets runAsNonRoot: false` });
      } else if (v !== true && podValue !== true && podValue !== false) {
        hits.push({ rule: PSS.runAsNonRoot, path: `${c.path}.securityContext.runAsNonRoot`, message: `container "${text(c.container.name)}" does not set runAsNonRoot: true, nor does the pod` });
      }
    }
  },
  [PSS.runAsUser]: (pod, hits) => {
    if (sc(pod.spec).runAsUser === 0) hits.push({ rule: PSS.runAsUser, path: `${pod.path}.securityContext.runAsUser`, message: 'pod runs as UID 0' });
    for (const c of containersOf(pod)) {
      if (sc(c.container).runAsUser === 0) hits.push({ rule: PSS.runAsUser, path: `${c.path}.securityContext.runAsUser`, message: `container "${text(c.container.name)}" runs as UID 0` });
    }
  },
  [PSS.seccompProfileRestricted]: (pod, hits) => {
    if (isWindows(pod)) return;
    const ok = (t: unknown) => t === 'RuntimeDefault' || t === 'Localhost';
    const podType = sc(pod.spec).seccompProfile?.type;
    if (podType !== undefined && !ok(podType)) {
      hits.push({ rule: PSS.seccompProfileRestricted, path: `${pod.path}.securityContext.seccompProfile.type`, message: `pod seccomp profile is ${text(podType)}` });
    }
    for (const c of containersOf(pod)) {
      const t = sc(c.container).seccompProfile?.type;
      if (t !== undefined ? !ok(t) : !ok(podType)) {
        hits.push({
          rule: PSS.seccompProfileRestricted,
          path: `${c.path}.securityContext.seccompProfile.type`,
          message: t !== undefined ? `container "${text(c.container.name)}" seccomp profile is ${text(t)}` : `container "${text(c.container.name)}" has no seccomp profile, nor does the pod`,
        });
      }
    }
  },
};

function volumes(pod: PodSpecAt): Obj[] {
  return Array.isArray(pod.spec.volumes) ? pod.spec.volumes.filter(isObj) : [];
}

function procMountHits(pod: PodSpecAt, rule: string, hits: RuleHit[]): void {
  for (const c of containersOf(pod)) {
    const pm = sc(c.container).procMount;
    if (pm !== undefined && pm !== null && pm !== 'Default') {
      hits.push({ rule, path: `${c.path}.securityContext.procMount`, message: `container "${text(c.container.name)}" uses procMount ${text(pm)}` });
    }
  }
}

/** The Pod Security Standards rule family; baseline checks only when the context's level is baseline. */
export const pssFamily: RuleFamily = {
  name: 'pss',
  rules: PSS_RULES,
  check(obj: Manifest, ctx: CheckContext): RuleHit[] {
    const hits: RuleHit[] = [];
    for (const pod of podSpecsOf(obj as Obj)) {
      for (const rule of PSS_RULES) {
        if (ctx.pss === 'baseline' && rule.level !== 'baseline') continue;
        CHECKS[rule.id](pod, hits);
      }
    }
    return hits;
  },
};
