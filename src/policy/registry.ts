/**
 * The rule families the checker runs. To add a family, write it in its own file in src/policy/ and
 * append it here: Kubernetes families to KUBERNETES_FAMILIES, Terraform JSON families (aws-*,
 * gcp-*: pure functions from a Terraform JSON document to Finding[]) to TERRAFORM_FAMILIES.
 */
import { awsIamFamily } from './aws-iam';
import { gcpIamFamily } from './gcp-iam';
import { imageFamily } from './images';
import { networkFamily } from './network';
import { pssFamily } from './pss';
import { rbacFamily } from './rbac';
import { secretFamily } from './secrets';
import { RuleFamily, TerraformRuleFamily } from './types';

export const KUBERNETES_FAMILIES: readonly RuleFamily[] = [pssFamily, rbacFamily, networkFamily, secretFamily, imageFamily];

/** gcp-unknown-permission runs only when the checker is given a permissions list (CheckOptions.gcpPermissions). */
export const TERRAFORM_FAMILIES: readonly TerraformRuleFamily[] = [awsIamFamily, gcpIamFamily()];
