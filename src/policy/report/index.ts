// The privilege report and diff (`secure-agents report`, `secure-agents diff`): plain functions over
// parsed manifests and Terraform JSON, no framework imports.
export * from './types';
export { buildReport, podOf, ReportOptions } from './build';
export { RbacResolver, GrantedRule, resolverFromObjects, classify, groupPermissions } from './rbac';
export { privilegeItems, PrivilegeItem, Section } from './items';
export { diffReports, needsReason, PrivilegeDiff, WorkloadDiff } from './diff';
export { reportMarkdown, workloadMarkdown, diffMarkdown } from './markdown';
export { reportHtml, diagramSvg } from './html';
