import tseslint from 'typescript-eslint';

const providerRoots = ['@cdktf/provider-aws', '@cdktf/provider-google'];
const frameworks = ['cdk8s', 'cdk8s-plus-28', 'constructs', 'cdktf', '@cdktf/*'];

export default tseslint.config(
  { ignores: ['lib/**', 'dist/**', 'node_modules/**', 'coverage/**', 'cdktf.out/**', '.tmp/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      // A provider's root index loads every resource binding (1.8 s, 555 MB); import submodules only.
      'no-restricted-imports': ['error', {
        paths: providerRoots.map((name) => ({
          name,
          message: `import a submodule instead, e.g. '${name}/lib/<resource>'`,
        })),
      }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // Tests and benches read manifests, which are untyped JSON.
    files: ['test/**/*.ts', 'bench/**/*.ts', 'examples/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['src/policy/**/*.ts'],
    rules: {
      // The checker runs over any YAML, in the CLI too: no framework may be loaded for it.
      'no-restricted-imports': ['error', {
        paths: providerRoots.map((name) => ({ name, message: 'policy/ imports no framework' })),
        patterns: [{ group: frameworks, message: 'policy/ imports no framework (DESIGN.md)' }],
      }],
    },
  },
);
