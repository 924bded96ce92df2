// Builds the page alone (out/renderer) for `upshot ui`, from `npm install`'s prepare step: the
// same sources and index.html (with its CSP) that electron-vite builds for the window, without
// building the window's main and preload bundles.
import { build } from 'vite'
import react from '@vitejs/plugin-react'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../src/renderer/', import.meta.url))
await build({
  configFile: false,
  root,
  base: './',
  plugins: [react()],
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../out/renderer/', import.meta.url)),
    emptyOutDir: true,
  },
})
