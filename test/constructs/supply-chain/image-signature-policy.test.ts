import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { App, Chart } from 'cdk8s';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ImagePolicyEngine, ImagePolicyMode, ImageSignaturePolicy, ImageSignaturePolicyProps, SIGSTORE_INCLUDE_LABEL,
} from '../../../src';
import { expectValidationError } from '../../helpers/errors';
import { find, K8sObject, synth } from '../../helpers/synth';

// Keys are made at test time: no key material is committed.
const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const PUBLIC_PEM = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const PRIVATE_PEM = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const SEC1_PEM = pair.privateKey.export({ type: 'sec1', format: 'pem' }).toString();
const RSA_PKCS1_PUBLIC = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const IMAGES = ['registry.vendor.example/sensor/*', 'registry.vendor.example:5000/tools/**'];

/** The base64 body of a PEM block, without header lines. */
function pemBody(pem: string): string {
  return pem.split('\n').filter((l) => l && !l.startsWith('-----')).join('');
}

function props(overrides: Partial<ImageSignaturePolicyProps> = {}): ImageSignaturePolicyProps {
  return { engine: ImagePolicyEngine.SIGSTORE, publicKey: PUBLIC_PEM, images: IMAGES, partOf: 'sensor', ...overrides };
}

function make(overrides: Partial<ImageSignaturePolicyProps> = {}, id = 'Signed-Images'): ImageSignaturePolicy {
  const chart = new Chart(new App(), 'test', { namespace: 'sensor' });
  return new ImageSignaturePolicy(chart, id, props(overrides));
}

function synthPolicy(overrides: Partial<ImageSignaturePolicyProps> = {}): K8sObject[] {
  return synth((app) => {
    const chart = new Chart(app, 'test', { namespace: 'sensor' });
    new ImageSignaturePolicy(chart, 'signed-images', props(overrides));
  });
}

const LABELS = {
  'app.kubernetes.io/name': 'signed-images',
  'app.kubernetes.io/instance': 'signed-images',
  'app.kubernetes.io/component': 'image-policy',
  'app.kubernetes.io/part-of': 'sensor',
  'app.kubernetes.io/managed-by': 'secure-agent-constructs',
};

describe('ImageSignaturePolicy: Sigstore policy-controller', () => {
  it('renders a cluster-scoped ClusterImagePolicy with one key authority, the globs in order and enforce mode', () => {
    const objects = synthPolicy();
    expect(objects).toHaveLength(1);
    const cip = find(objects, 'ClusterImagePolicy', 'signed-images');
    expect(cip).toEqual({
      apiVersion: 'policy.sigstore.dev/v1beta1',
      kind: 'ClusterImagePolicy',
      metadata: { name: 'signed-images', labels: LABELS },
      spec: {
        images: [{ glob: IMAGES[0] }, { glob: IMAGES[1] }],
        authorities: [{ name: 'cosign-key', key: { data: PUBLIC_PEM } }],
        mode: 'enforce',
      },
    });
    // The chart's namespace must not leak onto the cluster-scoped object.
    expect(cip.metadata.namespace).toBeUndefined();
    // The key that lands in the YAML is the same key, byte for byte once parsed.
    const rendered = createPublicKey(cip.spec.authorities[0].key.data).export({ type: 'spki', format: 'der' });
    expect(rendered.equals(pair.publicKey.export({ type: 'spki', format: 'der' }))).toBe(true);
  });

  it('switches to warn mode when asked', () => {
    const cip = find(synthPolicy({ mode: 'warn' }), 'ClusterImagePolicy', 'signed-images');
    expect(cip.spec.mode).toBe('warn');
  });

  it('says which namespace label the policy-controller needs', () => {
    const policy = make();
    expect(SIGSTORE_INCLUDE_LABEL).toBe('policy.sigstore.dev/include');
    expect(ImageSignaturePolicy.SIGSTORE_NAMESPACE_LABELS).toEqual({ 'policy.sigstore.dev/include': 'true' });
    expect(policy.namespaceLabels()).toEqual({ 'policy.sigstore.dev/include': 'true' });
    // A copy: changing it does not change the policy's answer.
    policy.namespaceLabels()['policy.sigstore.dev/include'] = 'false';
    expect(policy.namespaceLabels()).toEqual({ 'policy.sigstore.dev/include': 'true' });
  });
});

describe('ImageSignaturePolicy: Kyverno', () => {
  const EXPRESSION = '(images.containers + images.initContainers + images.ephemeralContainers)'
    + '.map(image, verifyImageSignatures(image, [attestors.cosign])).all(e, e > 0)';

  it('renders an ImageValidatingPolicy on pod CREATE and UPDATE that denies unsigned images, init containers included', () => {
    const ivp = find(synthPolicy({ engine: ImagePolicyEngine.KYVERNO }), 'ImageValidatingPolicy', 'signed-images');
    expect(ivp).toEqual({
      apiVersion: 'policies.kyverno.io/v1',
      kind: 'ImageValidatingPolicy',
      metadata: { name: 'signed-images', labels: LABELS },
      spec: {
        validationActions: ['Deny'],
        matchConstraints: {
          resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods'] }],
        },
        matchImageReferences: [{ glob: IMAGES[0] }, { glob: IMAGES[1] }],
        attestors: [{ name: 'cosign', cosign: { key: { data: PUBLIC_PEM } } }],
        validations: [{
          expression: EXPRESSION,
          message: `every image matching ${IMAGES.join(', ')} must be signed with the cosign key of image policy signed-images`,
        }],
      },
    });
    expect(ivp.metadata.namespace).toBeUndefined();
    // The attestor the expression names is the one the policy declares.
    const named = /attestors\.([a-z]+)/.exec(ivp.spec.validations[0].expression)?.[1];
    expect(ivp.spec.attestors.map((a: { name: string }) => a.name)).toEqual([named]);
  });

  it('audits and warns instead of denying in warn mode (Deny and Warn may not be combined)', () => {
    const ivp = find(synthPolicy({ engine: ImagePolicyEngine.KYVERNO, mode: ImagePolicyMode.WARN }), 'ImageValidatingPolicy', 'signed-images');
    expect(ivp.spec.validationActions).toEqual(['Audit', 'Warn']);
    expect(ivp.spec.validationActions).not.toContain('Deny');
  });

  it('needs no namespace label', () => {
    expect(make({ engine: ImagePolicyEngine.KYVERNO }).namespaceLabels()).toEqual({});
  });
});

describe('ImageSignaturePolicy: resolved props', () => {
  it('exposes the defaults it resolved', () => {
    const p = make();
    expect(p.engine).toBe(ImagePolicyEngine.SIGSTORE);
    expect(p.mode).toBe(ImagePolicyMode.ENFORCE);
    expect(p.name).toBe('signed-images'); // from the id "Signed-Images"
    expect(p.images).toEqual(IMAGES);
    expect(p.publicKey).toBe(PUBLIC_PEM);
    expect(p.labels).toEqual(LABELS);
  });

  it('takes a name and an instance, and normalises CRLF and surrounding blank lines in the key', () => {
    const p = make({ name: 'vendor-images', instance: 'prod', publicKey: `\n\n${PUBLIC_PEM.replace(/\n/g, '\r\n')}\n\n` });
    expect(p.name).toBe('vendor-images');
    expect(p.labels['app.kubernetes.io/instance']).toBe('prod');
    expect(p.publicKey).toBe(PUBLIC_PEM);
  });
});

describe('ImageSignaturePolicy: bad input', () => {
  it('fails on a private key without echoing it', () => {
    for (const key of [PRIVATE_PEM, SEC1_PEM, `${PUBLIC_PEM}${PRIVATE_PEM}`]) {
      const err = expectValidationError(() => make({ publicKey: key }));
      expect(err.code).toBe('private-key');
      expect(err.prop).toBe('publicKey');
      expect(err.path).toBe('test/Signed-Images');
      expect(err.message).toContain('is a private key');
      expect(err.message).toContain('cosign.pub');
      expect(err.message).not.toContain(pemBody(key).slice(0, 24));
      expect(JSON.stringify(err.value)).not.toContain(pemBody(PRIVATE_PEM).slice(0, 24));
    }
  });

  it('fails on a certificate, even one whose body is a valid key', () => {
    // Node cannot issue a certificate without an external tool; the armour is what is refused, before
    // any parsing, so a CERTIFICATE block around a real key body shows the check does not look inside.
    const cert = `-----BEGIN CERTIFICATE-----\n${pemBody(PUBLIC_PEM)}\n-----END CERTIFICATE-----\n`;
    const err = expectValidationError(() => make({ publicKey: cert }));
    expect(err.code).toBe('certificate-not-key');
    expect(err.message).toContain('is a certificate');
    expect(err.fix).toContain('BEGIN PUBLIC KEY');
  });

  it.each([
    ['empty', '', 'missing-public-key'],
    ['blank', '   \n', 'missing-public-key'],
    ['garbage', 'not a key at all', 'invalid-public-key'],
    ['a PKCS#1 RSA public key', RSA_PKCS1_PUBLIC, 'invalid-public-key'],
    ['a damaged body', PUBLIC_PEM.replace(/\n[A-Za-z0-9+/]{10}/, '\n'), 'invalid-public-key'],
    ['two public keys', `${PUBLIC_PEM}${PUBLIC_PEM}`, 'invalid-public-key'],
    ['mismatched armour', PUBLIC_PEM.replace('END PUBLIC KEY', 'END CERTIFICATE'), 'invalid-public-key'],
  ])('fails on a key that is %s', (_what, key, code) => {
    const err = expectValidationError(() => make({ publicKey: key }));
    expect(err.code).toBe(code);
    expect(err.prop).toBe('publicKey');
    expect(err.message).toMatch(/^ImageSignaturePolicy "test\/Signed-Images": publicKey /);
    expect(err.fix).toBeTruthy();
  });

  it('tells how to convert a PKCS#1 RSA key', () => {
    expect(expectValidationError(() => make({ publicKey: RSA_PKCS1_PUBLIC })).fix).toContain('-pubout');
  });

  it('fails on a key that is not a string', () => {
    for (const key of [undefined, null, 42, {}]) {
      expect(expectValidationError(() => make({ publicKey: key as unknown as string })).code).toBe('missing-public-key');
    }
  });

  it.each([
    ['no list', undefined, 'empty-images'],
    ['an empty list', [], 'empty-images'],
    ['an empty glob', [''], 'invalid-image-glob'],
    ['a non-string', [7], 'invalid-image-glob'],
    ['whitespace', ['registry.vendor.example/ sensor/*'], 'invalid-image-glob'],
    ['a trailing newline', ['registry.vendor.example/sensor/*\n'], 'invalid-image-glob'],
    ['an uppercase registry', ['Registry.Vendor.example/sensor/*'], 'invalid-image-glob'],
    ['an uppercase repository', ['registry.vendor.example/Sensor/*'], 'invalid-image-glob'],
    ['a digest', ['registry.vendor.example/sensor@sha256:abc'], 'invalid-image-glob'],
    ['a question mark', ['registry.vendor.example/sensor/?'], 'invalid-image-glob'],
    ['no registry host', ['sensor/*'], 'invalid-image-glob'],
    ['a bare star', ['*'], 'invalid-image-glob'],
    ['everything', ['**'], 'invalid-image-glob'],
    ['an empty segment', ['registry.vendor.example//sensor'], 'invalid-image-glob'],
    ['a duplicate', [IMAGES[0], IMAGES[0]], 'duplicate-image-glob'],
  ])('fails on images with %s', (_what, images, code) => {
    const err = expectValidationError(() => make({ images: images as unknown as string[] }));
    expect(err.code).toBe(code);
    expect(err.prop).toMatch(/^images/);
    expect(err.fix).toBeTruthy();
  });

  it('suggests the lowercase glob and keeps an uppercase tag', () => {
    expect(expectValidationError(() => make({ images: ['registry.vendor.example/Sensor/digger:V1.*'] })).fix)
      .toBe('write "registry.vendor.example/sensor/digger:V1.*"');
    expect(make({ images: ['registry.vendor.example/sensor/digger:V1.*'] }).images).toEqual(['registry.vendor.example/sensor/digger:V1.*']);
  });

  it('fails on a bad engine, mode, name or partOf', () => {
    expect(expectValidationError(() => make({ engine: 'notary' as ImagePolicyEngine })).code).toBe('invalid-engine');
    expect(expectValidationError(() => make({ engine: undefined as unknown as ImagePolicyEngine })).code).toBe('invalid-engine');
    const mode = expectValidationError(() => make({ mode: 'audit' as 'warn' }));
    expect(mode.code).toBe('invalid-mode');
    expect(mode.fix).toBe('use one of enforce, warn');
    expect(expectValidationError(() => make({ name: 'Bad_Name' })).code).toBe('invalid-name');
    expect(expectValidationError(() => make({ partOf: '' })).code).toBe('empty');
    expect(expectValidationError(() => make({}, '!!!')).code).toBe('invalid-name');
  });

  it('fails on missing props with a ValidationError', () => {
    const chart = new Chart(new App(), 'test');
    expect(expectValidationError(() => new ImageSignaturePolicy(chart, 'p', undefined as unknown as ImageSignaturePolicyProps)).code).toBe('missing-props');
  });
});

describe('ImageSignaturePolicy: properties', () => {
  const segment = fc.stringMatching(/^[a-z0-9]([a-z0-9_.-]{0,8}[a-z0-9])?$/);
  const glob = fc.tuple(
    fc.stringMatching(/^[a-z0-9]{1,8}\.[a-z]{2,6}$/),
    fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
    fc.array(fc.oneof(segment, fc.constant('*'), fc.constant('**')), { minLength: 1, maxLength: 3 }),
  ).map(([host, port, path]) => `${host}${port ? `:${port}` : ''}/${path.join('/')}`);

  it('renders every valid glob once, in order, for both engines', () => {
    fc.assert(fc.property(fc.uniqueArray(glob, { minLength: 1, maxLength: 6 }), fc.constantFrom(ImagePolicyEngine.SIGSTORE, ImagePolicyEngine.KYVERNO), (images, engine) => {
      const p = make({ images, engine });
      const spec = (p.apiObject.toJson() as K8sObject).spec;
      const rendered = (engine === ImagePolicyEngine.SIGSTORE ? spec.images : spec.matchImageReferences).map((r: { glob: string }) => r.glob);
      expect(rendered).toEqual(images);
    }), { numRuns: 100 });
  });

  it('refuses any string that is not a PEM public key with a ValidationError, never anything else', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (text) => {
      fc.pre(!text.includes('-----BEGIN PUBLIC KEY-----'));
      expectValidationError(() => make({ publicKey: text }));
    }), { numRuns: 300 });
  });

  it('refuses random glob lists with bad characters with a ValidationError, never anything else', () => {
    fc.assert(fc.property(fc.array(fc.string({ maxLength: 30 }), { maxLength: 4 }), (images) => {
      fc.pre(images.length === 0 || images.some((g) => !/^[a-z0-9._:/*-]+$/.test(g)));
      expectValidationError(() => make({ images }));
    }), { numRuns: 300 });
  });
});
