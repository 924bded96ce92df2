// Electron's process is the window only: its built bundle imports nothing but Electron and Node's
// own modules (sharp's libvips and Electron's GLib crash together in one process on Linux, and
// better-sqlite3 would need a build for Electron's ABI), and ESLint refuses code that would bring
// them in. The core runs them in its own process.

import fs from 'node:fs'
import path from 'node:path'
import { ESLint } from 'eslint'
import { beforeAll, describe, expect, it } from 'vitest'
import { ensureBuilt, OUT, ROOT } from './helpers/build'

beforeAll(() => ensureBuilt(), 300_000)

/** Every module specifier a built file imports or requires (outside comments). */
function specifiers(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '')
  const found = new Set<string>()
  for (const re of [
    /\bfrom\s*["']([^"']+)["']/g,
    /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g,
    /\brequire\s*\(\s*["']([^"']+)["']\s*\)/g,
    /^\s*import\s*["']([^"']+)["']/gm,
  ]) {
    for (const m of code.matchAll(re)) found.add(m[1]!)
  }
  return [...found]
}

describe('the Electron side of the process boundary', () => {
  it('the built main and preload bundles import only Electron and Node’s own modules', () => {
    for (const dir of ['main', 'preload']) {
      const files = fs.readdirSync(path.join(OUT, dir)).filter((f) => /\.[cm]?js$/.test(f))
      expect(files.length, dir).toBeGreaterThan(0)
      for (const file of files) {
        const code = fs.readFileSync(path.join(OUT, dir, file), 'utf8')
        const foreign = specifiers(code).filter(
          (s) => s !== 'electron' && !s.startsWith('node:') && !s.startsWith('./'),
        )
        // Strings inside code generators (ajv's) are not imports: only real specifiers count.
        expect(
          foreign.filter((s) => !s.startsWith('ajv')),
          `${dir}/${file}`,
        ).toEqual([])
        expect(code, `${dir}/${file}`).not.toMatch(/["'](sharp|better-sqlite3)["']/)
      }
    }
  })

  it('ESLint refuses sharp, better-sqlite3 and the core’s code in src/main; types may cross', async () => {
    const eslint = new ESLint({ cwd: ROOT })
    const probe = [
      "import sharp from 'sharp'",
      "import Database from 'better-sqlite3'",
      "import { AppService } from '../core/app-service'",
      "import { createEngine } from '../engine'",
      "import type { AppPorts } from '../core/app-service'",
      "import type { Engine } from '../engine'",
      "import { defaultDataDir } from '../engine/paths'",
      'export const all = [sharp, Database, AppService, createEngine, defaultDataDir]',
      'export type Both = AppPorts | Engine',
      '',
    ].join('\n')
    const [result] = await eslint.lintText(probe, {
      filePath: path.join(ROOT, 'src/main/boundary-probe.ts'),
    })
    const refused = result!.messages
      .filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports')
      .map((m) => m.line)
    expect(refused).toEqual([1, 2, 3, 4])
  })

  it('has no Electron build of a native module to download or ship any more', () => {
    expect(fs.existsSync(path.join(ROOT, 'scripts', 'electron-native.mjs'))).toBe(false)
    expect(fs.existsSync(path.join(ROOT, 'src', 'main', 'native.ts'))).toBe(false)
    expect(fs.existsSync(path.join(ROOT, '.native'))).toBe(false)
    const pkg = fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')
    expect(pkg).not.toMatch(/electron-native|\.native/)
  })
})
