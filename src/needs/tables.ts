/** Every needs table, by family, in the order the docs list them. */
import { AIOPS_API_NEEDS, AUDIT_MIGRATION_NEEDS, AUDIT_RETENTION_NEEDS, POSTGRES_NEEDS, QDRANT_NEEDS, REDIS_NEEDS } from '../constructs/aiops/needs';
import { CLUSTER_CONTROLLER_NEEDS, OPTIMIZER_AGENT_NEEDS } from '../constructs/optimizer/needs';
import { AGENT_NEEDS, EXECUTOR_NEEDS, MEDIATOR_NEEDS, VICTORIA_METRICS_NEEDS } from '../constructs/observability/needs';
import { CRAWLER_NEEDS, DETECTION_TOOL_NEEDS, DIGGER_NEEDS, INTERCEPTOR_NEEDS, MESSAGE_BUS_NEEDS, PROMETHEUS_AGENT_NEEDS } from '../constructs/sensor/needs';
import { ComponentNeeds } from './model';

export const NEEDS_TABLES: Readonly<Record<string, readonly ComponentNeeds[]>> = {
  aiops: [AIOPS_API_NEEDS, POSTGRES_NEEDS, REDIS_NEEDS, QDRANT_NEEDS, AUDIT_MIGRATION_NEEDS, AUDIT_RETENTION_NEEDS],
  'cost-optimizer': [OPTIMIZER_AGENT_NEEDS, CLUSTER_CONTROLLER_NEEDS],
  observability: [AGENT_NEEDS, MEDIATOR_NEEDS, VICTORIA_METRICS_NEEDS, EXECUTOR_NEEDS],
  sensor: [INTERCEPTOR_NEEDS, DIGGER_NEEDS, DETECTION_TOOL_NEEDS, MESSAGE_BUS_NEEDS, PROMETHEUS_AGENT_NEEDS, CRAWLER_NEEDS],
};

/** The table of a component, by `part-of` and `component` labels. */
export function needsOf(family: string, component: string): ComponentNeeds | undefined {
  return (NEEDS_TABLES[family] ?? []).find((t) => t.component === component);
}
