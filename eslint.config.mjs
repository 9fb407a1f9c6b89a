// Type-aware lint: async bugs (floating / misused promises), exhaustive switches, and the layer rules
// from ARCHITECTURE.md (which folder may import which).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';

const layer = (from, allowed) => {
  const all = ['config', 'db', 'ml', 'jobs', 'workers', 'api'];
  const forbidden = all.filter((l) => l !== from && !allowed.includes(l));
  // The evaluation harness (report-only rows) sits apart from what production trains: nothing that runs in
  // production imports it (ARCHITECTURE.md, issue 10). ml/eval/ itself may import the rest of ml/.
  const harness = from === 'ml'
    ? [{ target: './ml/*.ts', from: './ml/eval', message: 'production ml/ may not import the evaluation harness (ml/eval/)' }]
    : allowed.includes('ml') ? [{ target: `./${from}`, from: './ml/eval', message: `${from}/ may not import the evaluation harness (ml/eval/)` }] : [];
  return {
    files: [`${from}/**/*.ts`],
    rules: {
      'import-x/no-restricted-paths': ['error', {
        zones: [...forbidden.map((f) => ({ target: `./${from}`, from: `./${f}`, message: `${from}/ may not import ${f}/ (see ARCHITECTURE.md)` })), ...harness],
      }],
    },
  };
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'reports/**', 'var/**', '*.js', '*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { 'import-x': importX },
    // Resolve TypeScript sources, so the layer rules below see every import (unresolved ones are skipped).
    settings: { 'import-x/resolver-next': [importX.createNodeResolver({ extensions: ['.ts', '.js', '.json'] })] },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import-x/no-cycle': 'error',
    },
  },
  layer('config', []),
  layer('db', ['config']),
  layer('ml', ['config']),
  layer('jobs', ['config', 'db', 'ml']),
  layer('workers', ['config', 'jobs']),
  layer('api', ['config', 'db', 'jobs']),
  {
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/unbound-method': 'off', '@typescript-eslint/no-unsafe-assignment': 'off', '@typescript-eslint/no-unsafe-member-access': 'off' },
  },
);
