/** Images: pinned by digest, never the `latest` tag or no tag. */
import { containersOf, Obj, podSpecsOf } from './objects';
import { Manifest, RuleFamily, RuleHit, RuleMeta } from './types';

export const IMAGE_RULES: readonly RuleMeta[] = [
  { id: 'image-digest', title: 'Images should be pinned by digest', severity: 'warning', explanation: 'A tag can be moved to other content; a digest names exactly one image.', fix: 'Append @sha256:<digest> to the image reference.' },
  { id: 'image-latest-tag', title: 'No latest tag, no missing tag', severity: 'error', explanation: 'The latest tag (or no tag, which means latest) changes under the workload without review.', fix: 'Use a version tag and, better, a digest.' },
];

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
      const { tag, digest } = parseImage(image);
      const path = `${c.path}.image`;
      if (!digest) hits.push({ rule: 'image-digest', path, message: `container "${c.container.name}" image ${image} is not pinned by digest` });
      if (tag === 'latest') hits.push({ rule: 'image-latest-tag', path, message: `container "${c.container.name}" image ${image} uses the latest tag` });
      else if (tag === undefined && !digest) hits.push({ rule: 'image-latest-tag', path, message: `container "${c.container.name}" image ${image} has no tag (means latest)` });
    }
    return hits;
  },
};
