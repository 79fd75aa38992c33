/** Renders needs tables as Markdown (docs/needs/<family>.md). Framework-free. */
import { ComponentNeeds, NeedGrant } from './model';

function code(s: string): string {
  return `\`${s.replace(/`/g, '\\`')}\``;
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** What a row needs, in words. */
export function describeNeed(g: NeedGrant): string {
  switch (g.kind) {
    case 'capability': return `capability ${code(g.capability)}`;
    case 'host-path': return `host path ${code(g.hostPath)}${g.readOnly ? ' (read-only)' : ' (read-write)'}`;
    case 'host-namespace': return `host namespace ${code(g.namespace)}`;
    case 'rbac': {
      const what = g.nonResourceURLs
        ? `URLs ${g.nonResourceURLs.map(code).join(', ')}`
        : `${(g.resources ?? []).map(code).join(', ')}${g.apiGroups && !(g.apiGroups.length === 1 && g.apiGroups[0] === '') ? ` in ${g.apiGroups.map((x) => code(x || 'core')).join(', ')}` : ''}`;
      const names = g.resourceNames ? ` named ${g.resourceNames.map(code).join(', ')}` : '';
      return `${g.verbs.join(', ')} on ${what}${names}`;
    }
    case 'egress': return `connections to ${g.peer} on ${g.ports}`;
    case 'ingress': return `connections from ${g.peer} on ${g.ports}`;
    case 'credential': return `credential: ${g.credential}`;
    case 'run-as-root': return 'UID 0';
  }
}

/** Where the grant is in the synthesised output. */
export function describeGrant(g: NeedGrant): string {
  switch (g.kind) {
    case 'capability': return `main container \`securityContext.capabilities.add\`; reason in \`reasons.secure-agents.io/capabilities\``;
    case 'host-path': return `\`hostPath\` volume${g.readOnly ? ', mounted `readOnly: true`' : ''}; reason in \`reasons.secure-agents.io/host-paths\``;
    case 'host-namespace': return `pod \`spec.${g.namespace}: true\`; reason in \`reasons.secure-agents.io/host-namespaces\``;
    case 'rbac': {
      const kind = g.scope === 'cluster' ? 'ClusterRole' : g.scope === 'own-namespace' ? 'Role in its own namespace' : g.scope === 'chosen' ? 'ClusterRole, or Roles in the namespaces given' : `Role in \`${g.namespace}\``;
      return `${kind} rule; reason in \`reasons.secure-agents.io/rules\``;
    }
    case 'egress': return 'NetworkPolicy egress rule; reason in `reasons.secure-agents.io/egress`';
    case 'ingress': return 'NetworkPolicy ingress rule; reason in `reasons.secure-agents.io/ingress`';
    case 'credential': return 'a read-only file from a `SecretSource` (never an env var)';
    case 'run-as-root': return '`runAsUser: 0`; reason in `reasons.secure-agents.io/run-as-root`';
  }
}

/** The Markdown page of one family. */
export function renderNeedsMarkdown(family: string, tables: readonly ComponentNeeds[]): string {
  const lines: string[] = [
    `# Needs tables: ${family}`,
    '',
    '<!-- Generated from the needs tables in src/ by `npm run synth`; do not edit by hand. -->',
    '',
    'One row per thing the vendor\'s software does that needs a privilege: what it needs, what grants it',
    'in the synthesised output, and the reason written next to the grant. A row with a condition applies',
    'only when that prop or mode is chosen. Anything in the output that no row needs is a defect, and a',
    'test (`test/needs/two-way.test.ts`) checks both directions on every example in `dist/k8s`.',
    '',
  ];
  for (const t of tables) {
    lines.push(`## ${t.component}`, '', t.summary, '', '| does | needs | granted by | reason | when |', '|---|---|---|---|---|');
    for (const n of t.needs) {
      const granted = n.notInOutput ? `not in the output: ${n.notInOutput}` : describeGrant(n.grant);
      lines.push(`| ${cell(n.does)} | ${cell(describeNeed(n.grant))} | ${cell(granted)} | ${cell(n.reason)} | ${cell(n.when ?? 'always')} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}
