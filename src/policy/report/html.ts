/**
 * The report as one self-contained HTML page: an inline SVG diagram of who may talk to whom (egress
 * rules, pod peers resolved to workloads), then each workload's sections. No script, no external file.
 */
import { resourceText } from './items';
import { NO_REASON } from './markdown';
import { API_GROUPS, NetworkDirection, PrivilegeReport, Reason, WorkloadReport } from './types';

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const refOf = (w: WorkloadReport['workload']) => `${w.kind}/${w.namespace}/${w.name}`;
const label = (ref: string) => { const [kind, ns, name] = ref.split('/'); return `${name} (${kind}${ns ? `, ${ns}` : ''})`; };

interface Edge { from: string; to: string; ports: string; open: boolean; reason: string | null }

/** Senders on the left, receivers on the right (workloads and outside peers); one line per allowed path. */
export function diagramSvg(report: PrivilegeReport): string {
  const edges: Edge[] = [];
  for (const w of report.workloads) {
    const from = refOf(w.workload);
    const eg = w.network.egress;
    if (eg.status !== 'restricted') { edges.push({ from, to: eg.status === 'everything' ? 'anywhere (no policy)' : 'anywhere (host network)', ports: 'any', open: true, reason: null }); continue; }
    for (const r of eg.rules) {
      for (const p of r.peers) {
        const targets = p.type === 'pods' || p.type === 'namespace' ? (p.workloads.length ? p.workloads : [p.description]) : [p.description];
        for (const t of targets) edges.push({ from, to: t, ports: r.ports.join(', '), open: p.type === 'any', reason: r.reason });
      }
    }
  }
  const senders = report.workloads.map((w) => refOf(w.workload));
  const receivers = [...new Set(edges.map((e) => e.to))].sort((a, b) => Number(!senders.includes(a)) - Number(!senders.includes(b)) || a.localeCompare(b));
  const rowH = 34;
  const width = 920;
  const boxW = 300;
  const height = Math.max(senders.length, receivers.length, 1) * rowH + 40;
  const y = (i: number) => 30 + i * rowH;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Who may talk to whom" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0L10,5L0,10z" fill="#555"/></marker></defs>',
    `<text x="10" y="16" font-weight="bold">sends (egress)</text><text x="${width - boxW - 10}" y="16" font-weight="bold">to</text>`,
  ];
  senders.forEach((s, i) => parts.push(`<rect x="10" y="${y(i)}" width="${boxW}" height="24" rx="4" fill="#e8f0fe" stroke="#4a6fa5"/><text x="18" y="${y(i) + 16}">${esc(label(s))}</text>`));
  receivers.forEach((r, i) => {
    const internal = senders.includes(r);
    const fill = internal ? '#e8f0fe' : r.startsWith('anywhere') ? '#fde8e8' : '#f3f3f3';
    const text = internal ? label(r) : r;
    parts.push(`<rect x="${width - boxW - 10}" y="${y(i)}" width="${boxW}" height="24" rx="4" fill="${fill}" stroke="#888"/><text x="${width - boxW - 2}" y="${y(i) + 16}">${esc(text.length > 46 ? `${text.slice(0, 45)}…` : text)}<title>${esc(text)}</title></text>`);
  });
  for (const e of edges) {
    const a = senders.indexOf(e.from);
    const b = receivers.indexOf(e.to);
    const stroke = e.open ? '#c0392b' : '#555';
    parts.push(`<line x1="${10 + boxW}" y1="${y(a) + 12}" x2="${width - boxW - 10}" y2="${y(b) + 12}" stroke="${stroke}"${e.open ? ' stroke-dasharray="5,3"' : ''} marker-end="url(#arrow)"><title>${esc(`${label(e.from)} → ${e.to}: ${e.ports}${e.reason ? ` (${e.reason})` : ''}`)}</title></line>`);
  }
  parts.push('</svg>');
  return parts.join('\n');
}

const why = (r: Reason) => (r ? esc(r) : `<em class="none">${NO_REASON}</em>`);

function direction(name: string, d: NetworkDirection): string {
  if (d.status === 'everything') return `<p>${name}: <strong>everything</strong> (no policy selects it)</p>`;
  if (d.status === 'not enforceable') return `<p>${name}: <strong>not enforceable</strong> (host network)</p>`;
  const rows = d.rules.map((r) => `<tr><td>${r.peers.map((p) => esc(p.description)).join('<br>')}</td><td>${esc(r.ports.join(', '))}</td><td>${esc(r.policy)}</td><td>${why(r.reason)}</td></tr>`);
  return `<p>${name}: only what ${esc(d.policies.join(', '))} allow${rows.length ? '' : ': <strong>nothing</strong>'}</p>${rows.length ? `<table><tr><th>peers</th><th>ports</th><th>policy</th><th>reason</th></tr>${rows.join('')}</table>` : ''}`;
}

function workloadHtml(w: WorkloadReport): string {
  const id = w.identity;
  const out: string[] = [`<section><h2>${esc(`${w.workload.kind} ${w.workload.namespace ? `${w.workload.namespace}/` : ''}${w.workload.name}`)}</h2>`];
  out.push('<h3>Identity</h3><ul>');
  out.push(`<li>ServiceAccount <code>${esc(id.serviceAccount)}</code>; API token ${id.tokenMounted ? `<strong>mounted</strong>: ${why(id.tokenReason)}` : 'not mounted'}</li>`);
  for (const c of id.cloud) {
    const stmts = [...c.aws.map((s) => `<li>${esc(`${s.effect} ${s.actions.join(', ')} on ${s.resources.join(', ')}${s.conditions ? ` if ${JSON.stringify(s.conditions)}` : ''}`)}: ${why(s.reason)}</li>`),
      ...c.gcp.map((g) => `<li>${esc(`${g.role} on ${g.on}${g.permissions.length ? `: ${g.permissions.join(', ')}` : ''}${g.condition ? ` if ${g.condition.expression}` : ''}`)}: ${why(g.reason)}</li>`)];
    out.push(`<li>${esc(`${c.provider === 'aws' ? 'AWS role' : 'Google service account'} ${c.principal} (${c.mechanism})`)}${stmts.length ? `<ul>${stmts.join('')}</ul>` : ''}</li>`);
  }
  out.push('</ul><h3>Kubernetes API</h3>');
  const rows = API_GROUPS.flatMap((g) => w.kubernetesApi[g].map((p) => `<tr class="${g}"><td>${g}</td><td>${esc(p.verbs.join(', '))}</td><td>${esc(resourceText(p))}</td><td>${esc(p.scope)}</td><td>${p.reasons.length ? esc(p.reasons.join('; ')) : `<em class="none">${NO_REASON}</em>`}</td></tr>`));
  out.push(rows.length ? `<table><tr><th>group</th><th>verbs</th><th>resource</th><th>scope</th><th>reason</th></tr>${rows.join('')}</table>` : '<p>none</p>');
  const k = w.kernel;
  const kernel: string[] = [];
  if (k.privileged.containers.length) kernel.push(`<li><strong>privileged</strong>: ${esc(k.privileged.containers.join(', '))}: ${why(k.privileged.reason)}</li>`);
  if (k.root.containers.length) kernel.push(`<li><strong>root</strong>: ${esc(k.root.containers.join(', '))}: ${why(k.root.reason)}</li>`);
  if (k.root.maybe.length) kernel.push(`<li>may run as root: ${esc(k.root.maybe.join(', '))}</li>`);
  for (const c of k.capabilities) kernel.push(`<li>capability <strong>${esc(c.name)}</strong>: ${why(c.reason)}</li>`);
  for (const n of k.hostNamespaces) kernel.push(`<li><strong>${n.name}</strong>: ${why(n.reason)}</li>`);
  for (const h of k.hostPaths) kernel.push(`<li>host path <code>${esc(h.path)}</code> ${h.access}: ${why(h.reason)}</li>`);
  out.push(`<h3>Kernel and host</h3><ul>${kernel.join('') || '<li>nothing beyond the restricted profile</li>'}</ul>`);
  out.push(`<h3>Network</h3>${direction('egress', w.network.egress)}${direction('ingress', w.network.ingress)}`);
  out.push(`<h3>Secrets</h3><ul>${w.secrets.map((s) => `<li>${esc(`${s.source} ${s.name} as ${s.as}${s.from ? ` (${s.from})` : ''}${s.where.length ? `: ${s.where.join(', ')}` : ''}`)}</li>`).join('') || '<li>none</li>'}</ul>`);
  out.push(`<h3>Supply chain</h3><ul>${w.supplyChain.map((i) => `<li><code>${esc(i.image)}</code> ${i.pinned ? 'pinned' : '<strong>not pinned</strong>'}; ${i.signaturePolicies.length ? esc(`signature checked by ${i.signaturePolicies.join(', ')}`) : '<strong>no signature policy</strong>'}</li>`).join('')}</ul>`);
  out.push('</section>');
  return out.join('\n');
}

export function reportHtml(report: PrivilegeReport, title = 'Privilege report'): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top;font-size:13px}
tr.escalate td:first-child,tr.exec td:first-child,tr.secrets td:first-child{color:#b00;font-weight:bold}
em.none{color:#b00}section{border-top:2px solid #4a6fa5;margin-top:2em}code{background:#f3f3f3;padding:0 3px}
</style></head><body>
<h1>${esc(title)}</h1>
<p>${report.workloads.length} workloads. Lines: allowed egress; dashed red: unrestricted.</p>
${diagramSvg(report)}
${report.problems.map((p) => `<p class="problem">could not read: ${esc(p.message)}</p>`).join('\n')}
${report.workloads.map(workloadHtml).join('\n')}
</body></html>
`;
}
