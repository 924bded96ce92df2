import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import react from '@vitejs/plugin-react'
import type { Plugin } from 'vite'
import { RENDERER_CSP, RENDERER_DEV_CSP } from './src/shared/csp'

/**
 * index.html carries the production CSP; the dev server swaps in the looser dev policy (Vite's
 * inline React Refresh preamble, injected styles, HMR socket). Builds keep index.html as written.
 */
function devContentSecurityPolicy(): Plugin {
  return {
    name: 'upshot:dev-csp',
    apply: 'serve',
    transformIndexHtml(html) {
      if (!html.includes(RENDERER_CSP)) {
        throw new Error(
          'src/renderer/index.html no longer carries RENDERER_CSP from src/shared/csp.ts',
        )
      }
      return html.replace(RENDERER_CSP, RENDERER_DEV_CSP)
    },
  }
}

export default defineConfig({
  main: {
    build: {
      // The main process is the window's only: the app's core (sharp, better-sqlite3, the AWS SDK)
      // runs in its own Node process (scripts/build-core.mjs). What main uses (electron-store) is
      // a devDependency and so bundled: the asar needs no node_modules at all.
      externalizeDeps: true,
    },
  },
  preload: {
    build: {
      // A sandboxed preload runs without Node's module loader: it may only `require('electron')`,
      // so everything else is bundled into one file...
      externalizeDeps: false,
      rolldownOptions: {
        // ...and it cannot be an ES module, whatever package.json's "type" says.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(import.meta.dirname, 'src/renderer'),
    build: {
      rolldownOptions: { input: resolve(import.meta.dirname, 'src/renderer/index.html') },
    },
    plugins: [react(), devContentSecurityPolicy()],
  },
})
