/**
 * Builds the privilege report from parsed inputs (Kubernetes objects and Terraform JSON). Every
 * cross-object relation is indexed once, so the work is linear in the number of objects.
 */
import { isTerraformDocument } from '../engine';
import { parseImage } from '../images';
import { annotationsOf, containersOf, isObj, labelsOf, Obj, PodSpecAt, podSpecOf } from '../objects';
import { Manifest } from '../types';
import { cloudIndex, CloudIndex } from './cloud';
import { NetworkIndex, PodTarget } from './network';
import { groupPermissions, RbacResolver, resolverFromObjects } from './rbac';
import { exemptionReason, jsonObjectAnnotation, reasonAnnotation, reasonPart } from './reasons';
import {
  Capability, CloudIdentity, HostNamespace, HostPath, Identity, ImageUse, KernelAndHost, PrivilegeReport,
  REPORT_SCHEMA_VERSION, ReportProblem, SecretUse, WorkloadReport,
} from './types';

export interface ReportOptions {
  /** Replaces the built-in RBAC resolution (e.g. with a shared RBAC model). */
  readonly rbac?: (objects: readonly Obj[]) => RbacResolver;
  /** Per manifest, the file it came from (reported as each workload's `source`). */
  readonly sources?: readonly string[];
}

/** The pod spec of a workload kind, or of any object whose `spec.template` is a pod template. */
export function podOf(o: Obj): PodSpecAt | undefined {
  const known = podSpecOf(o);
  if (known) return known;
  const t = isObj(o.spec) ? o.spec.template : undefined;
  if (isObj(t) && isObj(t.spec) && Array.isArray(t.spec.containers)) {
    return { spec: t.spec, path: 'spec.template.spec', metadata: isObj(t.metadata) ? t.metadata : {}, metadataPath: 'spec.template.metadata' };
  }
  return undefined;
}

const refString = (o: Obj) => `${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

export function buildReport(manifests: readonly Manifest[], problems: readonly ReportProblem[] = [], options: ReportOptions = {}): PrivilegeReport {
  const k8s: Obj[] = [];
  const terraform: Obj[] = [];
  const sourceOf = new Map<Obj, string>();
  manifests.forEach((m, i) => {
    (isTerraformDocument(m) ? terraform : k8s).push(m as Obj);
    if (options.sources?.[i] !== undefined) sourceOf.set(m as Obj, options.sources[i]);
  });
  const workloads = k8s.map((o) => ({ o, pod: podOf(o) })).filter((w): w is { o: Obj; pod: PodSpecAt } => w.pod !== undefined && !ownedByWorkload(w.o));
  const targets: PodTarget[] = workloads.map(({ o, pod }) => ({ ref: refString(o), namespace: String(o.metadata?.namespace ?? ''), labels: labelsOf(pod.metadata) }));
  const ctx: Ctx = {
    rbac: (options.rbac ?? resolverFromObjects)(k8s),
    cloud: cloudIndex(terraform),
    network: new NetworkIndex(k8s, targets),
    accounts: new Map(k8s.filter((o) => o.kind === 'ServiceAccount').map((o) => [`${o.metadata?.namespace ?? ''}/${o.metadata?.name}`, o])),
    externalSecrets: indexExternalSecrets(k8s),
    imagePolicies: indexImagePolicies(imagePolicies(k8s)),
  };
  const reports = workloads.map(({ o, pod }) => ({ ...workloadReport(o, pod, ctx), source: sourceOf.get(o) ?? null }));
  reports.sort((a, b) => compare(a.workload.namespace, b.workload.namespace) || compare(a.workload.name, b.workload.name) || compare(a.workload.kind, b.workload.kind) || compare(a.source ?? '', b.source ?? ''));
  return { schemaVersion: REPORT_SCHEMA_VERSION, workloads: reports, problems: [...problems] };
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const OWNERS = new Set(['Deployment', 'DaemonSet', 'StatefulSet', 'ReplicaSet', 'Job', 'CronJob', 'ReplicationController']);

/** A ReplicaSet, Job or Pod that a workload controls (as in `kubectl get -o yaml` output) is reported as that workload. */
function ownedByWorkload(o: Obj): boolean {
  return Array.isArray(o.metadata?.ownerReferences) && o.metadata.ownerReferences.some((r: unknown) => isObj(r) && r.controller === true && OWNERS.has(String(r.kind)));
}

interface Ctx {
  rbac: RbacResolver;
  cloud: CloudIndex;
  network: NetworkIndex;
  accounts: Map<string, Obj>;
  externalSecrets: Map<string, string>;
  imagePolicies: Map<string, Array<{ policy: ImagePolicy; glob: string }>>;
}

function workloadReport(o: Obj, pod: PodSpecAt, ctx: Ctx): Omit<WorkloadReport, 'source'> {
  const namespace = String(o.metadata?.namespace ?? '');
  // Reasons are read from the workload's annotations, then its pod template's.
  const annotated: Obj = { metadata: { annotations: { ...annotationsOf(pod.metadata), ...annotationsOf(o.metadata) } } };
  const identity = identityOf(pod, namespace, annotated, ctx);
  const hostNetwork = pod.spec.hostNetwork === true;
  const labels = labelsOf(pod.metadata);
  return {
    workload: { kind: String(o.kind), namespace, name: String(o.metadata?.name ?? '') },
    identity,
    kubernetesApi: groupPermissions(ctx.rbac.rulesFor(namespace, identity.serviceAccount)),
    kernel: kernelOf(pod, annotated),
    network: { egress: ctx.network.direction(namespace, labels, hostNetwork, 'egress'), ingress: ctx.network.direction(namespace, labels, hostNetwork, 'ingress') },
    secrets: secretsOf(pod, namespace, ctx),
    supplyChain: imagesOf(pod, namespace, ctx),
  };
}

function identityOf(pod: PodSpecAt, namespace: string, annotated: Obj, ctx: Ctx): Identity {
  const sa = String(pod.spec.serviceAccountName ?? pod.spec.serviceAccount ?? 'default');
  const account = ctx.accounts.get(`${namespace}/${sa}`);
  const automount = pod.spec.automountServiceAccountToken ?? account?.automountServiceAccountToken;
  const tokenMounted = automount !== false;
  const audiences: string[] = [];
  for (const v of Array.isArray(pod.spec.volumes) ? pod.spec.volumes : []) {
    if (!isObj(v) || !isObj(v.projected) || !Array.isArray(v.projected.sources)) continue;
    for (const s of v.projected.sources) if (isObj(s) && isObj(s.serviceAccountToken)) audiences.push(String(s.serviceAccountToken.audience ?? '(API server)'));
  }
  const cloud: CloudIdentity[] = [];
  const ann = account ? annotationsOf(account.metadata) : {};
  const awsRole = (mechanism: 'irsa' | 'pod-identity', arn: string): CloudIdentity => {
    const role = ctx.cloud.awsRole(arn);
    return { provider: 'aws', mechanism, principal: role && arn.startsWith('${') ? role.name : arn, resolved: role !== undefined, aws: role?.statements ?? [], gcp: [] };
  };
  if (typeof ann['eks.amazonaws.com/role-arn'] === 'string') cloud.push(awsRole('irsa', ann['eks.amazonaws.com/role-arn']));
  for (const arn of ctx.cloud.podIdentityRoles(namespace, sa)) cloud.push(awsRole('pod-identity', arn));
  const gsa = ann['iam.gke.io/gcp-service-account'];
  if (typeof gsa === 'string') {
    cloud.push({ provider: 'gcp', mechanism: 'workload-identity', principal: gsa, resolved: ctx.cloud.hasGcpServiceAccount(gsa), aws: [], gcp: ctx.cloud.gcpGrants(gsa) });
  }
  return {
    serviceAccount: sa,
    serviceAccountFound: account !== undefined,
    tokenMounted,
    tokenReason: tokenMounted ? reasonAnnotation(annotated, 'token') ?? (account ? reasonAnnotation(account, 'token') : null) : null,
    projectedTokenAudiences: [...new Set(audiences)].sort(),
    cloud,
  };
}

const capName = (c: unknown) => String(c).toUpperCase().replace(/^CAP_/, '');

function kernelOf(pod: PodSpecAt, annotated: Obj): KernelAndHost {
  const podSc = isObj(pod.spec.securityContext) ? pod.spec.securityContext : {};
  const containers = containersOf(pod);
  const privileged: string[] = [];
  const root: string[] = [];
  const maybe: string[] = [];
  const escalation: string[] = [];
  const caps = new Map<string, string[]>();
  const seccomp: Record<string, string> = {};
  const appArmor: Record<string, string> = {};
  const podAnn = annotationsOf(pod.metadata);
  const profile = (p: unknown): string | undefined => {
    if (!isObj(p) || typeof p.type !== 'string') return undefined;
    return p.type === 'Localhost' ? `Localhost/${p.localhostProfile ?? ''}` : p.type;
  };
  for (const { container: c } of containers) {
    const name = String(c.name ?? '');
    const sc = isObj(c.securityContext) ? c.securityContext : {};
    if (sc.privileged === true) privileged.push(name);
    const uid = sc.runAsUser ?? podSc.runAsUser;
    const nonRoot = sc.runAsNonRoot ?? podSc.runAsNonRoot;
    if (uid === 0) root.push(name);
    else if (uid === undefined && nonRoot !== true) maybe.push(name);
    if (sc.allowPrivilegeEscalation !== false) escalation.push(name);
    const add = isObj(sc.capabilities) && Array.isArray(sc.capabilities.add) ? sc.capabilities.add : [];
    for (const cap of add) caps.set(capName(cap), [...(caps.get(capName(cap)) ?? []), name]);
    seccomp[name] = profile(sc.seccompProfile) ?? profile(podSc.seccompProfile) ?? 'unset';
    const legacy = podAnn[`container.apparmor.security.beta.kubernetes.io/${name}`];
    const legacyProfile = typeof legacy === 'string' ? (legacy === 'runtime/default' ? 'RuntimeDefault' : legacy === 'unconfined' ? 'Unconfined' : legacy.replace(/^localhost\//, 'Localhost/')) : undefined;
    appArmor[name] = profile(sc.appArmorProfile) ?? legacyProfile ?? profile(podSc.appArmorProfile) ?? 'unset';
  }
  const capReasons = jsonObjectAnnotation(annotated, 'capabilities');
  const capExemption = exemptionReason(annotated, 'pss-capabilities-restricted') ?? exemptionReason(annotated, 'pss-capabilities-baseline');
  const capabilities: Capability[] = [...caps.keys()].sort().map((n) => ({ name: n, containers: [...new Set(caps.get(n))].sort(), reason: capReasons[n] ?? capReasons[`CAP_${n}`] ?? reasonPart(capExemption, n) }));
  const nsReasons = jsonObjectAnnotation(annotated, 'host-namespaces');
  const nsExemption = exemptionReason(annotated, 'pss-hostnamespaces');
  const hostNamespaces: HostNamespace[] = (['hostNetwork', 'hostPID', 'hostIPC'] as const)
    .filter((n) => pod.spec[n] === true)
    .map((n) => ({ name: n, reason: nsReasons[n] ?? reasonPart(nsExemption, n) }));
  const pathReasons = jsonObjectAnnotation(annotated, 'host-paths');
  const pathExemption = exemptionReason(annotated, 'pss-hostpathvolumes');
  const hostPaths: HostPath[] = [];
  for (const v of Array.isArray(pod.spec.volumes) ? pod.spec.volumes : []) {
    if (!isObj(v) || !isObj(v.hostPath)) continue;
    const path = String(v.hostPath.path ?? '');
    const users: string[] = [];
    let rw = false;
    for (const { container: c } of containers) {
      for (const m of Array.isArray(c.volumeMounts) ? c.volumeMounts : []) {
        if (!isObj(m) || m.name !== v.name) continue;
        users.push(String(c.name ?? ''));
        if (m.readOnly !== true) rw = true;
      }
    }
    hostPaths.push({ path, access: users.length === 0 ? 'not mounted' : rw ? 'read-write' : 'read-only', containers: [...new Set(users)].sort(), reason: pathReasons[path] ?? reasonPart(pathExemption, path) });
  }
  hostPaths.sort((a, b) => compare(a.path, b.path));
  return {
    privileged: { containers: privileged.sort(), reason: privileged.length ? reasonAnnotation(annotated, 'privileged') ?? exemptionReason(annotated, 'pss-privileged') : null },
    root: {
      containers: root.sort(), maybe: maybe.sort(),
      reason: root.length + maybe.length ? reasonAnnotation(annotated, 'run-as-root') ?? exemptionReason(annotated, 'pss-runasnonroot') ?? exemptionReason(annotated, 'pss-runasuser') : null,
    },
    privilegeEscalation: escalation.sort(),
    capabilities, hostNamespaces, hostPaths, seccomp, appArmor,
  };
}

/** `ns/secret name` → `ExternalSecret name (store Kind/name: remote keys)`. */
function indexExternalSecrets(objects: readonly Obj[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const o of objects) {
    if (o.kind !== 'ExternalSecret' || !isObj(o.spec)) continue;
    const target = isObj(o.spec.target) && typeof o.spec.target.name === 'string' ? o.spec.target.name : o.metadata?.name;
    const store = isObj(o.spec.secretStoreRef) ? `${o.spec.secretStoreRef.kind ?? 'SecretStore'}/${o.spec.secretStoreRef.name}` : 'unknown store';
    const keys = new Set<string>();
    for (const d of Array.isArray(o.spec.data) ? o.spec.data : []) if (isObj(d) && isObj(d.remoteRef)) keys.add(String(d.remoteRef.key));
    for (const d of Array.isArray(o.spec.dataFrom) ? o.spec.dataFrom : []) if (isObj(d) && isObj(d.extract)) keys.add(String(d.extract.key));
    out.set(`${o.metadata?.namespace ?? ''}/${target}`, `ExternalSecret ${o.metadata?.name} (${store}: ${[...keys].sort().join(', ')})`);
  }
  return out;
}

function secretsOf(pod: PodSpecAt, namespace: string, ctx: Ctx): SecretUse[] {
  const uses = new Map<string, { use: Omit<SecretUse, 'where'>; where: Set<string> }>();
  const note = (source: SecretUse['source'], name: string, as: SecretUse['as'], where: string | undefined, from: string | null = null) => {
    let src = source;
    let origin = from;
    if (source === 'Secret') {
      const ext = ctx.externalSecrets.get(`${namespace}/${name}`);
      if (ext) { src = 'ExternalSecret'; origin = ext; }
    }
    const key = `${src}\u0000${name}\u0000${as}`;
    let u = uses.get(key);
    if (!u) { u = { use: { source: src, name, from: origin, as }, where: new Set() }; uses.set(key, u); }
    if (where) u.where.add(where);
  };
  const containers = containersOf(pod);
  const volumes = new Map<string, Array<{ source: SecretUse['source']; name: string }>>();
  for (const v of Array.isArray(pod.spec.volumes) ? pod.spec.volumes : []) {
    if (!isObj(v)) continue;
    const found: Array<{ source: SecretUse['source']; name: string }> = [];
    if (isObj(v.secret)) found.push({ source: 'Secret', name: String(v.secret.secretName ?? '') });
    if (isObj(v.projected) && Array.isArray(v.projected.sources)) {
      for (const s of v.projected.sources) if (isObj(s) && isObj(s.secret)) found.push({ source: 'Secret', name: String(s.secret.name ?? '') });
    }
    if (isObj(v.csi) && isObj(v.csi.volumeAttributes) && typeof v.csi.volumeAttributes.secretProviderClass === 'string') {
      found.push({ source: 'CSI', name: `SecretProviderClass ${v.csi.volumeAttributes.secretProviderClass}` });
    }
    if (found.length) volumes.set(String(v.name), found);
  }
  const mounted = new Set<string>();
  for (const { container: c } of containers) {
    const cname = String(c.name ?? '');
    for (const m of Array.isArray(c.volumeMounts) ? c.volumeMounts : []) {
      if (!isObj(m)) continue;
      for (const s of volumes.get(String(m.name)) ?? []) { note(s.source, s.name, 'file', `${cname}:${m.mountPath}`); mounted.add(String(m.name)); }
    }
    for (const e of Array.isArray(c.env) ? c.env : []) {
      if (isObj(e) && isObj(e.valueFrom) && isObj(e.valueFrom.secretKeyRef)) note('Secret', String(e.valueFrom.secretKeyRef.name), 'env', `${cname}:${e.name}`);
    }
    for (const e of Array.isArray(c.envFrom) ? c.envFrom : []) {
      if (isObj(e) && isObj(e.secretRef)) note('Secret', String(e.secretRef.name), 'env', `${cname}:${e.prefix ?? ''}* (every key)`);
    }
  }
  for (const [vname, list] of volumes) if (!mounted.has(vname)) for (const s of list) note(s.source, s.name, 'file', undefined);
  const ann = annotationsOf(pod.metadata);
  if (String(ann['vault.hashicorp.com/agent-inject']).toLowerCase() === 'true') {
    const dir = typeof ann['vault.hashicorp.com/secret-volume-path'] === 'string' ? ann['vault.hashicorp.com/secret-volume-path'] : '/vault/secrets';
    for (const [k, v] of Object.entries(ann)) {
      const m = /^vault\.hashicorp\.com\/agent-inject-secret-(.+)$/.exec(k);
      if (m && typeof v === 'string') {
        const fileDir = typeof ann[`vault.hashicorp.com/secret-volume-path-${m[1]}`] === 'string' ? ann[`vault.hashicorp.com/secret-volume-path-${m[1]}`] : dir;
        note('Vault', v, 'file', `${fileDir}/${m[1]}`, 'Vault agent injector');
      }
    }
  }
  for (const s of Array.isArray(pod.spec.imagePullSecrets) ? pod.spec.imagePullSecrets : []) if (isObj(s)) note('pull secret', String(s.name), 'image pull', undefined);
  return [...uses.values()]
    .map(({ use, where }) => ({ ...use, where: [...where].sort() }))
    .sort((a, b) => compare(a.source, b.source) || compare(a.name, b.name) || compare(a.as, b.as));
}

interface ImagePolicy { name: string; namespace?: string; globs: string[]; wildcardSpansSlash: boolean }

/** Sigstore ClusterImagePolicy, Kyverno ImageValidatingPolicy and Kyverno (Cluster)Policy verifyImages. */
function imagePolicies(objects: readonly Obj[]): ImagePolicy[] {
  const out: ImagePolicy[] = [];
  for (const o of objects) {
    const spec = isObj(o.spec) ? o.spec : {};
    const name = `${o.kind}/${o.metadata?.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata?.name}`;
    const ns = o.kind === 'Policy' || o.kind === 'NamespacedImageValidatingPolicy' ? String(o.metadata?.namespace ?? '') : undefined;
    if (o.kind === 'ClusterImagePolicy' && String(o.apiVersion).startsWith('policy.sigstore.dev/')) {
      const globs = (Array.isArray(spec.images) ? spec.images : []).filter(isObj).map((i) => String(i.glob ?? '')).filter((g) => g !== '');
      out.push({ name, globs, wildcardSpansSlash: false });
    } else if ((o.kind === 'ImageValidatingPolicy' || o.kind === 'NamespacedImageValidatingPolicy') && String(o.apiVersion).startsWith('policies.kyverno.io/')) {
      const globs = (Array.isArray(spec.matchImageReferences) ? spec.matchImageReferences : []).filter(isObj).map((i) => String(i.glob ?? '')).filter((g) => g !== '');
      out.push({ name, namespace: ns, globs: globs.length ? globs : ['*'], wildcardSpansSlash: true });
    } else if ((o.kind === 'ClusterPolicy' || o.kind === 'Policy') && String(o.apiVersion).startsWith('kyverno.io/')) {
      const globs: string[] = [];
      for (const r of Array.isArray(spec.rules) ? spec.rules : []) {
        for (const v of isObj(r) && Array.isArray(r.verifyImages) ? r.verifyImages : []) {
          if (!isObj(v)) continue;
          globs.push(...(Array.isArray(v.imageReferences) ? v.imageReferences.map(String) : []), ...(typeof v.image === 'string' ? [v.image] : []));
        }
      }
      if (globs.length) out.push({ name, namespace: ns, globs, wildcardSpansSlash: true });
    }
  }
  return out;
}

const GLOB_CACHE = new Map<string, RegExp>();
function globRegExp(glob: string, spansSlash: boolean): RegExp {
  const key = `${spansSlash}${glob}`;
  let re = GLOB_CACHE.get(key);
  if (!re) {
    let src = '';
    for (let i = 0; i < glob.length; i++) {
      const ch = glob[i];
      if (ch === '*' && glob[i + 1] === '*') { src += '.*'; i++; }
      else if (ch === '*') src += spansSlash ? '.*' : '[^/]*';
      else if (ch === '?') src += '.';
      else src += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
    re = new RegExp(`^${src}$`);
    GLOB_CACHE.set(key, re);
  }
  return re;
}

/** The forms an image reference is matched in: as written, without tag or digest, and normalised for Docker Hub. */
function imageForms(image: string): string[] {
  const at = image.indexOf('@');
  const named = at >= 0 ? image.slice(0, at) : image;
  const lastSlash = named.lastIndexOf('/');
  const colon = named.indexOf(':', lastSlash + 1);
  const repo = colon >= 0 ? named.slice(0, colon) : named;
  const first = repo.split('/')[0];
  const hasRegistry = repo.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  const forms = [image, repo, named];
  if (!hasRegistry) {
    const full = repo.includes('/') ? `index.docker.io/${repo}` : `index.docker.io/library/${repo}`;
    forms.push(full, image.replace(repo, full));
  }
  return forms;
}

/** Globs by their literal prefix (up to the first wildcard), so an image is matched against the few that can match. */
function indexImagePolicies(policies: readonly ImagePolicy[]): Map<string, Array<{ policy: ImagePolicy; glob: string }>> {
  const out = new Map<string, Array<{ policy: ImagePolicy; glob: string }>>();
  for (const policy of policies) {
    for (const glob of policy.globs) {
      const prefix = glob.slice(0, glob.search(/[*?]/) < 0 ? glob.length : glob.search(/[*?]/));
      const l = out.get(prefix);
      if (l) l.push({ policy, glob }); else out.set(prefix, [{ policy, glob }]);
    }
  }
  return out;
}

function imagesOf(pod: PodSpecAt, namespace: string, ctx: Ctx): ImageUse[] {
  return containersOf(pod).map(({ container: c }) => {
    const image = String(c.image ?? '');
    const forms = imageForms(image);
    const policies: string[] = [];
    for (const f of forms) {
      for (let n = 0; n <= f.length; n++) {
        for (const { policy: p, glob } of ctx.imagePolicies.get(f.slice(0, n)) ?? []) {
          if ((p.namespace === undefined || p.namespace === namespace) && globRegExp(glob, p.wildcardSpansSlash).test(f)) policies.push(p.name);
        }
      }
    }
    return { container: String(c.name ?? ''), image, pinned: parseImage(image).digest !== undefined, signaturePolicies: [...new Set(policies)].sort() };
  });
}
