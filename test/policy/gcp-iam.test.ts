import * as fs from 'fs';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { checkGcpIam, GCP_RULE_LIST } from '../../src/policy/gcp-iam';
import { gcpPermissions } from '../helpers/shared';

const DIST = path.resolve(__dirname, '../../dist/terraform');
const known = gcpPermissions();

describe('gcp-* rules', () => {
  it('rules are described: an ID, and a title, explanation and fix of their own', () => {
    for (const r of GCP_RULE_LIST) {
      expect(r.id).toMatch(/^gcp-[a-z-]+$/);
      for (const field of ['title', 'explanation', 'fix'] as const) expect(r[field].trim().length, `${r.id} ${field}`).toBeGreaterThan(10);
    }
    for (const field of ['id', 'title', 'explanation', 'fix'] as const) {
      expect(new Set(GCP_RULE_LIST.map((r) => r[field])).size, `every ${field} differs`).toBe(GCP_RULE_LIST.length);
    }
  });

  it('finds no error in our synthesised Terraform', () => {
    for (const d of fs.readdirSync(DIST)) {
      expect(checkGcpIam(JSON.parse(fs.readFileSync(path.join(DIST, d, 'cdk.tf.json'), 'utf8')), { knownPermissions: known })).toEqual([]);
    }
  });

  it('finds an unknown permission, an unconditioned mutating binding and a key', () => {
    const doc = { resource: {
      google_project_iam_custom_role: { r: { role_id: 'x', permissions: ['compute.instances.delete', 'compute.instances.teleport'] } },
      google_project_iam_member: {
        custom: { role: '${google_project_iam_custom_role.r.id}', member: 'serviceAccount:a@b.iam.gserviceaccount.com' },
        editor: { role: 'roles/editor', member: 'user:x@example.com' },
        viewer: { role: 'roles/compute.viewer', member: 'user:x@example.com' },
        scoped: { role: 'roles/compute.instanceAdmin.v1', member: 'user:x@example.com', condition: { title: 't', expression: 'resource.name.startsWith("x")' } },
      },
      google_service_account_key: { k: { service_account_id: 'a' } },
    } };
    const f = checkGcpIam(doc, { knownPermissions: known });
    expect(f.map((x) => `${x.rule} ${x.resource.name}`).sort()).toEqual([
      'gcp-service-account-key k', 'gcp-unconditioned-mutation custom', 'gcp-unconditioned-mutation editor', 'gcp-unknown-permission r',
    ]);
  });
});
