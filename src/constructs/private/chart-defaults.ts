import { Construct } from 'constructs';
import type { VaultServer } from '../endpoints';
import type { OutboundProxy } from '../proxy/outbound-proxy';

/**
 * What a chart base sets on every workload built inside it, whatever family constructs lie in
 * between: a workload reads these when its own props leave them out. Not exported from the package.
 */
export interface ChartWorkloadDefaults {
  readonly imagePullSecrets: readonly string[];
  readonly imageRegistry?: string;
  readonly cilium: boolean;
  readonly proxy?: OutboundProxy;
  readonly vaultServer?: VaultServer;
}

const DEFAULTS = new WeakMap<Construct, ChartWorkloadDefaults>();

export function setChartWorkloadDefaults(chart: Construct, defaults: ChartWorkloadDefaults): void {
  DEFAULTS.set(chart, defaults);
}

/** The defaults of the nearest enclosing chart base, if any. */
export function chartWorkloadDefaults(scope: Construct): ChartWorkloadDefaults | undefined {
  for (const c of [...scope.node.scopes].reverse()) {
    const d = DEFAULTS.get(c);
    if (d) return d;
  }
  return undefined;
}

/** An image with its registry replaced by `registry` (a host, optionally with a path prefix). */
export function withRegistry(image: string, registry: string | undefined): string {
  if (!registry) return image;
  const slash = image.indexOf('/');
  const first = slash < 0 ? '' : image.slice(0, slash);
  const hasRegistry = first.includes('.') || first.includes(':') || first === 'localhost';
  let rest = hasRegistry ? image.slice(slash + 1) : image;
  // Docker Hub's official images live under library/.
  if (!hasRegistry && !rest.includes('/')) rest = `library/${rest}`;
  return `${registry.replace(/\/+$/, '')}/${rest}`;
}
