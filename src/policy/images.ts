/** Images: pinned by digest, never the `latest` tag or no tag. */
import { containersOf, Obj, podSpecsOf, text } from './objects';
import { Manifest, RuleFamily, RuleHit, RuleMeta } from './types';

export const IMAGE_RULES: readonly RuleMeta[] = [
  { id: 'image-digest', title: 'Images should be pinned by a well-formed digest', severity: 'warning', explanation: 'A tag can be moved to other content; a digest names exactly one image. Only a well-formed digest is a pin: sha256 with 64 lower-case hex digits, or sha512 with 128.', fix: 'Append @sha256:<64 hex digits> to the image reference.' },
  { id: 'image-latest-tag', title: 'No latest tag, no missing tag', severity: 'error', explanation: 'The latest tag (or no tag, which means latest) changes under the workload without review.', fix: 'Use a version tag and, better, a digest.' },
];

/** Digest algorithms registered by the OCI image spec, with the length of their lower-case hex encoding. */
const DIGEST = /^(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

/** Whether a digest (`sha256:...`) is well-formed: a registered algorithm and exactly its hex length. */
export function isWellFormedDigest(digest: string): boolean {
  return DIGEST.test(digest);
}

/** Splits an image reference into its tag and digest (either may be undefined). */
export function parseImage(image: string): { tag?: string; digest?: string } {
  const at = image.indexOf('@');
  const digest = at >= 0 ? image.slice(at + 1) : undefined;
  const named = at >= 0 ? image.slice(0, at) : image;
  const lastSlash = named.lastIndexOf('/');
  const colon = named.indexOf(':', lastSlash + 1);
  const tag = colon >= 0 ? named.slice(colon + 1) : undefined;
  return { tag, digest };
}

export const imageFamily: RuleFamily = {
  name: 'image',
  rules: IMAGE_RULES,
  check(obj: Manifest): RuleHit[] {
    const hits: RuleHit[] = [];
    for (const c of podSpecsOf(obj as Obj).flatMap(containersOf)) {
      const image = typeof c.container.image === 'string' ? c.container.image : '';
      const parsed = parseImage(image);
      const tag = parsed.tag;
      const digest = parsed.digest !== undefined && isWellFormedDigest(parsed.digest) ? parsed.digest : undefined;
      const path = `${c.path}.image`;
      if (parsed.digest !== undefined && !digest) hits.push({ rule: 'image-digest', path, message: `container "${text(c.container.name)}" image ${image} has a malformed digest (expected sha256 with 64 or sha512 with 128 lower-case hex digits); it pins nothing` });
      else if (!digest) hits.push({ rule: 'image-digest', path, message: `container "${text(c.container.name)}" image ${image} is not pinned by digest` });
      if (tag === 'latest') hits.push({ rule: 'image-latest-tag', path, message: `container "${text(c.container.name)}" image ${image} uses the latest tag` });
      else if (tag === undefined && !digest) hits.push({ rule: 'image-latest-tag', path, message: `container "${text(c.container.name)}" image ${image} has no tag (means latest)` });
    }
    return hits;
  },
};
