// Type-aware lint: async bugs (floating / misused promises), exhaustive switches, and the layer rules
// from ARCHITECTURE.md (which folder may import which).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';

const layer = (from, allowed, extraZones = []) => {
  const all = ['config', 'db', 'ml', 'ingest', 'jobs', 'workers', 'api'];
  const forbidden = all.filter((l) => l !== from && !allowed.includes(l));
  return {
    files: [`${from}/**/*.ts`],
    rules: {
      'import-x/no-restricted-paths': ['error', {
        zones: [
          ...forbidden.map((f) => ({ target: `./${from}`, from: `./${f}`, message: `${from}/ may not import ${f}/ (see ARCHITECTURE.md)` })),
          ...extraZones.map((f) => ({ target: `./${from}`, from: `./${f}`, message: `${from}/ may not import ${f} (see README, Layout)` })),
        ],
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
  // The evaluation harness's report-only rows (ml/eval/) sit apart from what production trains (issue 10).
  layer('ml', ['config'], ['ml/eval']),
  layer('ingest', ['config', 'db']),
  layer('jobs', ['config', 'db', 'ml', 'ingest'], ['ml/eval']),
  // workers own the connections, so they open the MySQL pool (db/knex); everything else they reach through jobs/.
  layer('workers', ['config', 'db', 'jobs']),
  // The API sees the job catalogue and the client (enqueue, status, queue metrics, publish notices), never the
  // handlers or what they run on.
  layer('api', ['config', 'db', 'jobs'], ['jobs/handlers', 'jobs/context.ts']),
  {
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/unbound-method': 'off', '@typescript-eslint/no-unsafe-assignment': 'off', '@typescript-eslint/no-unsafe-member-access': 'off' },
  },
);
