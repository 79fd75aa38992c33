import { createPublicKey } from 'node:crypto';
import { Construct } from 'constructs';
import { ClusterScopedObject, standardLabels } from '../labels';
import { PropValidator, toDnsLabel } from '../validation';

/** The admission controller that checks image signatures in the cluster. */
export enum ImagePolicyEngine {
  /** Sigstore policy-controller: a `policy.sigstore.dev/v1beta1` `ClusterImagePolicy`. */
  SIGSTORE = 'sigstore',
  /** Kyverno 1.17 or later: a `policies.kyverno.io/v1` `ImageValidatingPolicy`. */
  KYVERNO = 'kyverno',
}

/** What the admission controller does with an image that is not signed with the key. */
export enum ImagePolicyMode {
  /** Reject the pod. */
  ENFORCE = 'enforce',
  /** Admit the pod and return a warning to the client (Kyverno also records it in its reports). */
  WARN = 'warn',
}

/** The namespace label that opts a namespace into Sigstore policy-controller admission. */
export const SIGSTORE_INCLUDE_LABEL = 'policy.sigstore.dev/include';

export interface ImageSignaturePolicyProps {
  /** Which admission controller the cluster runs; it must be installed there. */
  readonly engine: ImagePolicyEngine;
  /**
   * The cosign public key, PEM-encoded (the contents of `cosign.pub`: a `-----BEGIN PUBLIC KEY-----`
   * block). Never the private key.
   */
  readonly publicKey: string;
  /**
   * Globs of the images that must carry a signature from the key, each naming its registry host:
   * `registry.vendor.example/sensor/*` (`*` stops at `/`, `**` crosses it).
   */
  readonly images: string[];
  /**
   * `enforce` rejects a pod with an unsigned image; `warn` admits it with a warning.
   * @default ImagePolicyMode.ENFORCE
   */
  readonly mode?: ImagePolicyMode | 'enforce' | 'warn';
  /**
   * Name of the policy object (a DNS-1123 label).
   * @default - the construct id, lowercased into a DNS-1123 label
   */
  readonly name?: string;
  /** `app.kubernetes.io/part-of`: the family the policy belongs to, e.g. `sensor`. */
  readonly partOf: string;
  /**
   * `app.kubernetes.io/instance`.
   * @default - the name
   */
  readonly instance?: string;
}

/** The Kyverno attestor name the validation expression refers to. */
const KYVERNO_ATTESTOR = 'cosign';
/** The Sigstore authority name. */
const SIGSTORE_AUTHORITY = 'cosign-key';
// The characters the policy-controller accepts in a glob (pkg/apis/glob); Kyverno reads them the same.
const GLOB_CHARS = /^[A-Za-z0-9._:/*-]+$/;
const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END ([A-Z0-9 ]+)-----/g;

/**
 * An admission policy that rejects pods whose images, among the given globs, are not signed with a
 * cosign key. The same props render for either engine:
 *
 * - Sigstore policy-controller: a `ClusterImagePolicy` with one key authority. The controller checks
 *   only namespaces labelled `policy.sigstore.dev/include: "true"` (see `namespaceLabels()`).
 * - Kyverno: an `ImageValidatingPolicy` on pod CREATE and UPDATE whose CEL validation requires every
 *   matching image of the containers, init containers and ephemeral containers to verify against the
 *   key. Kyverno passes only the images that match `matchImageReferences` to the validation, so other
 *   images are left alone.
 *
 * Both are cluster-scoped and carry no namespace.
 */
export class ImageSignaturePolicy extends Construct {
  /** The labels a namespace needs for the Sigstore policy-controller to check its pods. */
  public static readonly SIGSTORE_NAMESPACE_LABELS: Readonly<Record<string, string>> = Object.freeze({ [SIGSTORE_INCLUDE_LABEL]: 'true' });

  /** The admission engine the policy is rendered for: Sigstore policy-controller or Kyverno. */
  public readonly engine: ImagePolicyEngine;
  /**
   * What happens to a pod with an unsigned image: rejected (`enforce`, the default) or admitted with a warning.
   */
  public readonly mode: ImagePolicyMode;
  /** Name of the cluster-scoped policy object: `name`, else the construct id as a DNS label. */
  public readonly name: string;
  /** The public key as rendered: PEM with `\n` line ends and one trailing newline. */
  public readonly publicKey: string;
  /** The image globs, in the order given. */
  public readonly images: readonly string[];
  /** The standard `app.kubernetes.io/*` labels on the policy object (component `image-policy`). */
  public readonly labels: Record<string, string>;
  /** The policy object. */
  public readonly apiObject: ClusterScopedObject;

  constructor(scope: Construct, id: string, props: ImageSignaturePolicyProps) {
    super(scope, id);
    const v = new PropValidator('ImageSignaturePolicy', this.node.path);
    if (props === null || typeof props !== 'object') v.fail('missing-props', 'props', props, 'is not an object', 'give { engine, publicKey, images, partOf }');
    this.engine = v.oneOf('invalid-engine', 'engine', props.engine, ImagePolicyEngine, 'an image policy engine');
    this.mode = v.oneOf('invalid-mode', 'mode', (props.mode ?? ImagePolicyMode.ENFORCE) as ImagePolicyMode, ImagePolicyMode, 'an image policy mode');
    this.name = v.dnsLabel('name', props.name ?? (toDnsLabel(id) || id));
    this.publicKey = checkPublicKey(v, props.publicKey);
    this.images = checkGlobs(v, props.images);
    this.labels = standardLabels({
      name: v.labelValue('name', this.name),
      instance: v.labelValue('instance', props.instance ?? this.name),
      component: 'image-policy',
      partOf: v.labelValue('partOf', v.nonEmpty('partOf', props.partOf)),
    });
    this.apiObject = this.engine === ImagePolicyEngine.SIGSTORE ? this.renderSigstore() : this.renderKyverno();
    this.node.defaultChild = this.apiObject;
  }

  /**
   * The labels the namespaces of the checked pods need for this engine to see them:
   * `policy.sigstore.dev/include: "true"` for Sigstore, none for Kyverno.
   */
  public namespaceLabels(): Record<string, string> {
    return this.engine === ImagePolicyEngine.SIGSTORE ? { ...ImageSignaturePolicy.SIGSTORE_NAMESPACE_LABELS } : {};
  }

  private renderSigstore(): ClusterScopedObject {
    return new ClusterScopedObject(this, 'resource', {
      apiVersion: 'policy.sigstore.dev/v1beta1',
      kind: 'ClusterImagePolicy',
      metadata: { name: this.name, labels: this.labels },
      spec: {
        images: this.images.map((glob) => ({ glob })),
        authorities: [{ name: SIGSTORE_AUTHORITY, key: { data: this.publicKey } }],
        mode: this.mode,
      },
    });
  }

  private renderKyverno(): ClusterScopedObject {
    const images = '(images.containers + images.initContainers + images.ephemeralContainers)';
    return new ClusterScopedObject(this, 'resource', {
      apiVersion: 'policies.kyverno.io/v1',
      kind: 'ImageValidatingPolicy',
      metadata: { name: this.name, labels: this.labels },
      spec: {
        // "Deny" and "Warn" may not be combined; warn mode records the failure and warns the client.
        validationActions: this.mode === ImagePolicyMode.ENFORCE ? ['Deny'] : ['Audit', 'Warn'],
        matchConstraints: {
          resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods'] }],
        },
        matchImageReferences: this.images.map((glob) => ({ glob })),
        attestors: [{ name: KYVERNO_ATTESTOR, cosign: { key: { data: this.publicKey } } }],
        validations: [{
          expression: `${images}.map(image, verifyImageSignatures(image, [attestors.${KYVERNO_ATTESTOR}])).all(e, e > 0)`,
          message: `every image matching ${this.images.join(', ')} must be signed with the cosign key of image policy ${this.name}`,
        }],
      },
    });
  }
}

/** Accepts exactly one PEM "PUBLIC KEY" block that node:crypto parses; returns it normalised. */
function checkPublicKey(v: PropValidator, value: unknown): string {
  const fixPub = 'pass the public half, e.g. the contents of cosign.pub ("-----BEGIN PUBLIC KEY-----"), or print it with `cosign public-key --key cosign.key`';
  if (typeof value !== 'string' || value.trim() === '') {
    v.fail('missing-public-key', 'publicKey', typeof value === 'string' ? value : value === undefined ? undefined : `(a ${typeof value})`, 'is empty', fixPub);
  }
  // A private key is refused without being echoed, whatever else the text holds.
  if (/PRIVATE KEY/.test(value)) {
    v.fail('private-key', 'publicKey', '(a private key, not shown)', 'is a private key, which must never be put in a manifest', `${fixPub}; and rotate the key if this one was committed anywhere`);
  }
  const text = value.replace(/\r\n/g, '\n').trim();
  const blocks = [...text.matchAll(PEM_BLOCK)];
  const labels = blocks.map((b) => b[1]);
  if (labels.includes('CERTIFICATE')) {
    v.fail('certificate-not-key', 'publicKey', '(a PEM certificate)', 'is a certificate, not a cosign public key', fixPub);
  }
  if (blocks.length !== 1 || labels[0] !== 'PUBLIC KEY' || blocks[0][3] !== 'PUBLIC KEY') {
    const what = blocks.length === 0 ? 'has no PEM block' : blocks.length > 1 ? `has ${blocks.length} PEM blocks` : `is a PEM "${labels[0]}" block`;
    const fix = labels[0] === 'RSA PUBLIC KEY' ? 'convert it with `openssl rsa -RSAPublicKey_in -in key.pem -pubout`' : fixPub;
    v.fail('invalid-public-key', 'publicKey', describeBlocks(labels), `${what}; a cosign public key is one "-----BEGIN PUBLIC KEY-----" block`, fix);
  }
  const pem = blocks[0][0];
  try {
    createPublicKey({ key: pem, format: 'pem' });
  } catch {
    v.fail('invalid-public-key', 'publicKey', describeBlocks(labels), 'does not parse as a public key (the base64 body is damaged or incomplete)', fixPub);
  }
  return `${pem}\n`;
}

/**
 * What the value holds, by its PEM labels only: the text itself is never echoed, since a key body
 * without armour (or text around a block) may be a private key.
 */
function describeBlocks(labels: readonly string[]): string {
  return labels.length === 0 ? '(text without a PEM block, not shown)' : `(PEM ${labels.map((l) => `"${l}"`).join(', ')}; content not shown)`;
}

function checkGlobs(v: PropValidator, value: unknown): string[] {
  const example = 'registry.vendor.example/sensor/*';
  if (!Array.isArray(value) || value.length === 0) {
    v.fail('empty-images', 'images', value, 'lists no image glob', `give the vendor's images, e.g. ["${example}"]`);
  }
  const seen = new Set<string>();
  return value.map((glob: unknown, i) => {
    const prop = `images[${i}]`;
    if (typeof glob !== 'string' || glob === '') v.fail('invalid-image-glob', prop, glob, 'is empty', `use e.g. "${example}"`);
    if (/\s/.test(glob)) v.fail('invalid-image-glob', prop, glob, 'contains whitespace', `write "${glob.replace(/\s+/g, '')}"`);
    if (!GLOB_CHARS.test(glob)) {
      v.fail('invalid-image-glob', prop, glob, 'has a character the engines do not accept in a glob (allowed: letters, digits, ".", "_", "-", ":", "/" and "*"; no digests, "?" or brackets)', `use e.g. "${example}"`);
    }
    if (glob.startsWith('/') || glob.endsWith('/') || glob.includes('//')) {
      v.fail('invalid-image-glob', prop, glob, 'has an empty path segment', `use e.g. "${example}"`);
    }
    const segments = glob.split('/');
    const host = segments[0];
    if (segments.length < 2 || !(host.includes('.') || host.includes(':') || host === 'localhost')) {
      // Sigstore reads "*" as index.docker.io/library/* while Kyverno reads it as every image: only a
      // registry host means the same to both.
      v.fail('invalid-image-glob', prop, glob, 'does not start with a registry host, so the two engines would read it differently', `name the registry, e.g. "${example}" or "index.docker.io/${glob}"`);
    }
    // Repository paths are lowercase (OCI distribution); a tag, after the last segment's ":", may not be.
    const last = segments[segments.length - 1];
    const colon = last.indexOf(':');
    const repository = [...segments.slice(0, -1), colon >= 0 ? last.slice(0, colon) : last].join('/');
    if (repository !== repository.toLowerCase()) {
      const fixed = `${repository.toLowerCase()}${colon >= 0 ? last.slice(colon) : ''}`;
      v.fail('invalid-image-glob', prop, glob, 'has uppercase letters in the registry or repository, which image references never match', `write "${fixed}"`);
    }
    if (seen.has(glob)) v.fail('duplicate-image-glob', prop, glob, 'is listed twice', 'list each glob once');
    seen.add(glob);
    return glob;
  });
}
