import { describe, expect, it } from 'vitest';
import { evaluateGcpCondition, gcpAllows, gcpExtract, GcpTag } from '../../src/policy/gcp-condition';

const TAG: GcpTag = { keyId: 'tagKeys/111', keyName: 'acme-prod/cost-optimizer-prod', valueId: 'tagValues/222', valueName: 'europe-west1' };
const OTHER: GcpTag = { keyId: 'tagKeys/111', keyName: 'acme-prod/cost-optimizer-prod', valueId: 'tagValues/333', valueName: 'us-east1' };
const vm = (name: string, tags: GcpTag[] = []) => ({ resource: { name, type: 'compute.googleapis.com/Instance', service: 'compute.googleapis.com', tags } });

describe('gcpExtract (GCP semantics)', () => {
  it.each([
    ['projects/p/zones/europe-west1-b/instances/vm-1', '/zones/{zone}/', 'europe-west1-b'],
    ['projects/p/zones/europe-west1-b/instances/vm-1', '/instances/{name}', 'vm-1'],
    ['projects/p/zones/europe-west1-b/instances/vm-1', 'projects/{project}/', 'p'],
    ['projects/p/zones/europe-west1-b/instances/vm-1', '/disks/{name}', ''],
    ['projects/p/global/instanceTemplates/t', '/zones/{zone}/', ''],
    ['projects/p/zones/z/instances/vm', '/instances/{name}/', ''],
    ['a/x/b/x/c', '/x/{v}/', 'b'],
  ])('%s extract(%s) is "%s"', (text, template, expected) => {
    expect(gcpExtract(text, template)).toBe(expected);
    expect(evaluateGcpCondition(`resource.name.extract(${JSON.stringify(template)}) == ${JSON.stringify(expected)}`, { resource: { name: text } }).granted).toBe(true);
  });

  it('refuses a template without a variable', () => {
    expect(() => gcpExtract('a', 'no-variable')).toThrow(/variable/);
    expect(evaluateGcpCondition('resource.name.extract("none") == ""', { resource: { name: 'a' } }).granted).toBe(false);
  });
});

describe('evaluateGcpCondition', () => {
  it('matchTagId and matchTag compare the key and the value, by id and by namespaced name', () => {
    expect(evaluateGcpCondition('resource.matchTagId("tagKeys/111", "tagValues/222")', vm('n', [TAG])).granted).toBe(true);
    expect(evaluateGcpCondition('resource.matchTagId("tagKeys/111", "tagValues/222")', vm('n', [OTHER])).granted).toBe(false);
    expect(evaluateGcpCondition('resource.matchTagId("tagKeys/111", "tagValues/222")', vm('n')).granted).toBe(false);
    expect(evaluateGcpCondition('resource.matchTag("acme-prod/cost-optimizer-prod", "europe-west1")', vm('n', [TAG])).granted).toBe(true);
    expect(evaluateGcpCondition('resource.matchTag("acme-prod/cost-optimizer-prod", "europe-west1")', vm('n', [OTHER])).granted).toBe(false);
    // the value id of one key does not match under another key
    expect(evaluateGcpCondition('resource.matchTagId("tagKeys/999", "tagValues/222")', vm('n', [TAG])).granted).toBe(false);
  });

  it('hasTagKey and hasTagKeyId ignore the value', () => {
    expect(evaluateGcpCondition('resource.hasTagKey("acme-prod/cost-optimizer-prod")', vm('n', [OTHER])).granted).toBe(true);
    expect(evaluateGcpCondition('resource.hasTagKeyId("tagKeys/111")', vm('n')).granted).toBe(false);
  });

  it('standard CEL: startsWith, endsWith, in, &&, ||, !', () => {
    const r = vm('projects/p/zones/europe-west1-b/instances/co04-prod-x');
    expect(evaluateGcpCondition('resource.name.endsWith("-x") && !resource.name.startsWith("x")', r).granted).toBe(true);
    expect(evaluateGcpCondition('resource.name.extract("/zones/{z}/") in ["europe-west1-c"] || resource.type == "compute.googleapis.com/Disk"', r).granted).toBe(false);
    expect(evaluateGcpCondition('resource.service == "compute.googleapis.com"', r).granted).toBe(true);
  });

  it('a type without a name attribute sees "" and a non-boolean or failing condition does not grant', () => {
    expect(evaluateGcpCondition('resource.name == ""', { resource: { type: 'compute.googleapis.com/Subnetwork' } }).granted).toBe(true);
    expect(evaluateGcpCondition('resource.name.startsWith("projects/")', { resource: { type: 'compute.googleapis.com/Subnetwork' } }).granted).toBe(false);
    expect(evaluateGcpCondition('resource.name', vm('n'))).toMatchObject({ granted: false });
    expect(evaluateGcpCondition('resource.labels.x == "y"', vm('n')).error).toBeTruthy();
    expect(evaluateGcpCondition('(((', vm('n')).granted).toBe(false);
  });
});

describe('gcpAllows', () => {
  const bindings = [
    { id: 'onProject', attachedTo: 'projects/p', permissions: ['compute.instances.delete'], condition: 'resource.matchTagId("tagKeys/111", "tagValues/222")' },
    { id: 'onSubnet', attachedTo: 'projects/p/regions/r/subnetworks/nodes', permissions: ['compute.subnetworks.use'] },
  ];
  it('grants through a binding on the project with a true condition, or on the resource itself', () => {
    expect(gcpAllows(bindings, { permission: 'compute.instances.delete', project: 'projects/p', ...vm('projects/p/zones/z/instances/a', [TAG]) })).toEqual({ allowed: true, by: 'onProject' });
    expect(gcpAllows(bindings, { permission: 'compute.instances.delete', project: 'projects/p', ...vm('projects/p/zones/z/instances/a') }).allowed).toBe(false);
    expect(gcpAllows(bindings, { permission: 'compute.instances.delete', project: 'projects/q', ...vm('projects/q/zones/z/instances/a', [TAG]) }).allowed).toBe(false);
    expect(gcpAllows(bindings, { permission: 'compute.subnetworks.use', project: 'projects/p', resource: { name: 'projects/p/regions/r/subnetworks/nodes' } }).allowed).toBe(true);
    expect(gcpAllows(bindings, { permission: 'compute.subnetworks.use', project: 'projects/p', resource: { name: 'projects/p/regions/r/subnetworks/other' } }).allowed).toBe(false);
  });
});
