// Layer boundaries are enforced twice: by tsconfig project references (the compiler
// refuses cross-layer imports) and here, so a stray import fails `npm run lint` too.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['fs', 'fs/*', 'node:*', 'path', 'os', 'child_process', 'worker_threads', 'crypto', 'stream', 'util'];
const natives = ['vscode', 'sharp', 'onnxruntime-node'];
// Module names are matched exactly (so 'sharp' does not catch '../native/sharp'); folder patterns as globs.
const restrict = (entries, message, extraPatterns = []) => {
  const isModule = (e) => natives.includes(e) || nodeBuiltins.includes(e);
  const paths = entries.filter((e) => isModule(e) && !e.includes('*')).map((name) => ({ name, message }));
  const group = entries.filter((e) => !isModule(e) || e.includes('*'));
  const patterns = [...(group.length ? [{ group, message }] : []), ...extraPatterns];
  return { 'no-restricted-imports': ['error', { paths, patterns }] };
};
// The extension and the CLI reach the engine only through its entry surface, src/engine/api/*.ts (a deep import of
// an engine module is refused), so what the engine offers them is one small list that can be read in one place.
const engineEntry = {
  regex: '(^|/)engine/(?!api/)',
  message: 'import the engine through src/engine/api/* (add the export there if it is missing), not its internals.',
};

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', 'demo-data/**', '.bench/**', '.e2e/**', 'test/.fixtures/**', '**/*.mjs', '**/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/switch-exhaustiveness-check': 'off',
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: restrict([...nodeBuiltins, ...natives, '**/engine/**', '**/extension/**', '**/webview/**', '**/cli/**', '**/shared/**'],
      'src/core is pure math on typed arrays: no Node, DOM, vscode or native modules, no other layer.'),
  },
  {
    files: ['src/shared/**/*.ts'],
    rules: restrict([...nodeBuiltins, ...natives, '**/engine/**', '**/extension/**', '**/webview/**', '**/cli/**'],
      'src/shared holds types and pure helpers shared by host and webview.'),
  },
  {
    files: ['src/webview/**/*.ts'],
    rules: restrict([...nodeBuiltins, ...natives, '**/engine/**', '**/extension/**', '**/cli/**'],
      'the webview runs in a browser sandbox: it talks to the host only through src/shared/protocol.ts.'),
  },
  {
    files: ['src/engine/**/*.ts'],
    ignores: ['src/engine/native/sharp.ts', 'src/engine/native/ort.ts'],
    rules: restrict([...natives, '**/extension/**', '**/webview/**', '**/cli/**'],
      'only src/engine/native/sharp.ts imports sharp and only src/engine/native/ort.ts imports onnxruntime-node.'),
  },
  {
    files: ['src/cli/**/*.ts'],
    rules: restrict(['vscode', 'sharp', 'onnxruntime-node', '**/extension/**', '**/webview/**'],
      'the CLI uses the engine, never native modules or VS Code directly.', [engineEntry]),
  },
  {
    files: ['src/extension/**/*.ts'],
    rules: restrict(['sharp', 'onnxruntime-node', '**/webview/**', '**/cli/**'],
      'the extension wires VS Code to the engine; native modules stay behind src/engine/native.', [engineEntry]),
  },
);
