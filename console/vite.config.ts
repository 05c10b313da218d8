import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The browser console's build (issue 18). Preact's JSX is compiled by the bundler's own JSX
 * transform (automatic runtime), so no framework plugin is needed. The output sits next to
 * the compiled server (`dist/console`), where src/http/routes/console-routes.ts looks for it;
 * `base` matches the path the server serves the hashed assets under.
 */
const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: '/console/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    // One page, one small bundle: no source maps shipped in the package.
    sourcemap: false,
  },
  logLevel: 'warn',
});
