import { Testing } from 'cdktf';
import { TerraformStack } from 'cdktf';

export const TEST_PARTITION = 'aws';
export const TEST_ACCOUNT = '111122223333';

/** Synthesises one stack to Terraform JSON (as an object). */
export function synthStack<T extends TerraformStack>(make: (app: ReturnType<typeof Testing.app>) => T): { stack: T; json: any } {
  const app = Testing.app();
  const stack = make(app);
  return { stack, json: JSON.parse(Testing.synth(stack)) };
}

/** Replaces the partition and account expressions with concrete test values and parses the document. */
export function resolvePolicy(text: string, region = 'eu-west-1'): any {
  return JSON.parse(text
    .replace(/\$\{data\.aws_partition\.current\.partition\}/g, TEST_PARTITION)
    .replace(/\$\{data\.aws_caller_identity\.current\.account_id\}/g, TEST_ACCOUNT)
    .replace(/\$\{data\.aws_region\.current\.(name|region)\}/g, region));
}
