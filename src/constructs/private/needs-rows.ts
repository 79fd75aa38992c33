import { DNS_REASON } from '../reasons';

/**
 * The DNS need that every workload with a network policy has: the policy builder always opens the
 * cluster DNS, so each component's needs table lists this row.
 */
export const DNS_NEED = {
  id: 'dns',
  does: 'resolves names',
  grant: { kind: 'egress', peer: 'the cluster DNS', ports: '53/UDP, 53/TCP' },
  reason: DNS_REASON,
} as const;
