/**
 * The console is built into web/dist (static files the service serves at /ui/). Preact's automatic JSX
 * runtime is set here; no plugin is needed for a production build. Each text file also gets a .gz copy
 * (level 9, made once here) that the service sends to browsers accepting gzip.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';

const outDir = join(import.meta.dirname, 'dist');

function gzipCopies(): Plugin {
  return {
    name: 'cowsnap-gzip-copies',
    apply: 'build',
    async closeBundle() {
      const files = await readdir(outDir, { recursive: true });
      for (const file of files.filter((f) => /\.(html|js|css|svg|json)$/.test(f))) {
        const path = join(outDir, file);
        await writeFile(`${path}.gz`, gzipSync(await readFile(path), { level: 9 }));
      }
    },
  };
}

export default defineConfig({
  root: import.meta.dirname,
  base: '/ui/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  plugins: [gzipCopies()],
  logLevel: 'warn',
  build: {
    outDir,
    emptyOutDir: true,
    // Everything is bundled (no CDN); the service serves hashed assets as immutable.
    assetsInlineLimit: 0,
    sourcemap: false,
    chunkSizeWarningLimit: 300,
  },
});
