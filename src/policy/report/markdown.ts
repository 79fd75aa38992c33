/** Markdown renderings of the report and the diff, sized for a pull-request comment. */
import { needsReason, PrivilegeDiff } from './diff';
import { PrivilegeItem, resourceText } from './items';
import { API_GROUPS, NetworkDirection, PrivilegeReport, Reason, WorkloadReport } from './types';

export const NO_REASON = 'no reason given';

/** Escapes text for a Markdown table cell or list item. */
export function md(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\n/g, ' ').replace(/([*_`<>[\]])/g, '\\$1');
}

const why = (r: Reason) => (r ? md(r) : `_${NO_REASON}_`);
const workloadTitle = (w: WorkloadReport['workload']) => `${w.kind} ${w.namespace ? `${w.namespace}/` : ''}${w.name}`;

function direction(label: string, d: NetworkDirection, lines: string[]): void {
  if (d.status === 'everything') { lines.push(`- ${label}: **everything** (no policy selects it)`); return; }
  if (d.status === 'not enforceable') { lines.push(`- ${label}: **not enforceable** (host network: NetworkPolicies do not apply)`); return; }
  lines.push(`- ${label}, restricted by ${d.policies.map(md).join(', ')}:${d.rules.length === 0 ? ' **nothing** allowed' : ''}`);
  for (const r of d.rules) {
    const peers = r.peers.map((p) => (p.workloads.length ? p.workloads.map((w) => md(w.replace(/\//, ' '))).join(', ') : md(p.description))).join('; ');
    lines.push(`  - ${peers} on ${r.ports.join(', ')}: ${why(r.reason)}`);
  }
}

export function workloadMarkdown(w: WorkloadReport, showSource = false): string {
  const lines: string[] = [`### ${md(workloadTitle(w.workload))}${showSource && w.source ? ` in ${md(w.source)}` : ''}`, ''];
  const id = w.identity;
  lines.push('**Identity**', '');
  lines.push(`- ServiceAccount \`${id.serviceAccount}\`${id.serviceAccountFound ? '' : ' (not among the inputs)'}; API token ${id.tokenMounted ? `**mounted**: ${why(id.tokenReason)}` : 'not mounted'}`);
  if (id.projectedTokenAudiences.length) lines.push(`- projected tokens for: ${id.projectedTokenAudiences.map(md).join(', ')}`);
  for (const c of id.cloud) {
    lines.push(`- ${c.provider === 'aws' ? 'AWS role' : 'Google service account'} ${md(c.principal)} (${c.mechanism})${c.resolved ? '' : ': its Terraform was not among the inputs'}`);
    for (const s of c.aws) {
      lines.push(`  - ${s.effect} ${s.actions.map(md).join(', ')} on ${s.resources.map(md).join(', ') || '(none)'}${s.conditions ? ` if ${md(JSON.stringify(s.conditions))}` : ''}${s.sid ? ` (${md(s.sid)})` : ''}: ${why(s.reason)}`);
    }
    for (const g of c.gcp) {
      lines.push(`  - ${md(g.role)} on ${md(g.on)}${g.permissions.length ? `: ${g.permissions.map(md).join(', ')}` : ''}${g.condition ? ` if ${md(g.condition.title || g.condition.expression)}` : ''}: ${why(g.reason)}`);
    }
  }
  lines.push('', '**Kubernetes API**', '');
  const any = API_GROUPS.some((g) => w.kubernetesApi[g].length > 0);
  if (!any) lines.push('- none');
  else {
    lines.push('| group | verbs | resource | scope | reason |', '|---|---|---|---|---|');
    for (const g of API_GROUPS) {
      for (const p of w.kubernetesApi[g]) {
        lines.push(`| ${g} | ${p.verbs.join(', ')} | ${md(resourceText(p))} | ${md(p.scope)} | ${p.reasons.length ? p.reasons.map(md).join('; ') : `_${NO_REASON}_`} |`);
      }
    }
  }
  const k = w.kernel;
  lines.push('', '**Kernel and host**', '');
  const kernel: string[] = [];
  if (k.privileged.containers.length) kernel.push(`- **privileged**: ${k.privileged.containers.join(', ')}: ${why(k.privileged.reason)}`);
  if (k.root.containers.length) kernel.push(`- **root** (UID 0): ${k.root.containers.join(', ')}: ${why(k.root.reason)}`);
  if (k.root.maybe.length) kernel.push(`- may run as root (the image decides): ${k.root.maybe.join(', ')}`);
  for (const c of k.capabilities) kernel.push(`- capability **${c.name}** (${c.containers.join(', ')}): ${why(c.reason)}`);
  for (const n of k.hostNamespaces) kernel.push(`- **${n.name}**: ${why(n.reason)}`);
  for (const h of k.hostPaths) kernel.push(`- host path \`${h.path}\` ${h.access}${h.containers.length ? ` (${h.containers.join(', ')})` : ''}: ${why(h.reason)}`);
  if (k.privilegeEscalation.length) kernel.push(`- privilege escalation allowed: ${k.privilegeEscalation.join(', ')}`);
  const weak = (m: Record<string, string>, ok: (p: string) => boolean) => Object.entries(m).filter(([, p]) => !ok(p)).map(([c, p]) => `${c} ${p}`);
  const seccomp = weak(k.seccomp, (p) => p === 'RuntimeDefault' || p.startsWith('Localhost/'));
  if (seccomp.length) kernel.push(`- seccomp: ${seccomp.join(', ')}`);
  const apparmor = weak(k.appArmor, (p) => p !== 'Unconfined');
  if (apparmor.length) kernel.push(`- AppArmor: ${apparmor.join(', ')}`);
  lines.push(...(kernel.length ? kernel : ['- nothing beyond the restricted profile']));
  lines.push('', '**Network**', '');
  direction('egress', w.network.egress, lines);
  direction('ingress', w.network.ingress, lines);
  lines.push('', '**Secrets**', '');
  if (w.secrets.length === 0) lines.push('- none');
  for (const s of w.secrets) lines.push(`- ${s.source} \`${s.name}\` as ${s.as}${s.from ? ` (${md(s.from)})` : ''}${s.where.length ? `: ${s.where.map(md).join(', ')}` : ''}`);
  lines.push('', '**Supply chain**', '');
  for (const i of w.supplyChain) {
    lines.push(`- ${md(i.container)}: \`${i.image}\` ${i.pinned ? 'pinned by digest' : '**not pinned**'}; ${i.signaturePolicies.length ? `signature checked by ${i.signaturePolicies.map(md).join(', ')}` : '**no signature policy**'}`);
  }
  return lines.join('\n');
}

export function reportMarkdown(report: PrivilegeReport, title = 'Privilege report'): string {
  const parts = [`## ${md(title)}`, '', `${report.workloads.length} workload${report.workloads.length === 1 ? '' : 's'}. Generated by \`secure-agents report\` from the manifests alone.`];
  for (const p of report.problems) parts.push('', `> could not read: ${md(p.message)}`);
  const seen = new Map<string, number>();
  for (const w of report.workloads) seen.set(workloadTitle(w.workload), (seen.get(workloadTitle(w.workload)) ?? 0) + 1);
  for (const w of report.workloads) parts.push('', workloadMarkdown(w, (seen.get(workloadTitle(w.workload)) ?? 0) > 1));
  return parts.join('\n') + '\n';
}

/**
 * Merges API items on the same resource, scope and reason into one line, labelled with the most
 * dangerous group among their verbs (`[delete] get, delete pods in namespace shop`).
 */
function fold(items: readonly PrivilegeItem[]): PrivilegeItem[] {
  const danger = ['read', 'write', 'delete', 'secrets', 'exec', 'escalate'];
  const rank = (g: string) => danger.indexOf(g);
  const out: PrivilegeItem[] = [];
  const merged = new Map<string, { verbs: string[]; group: string }>();
  const keyOf = (i: PrivilegeItem) => `${i.api!.object}\u0000${i.reason ?? ''}`;
  for (const i of items) {
    if (!i.api) { out.push(i); continue; }
    const m = merged.get(keyOf(i));
    if (m) {
      m.verbs.push(i.api.verb);
      if (rank(i.api.group) > rank(m.group)) m.group = i.api.group;
      continue;
    }
    merged.set(keyOf(i), { verbs: [i.api.verb], group: i.api.group });
    out.push(i);
  }
  return out.map((i) => {
    if (!i.api) return i;
    const m = merged.get(keyOf(i))!;
    return { ...i, text: `[${m.group}] ${m.verbs.join(', ')} ${i.api.object}` };
  });
}

/** The diff as Markdown; empty when no privilege changed. */
export function diffMarkdown(diff: PrivilegeDiff): string {
  if (diff.workloads.length === 0) return '';
  const s = diff.summary;
  const lines: string[] = ['## Privilege changes', ''];
  lines.push(`${s.added} added, ${s.removed} removed${s.unreasoned ? `; **${s.unreasoned} added without a reason**` : ''}.`);
  for (const w of diff.workloads) {
    const status = w.status === 'added' ? ' (new workload)' : w.status === 'removed' ? ' (removed workload)' : '';
    lines.push('', `### ${md(workloadTitle(w.workload))}${w.source ? ` in ${md(w.source)}` : ''}${status}`, '');
    for (const i of fold(w.added)) {
      lines.push(`- ➕ ${md(i.text)}${i.reason ? `: ${md(i.reason)}` : needsReason(i) ? ` ⚠️ **${NO_REASON}**` : ''}`);
    }
    for (const i of fold(w.removed)) lines.push(`- ➖ ${md(i.text)}`);
  }
  return lines.join('\n') + '\n';
}
