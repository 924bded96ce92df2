// The settings document (src/core/settings-model.ts): defaults, migrations, validation, and the
// rules for credentials — stored encrypted, never in the view the renderer gets.

import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  DEFAULT_PREFERENCES,
  migrateSettings,
  SETTINGS_VERSION,
  Settings,
  type SecretBox,
} from '../../src/core/settings-model'
import type { DestinationInput } from '../../src/shared/api'
import { DEFAULT_WATERMARK, type CustomPresetSettings } from '../../src/shared/presets'
import { aesBox, jsonFileStorage } from './helpers/test-keychain'

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-settings-'))
afterAll(() => fs.rmSync(work, { recursive: true, force: true }))

let n = 0
function open(box: SecretBox = aesBox(), seed?: unknown): { settings: Settings; file: string } {
  const file = path.join(work, `settings-${n++}.json`)
  if (seed !== undefined) fs.writeFileSync(file, JSON.stringify({ settings: seed }))
  const settings = new Settings(jsonFileStorage(file), box, '/data/uploads')
  return { settings, file }
}

const R2: DestinationInput = {
  name: 'Photos on R2',
  kind: 'r2',
  bucket: 'photos',
  region: '',
  endpoint: '',
  accountId: '0123456789abcdef0123456789abcdef',
  dir: '',
  prefix: '/blog/2026/',
  publicUrl: 'https://img.example.com/',
  pathStyle: false,
  checksum: 'WHEN_SUPPORTED',
  credentials: { accessKeyId: 'R2KEYID', secretAccessKey: 'r2-very-secret-value' },
}

describe('settings', () => {
  it('starts from defaults, with the built-in folder as the destination', () => {
    const { settings } = open()
    const view = settings.view()
    expect(view.preferences).toEqual(DEFAULT_PREFERENCES)
    expect(view.destinations).toEqual([])
    expect(settings.resolve()).toEqual({
      config: { kind: 'local', dir: '/data/uploads', prefix: '' },
      name: 'Local folder',
      savedId: null,
    })
  })

  it('migrates an old or hand-edited file field by field and refuses one from the future', () => {
    // Version 0 (no version): the defaults.
    expect(migrateSettings({ theme: 'dark' }).preferences).toEqual(DEFAULT_PREFERENCES)
    // One bad value does not throw the rest away.
    const doc = migrateSettings({
      version: SETTINGS_VERSION,
      destinations: [
        { id: 'a', name: 'ok', kind: 'local', dir: '/srv' },
        { id: 'b', kind: 'ftp' },
      ],
      defaultDestinationId: 'b',
      preferences: { theme: 'dark', concurrency: 999, linkFormat: 'bbcode' },
      credentials: {},
    })
    expect(doc.preferences.theme).toBe('dark')
    expect(doc.preferences.linkFormat).toBe('bbcode')
    expect(doc.preferences.concurrency).toBe(DEFAULT_PREFERENCES.concurrency)
    expect(doc.destinations.map((d) => d.id)).toEqual(['a'])
    expect(doc.defaultDestinationId).toBeNull()
    expect(() => migrateSettings({ version: SETTINGS_VERSION + 1 })).toThrow(/newer Upshot/)
  })

  it('stores keys encrypted, shows only that they are set, and gives the engine an R2 config', () => {
    const { settings, file } = open()
    const view = settings.saveDestination(R2)
    const [dest] = view.destinations
    expect(dest).toMatchObject({ name: 'Photos on R2', prefix: 'blog/2026', hasCredentials: true })
    expect(view.defaultDestinationId).toBe(dest!.id)
    expect(JSON.stringify(view)).not.toContain('r2-very-secret-value')
    expect(JSON.stringify(view)).not.toContain('R2KEYID')
    const text = fs.readFileSync(file, 'utf8')
    expect(text).not.toContain('r2-very-secret-value')
    expect(text).not.toContain('R2KEYID')
    expect(settings.resolve().config).toEqual({
      kind: 's3',
      endpoint: 'https://0123456789abcdef0123456789abcdef.r2.cloudflarestorage.com',
      region: 'auto',
      bucket: 'photos',
      prefix: 'blog/2026',
      pathStyle: true,
      checksum: 'WHEN_REQUIRED',
      publicUrl: 'https://img.example.com',
      credentials: { accessKeyId: 'R2KEYID', secretAccessKey: 'r2-very-secret-value' },
    })

    // Editing without retyping keeps them; null forgets them.
    const { credentials: _c, ...withoutKeys } = R2
    settings.saveDestination({ ...withoutKeys, id: dest!.id, name: 'Renamed' })
    expect(settings.view().destinations[0]).toMatchObject({ name: 'Renamed', hasCredentials: true })
    settings.saveDestination({ ...withoutKeys, id: dest!.id, credentials: null })
    expect(settings.view().destinations[0]!.hasCredentials).toBe(false)
    expect(settings.resolve().config).not.toHaveProperty('credentials')
  })

  it('refuses to store keys where the system cannot encrypt them', () => {
    const plain: SecretBox = {
      available: () => false,
      encrypt: () => {
        throw new Error('no')
      },
      decrypt: () => {
        throw new Error('no')
      },
    }
    const { settings, file } = open(plain)
    expect(() => settings.saveDestination(R2)).toThrow(/cannot encrypt/)
    expect(fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '').not.toContain('r2-very-secret')
    const { credentials: _c, ...withoutKeys } = R2
    expect(settings.saveDestination(withoutKeys).canStoreSecrets).toBe(false)
  })

  it('resolves every provider through the same presets as `upshot dest`', () => {
    const { settings } = open()
    const add = (input: Partial<DestinationInput>): string => {
      const view = settings.saveDestination({ ...R2, credentials: null, ...input })
      return view.destinations.find((d) => d.name === input.name)!.id
    }
    const minio = add({
      name: 'NAS',
      kind: 'minio',
      endpoint: 'http://nas.lan:9000',
      publicUrl: '',
    })
    expect(settings.resolve(minio).config).toMatchObject({
      endpoint: 'http://nas.lan:9000',
      pathStyle: true,
      region: 'us-east-1',
      checksum: 'WHEN_REQUIRED',
    })
    const spaces = add({ name: 'Spaces', kind: 'spaces', region: 'ams3', cdn: true, publicUrl: '' })
    expect(settings.resolve(spaces).config).toMatchObject({
      endpoint: 'https://ams3.digitaloceanspaces.com',
      publicUrl: 'https://photos.ams3.cdn.digitaloceanspaces.com',
    })
    const eu = add({ name: 'R2 EU', jurisdiction: 'eu', private: true, expiresIn: 900 })
    expect(settings.resolve(eu).config).toMatchObject({
      endpoint: 'https://0123456789abcdef0123456789abcdef.eu.r2.cloudflarestorage.com',
      region: 'auto',
      private: true,
      expiresIn: 900,
    })
    const gcs = add({ name: 'GCS', kind: 'gcs', publicUrl: '' })
    expect(settings.resolve(gcs).config).toMatchObject({
      endpoint: 'https://storage.googleapis.com',
      region: 'auto',
    })
    expect(() => add({ name: 'B2', kind: 'b2', region: '' })).toThrow(/region of the bucket/)
  })

  it('checks what a destination needs, in one sentence', () => {
    const { settings } = open()
    const base = { ...R2, credentials: undefined }
    expect(() => settings.saveDestination({ ...base, bucket: 'Not_A_Bucket' })).toThrow(
      /not a valid bucket name/,
    )
    expect(() => settings.saveDestination({ ...base, accountId: '' })).toThrow(/account ID/)
    expect(() => settings.saveDestination({ ...base, publicUrl: 'ftp://x' })).toThrow(
      /public URL is not valid/,
    )
    expect(() =>
      settings.saveDestination({ ...base, kind: 'local', dir: 'relative/path' }),
    ).toThrow(/absolute folder/)
    settings.saveDestination(base)
    expect(() => settings.saveDestination(base)).toThrow(/exists already/)
  })

  it('keys that no longer decrypt (another machine) ask to be entered again', () => {
    const first = aesBox()
    const { settings, file } = open(first)
    settings.saveDestination(R2)
    const doc = (JSON.parse(fs.readFileSync(file, 'utf8')) as { settings: unknown }).settings
    const { settings: elsewhere } = open(aesBox(), doc)
    expect(() => elsewhere.resolve()).toThrow(/enter them again/)
  })

  it('keeps custom presets with their watermark, checked, and hands them to the engine', () => {
    const { settings, file } = open()
    const blog: CustomPresetSettings = {
      name: 'Blog',
      variants: [
        { name: 'thumb', fit: 'cover', width: 400, height: 300, formats: ['webp'], quality: 75 },
        {
          name: 'large',
          fit: 'inside',
          width: 1600,
          height: null,
          formats: ['avif', 'webp'],
          quality: 70,
        },
      ],
      watermark: { ...DEFAULT_WATERMARK, text: '© Blog' },
    }
    let view = settings.savePreset(blog, null)
    const info = view.presets.find((p) => p.name === 'Blog')!
    expect(info).toMatchObject({ custom: true, definition: blog, watermark: blog.watermark })
    expect(info.variants.map((v) => `${v.name}.${v.format}`)).toEqual([
      'thumb.webp',
      'large.avif',
      'large.webp',
    ])
    const engine = settings.customPresets()[0]!
    expect(engine).toMatchObject({ name: 'Blog', custom: true })
    expect(engine.watermark).toMatchObject({ text: '© Blog', position: 'bottom-right' })

    // One sentence for the first problem; nothing saved.
    const bad: [Partial<CustomPresetSettings>, RegExp][] = [
      [{ name: 'web' }, /built-in preset/],
      [{ name: 'Blog' }, /exists already/],
      [{ name: 'Other', variants: [] }, /at least one variant/],
      [
        { name: 'Other', variants: [{ ...blog.variants[0]!, height: null }] },
        /variant 1: a cropped variant needs a width and a height/,
      ],
      [
        { name: 'Other', variants: [{ ...blog.variants[0]!, formats: [] }] },
        /variant 1 formats: choose at least one format/,
      ],
      [{ name: 'Other', variants: [blog.variants[0]!, blog.variants[0]!] }, /name of its own/],
      [{ name: 'Other', watermark: { ...blog.watermark!, text: ' ' } }, /needs its text/],
      [{ name: 'Other', watermark: { ...blog.watermark!, opacity: 1.5 } }, /watermark opacity/],
      [
        {
          name: 'Other',
          watermark: { ...blog.watermark!, kind: 'image', imagePath: '/no/such.png' },
        },
        /is not there/,
      ],
    ]
    for (const [patch, message] of bad) {
      expect(() => settings.savePreset({ ...blog, ...patch }, null), message.source).toThrow(
        message,
      )
    }
    expect(settings.view().presets.filter((p) => p.custom)).toHaveLength(1)

    // The default preset follows a rename, and falls back to web when its preset goes.
    settings.savePreferences({ preset: 'Blog' })
    view = settings.savePreset({ ...blog, name: 'Journal' }, 'Blog')
    expect(view.preferences.preset).toBe('Journal')
    expect(() => settings.savePreferences({ preset: 'Blog' })).toThrow(/no preset named/)
    // Kept in the file, read back by a new Settings on the same file.
    const doc = (JSON.parse(fs.readFileSync(file, 'utf8')) as { settings: unknown }).settings
    expect(open(aesBox(), doc).settings.view().preferences.preset).toBe('Journal')
    view = settings.removePreset('Journal')
    expect(view.preferences.preset).toBe('web')
    expect(view.presets.some((p) => p.custom)).toBe(false)
  })

  it('drops a custom preset broken by hand, keeping the others', () => {
    const good = {
      name: 'Good',
      variants: [
        {
          name: 'full',
          fit: 'original',
          width: null,
          height: null,
          formats: ['webp'],
          quality: 80,
        },
      ],
      watermark: null,
    }
    const doc = migrateSettings({
      version: SETTINGS_VERSION,
      destinations: [],
      defaultDestinationId: null,
      preferences: { preset: 'Broken' },
      credentials: {},
      presets: [good, { name: 'Broken', variants: 'many' }],
    })
    expect(doc.presets.map((p) => p.name)).toEqual(['Good'])
    expect(doc.preferences.preset).toBe('web')
  })
})
