// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.data/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The app must never depend on the local host or the emulator.
    files: ['app/**/*.ts', 'functions/**/*.ts', 'orchestrators/**/*.ts', 'activities/**/*.ts', 'adapters/**/*.ts', 'domain/**/*.ts', 'contracts/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['**/devhost/**', '**/ams-emulator/**', '**/clock/**', '**/bench/**', '**/test/**'] }],
    },
  },
  {
    // Only the host loads app/ (the composition root): every other layer takes its settings types from contracts/.
    files: ['functions/**/*.ts', 'orchestrators/**/*.ts', 'activities/**/*.ts', 'adapters/**/*.ts', 'domain/**/*.ts', 'contracts/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['**/app/**', '**/devhost/**', '**/ams-emulator/**', '**/clock/**', '**/bench/**', '**/test/**'] }],
    },
  },
  {
    // Orchestrators are replayed: they must be deterministic and free of I/O (after the app block: this one wins).
    files: ['orchestrators/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['node:*', '**/activities/**', '**/adapters/**', '**/devhost/**', '**/ams-emulator/**', '**/clock/**', '@azure/arm-*', '@azure/identity'] }],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Use context.df.currentUtcDateTime.' },
        { object: 'Math', property: 'random', message: 'Use context.df.newGuid().' },
        { object: 'process', property: 'env', message: 'Pass settings in the input or read them in an activity.' },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: 'AwaitExpression', message: 'Orchestrators yield tasks; they never await.' },
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'Use context.df.currentUtcDateTime.' },
      ],
    },
  },
);
