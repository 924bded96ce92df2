// A saved destination's mirrors in the app's settings (src/core/destination-mirrors.ts through
// src/core/settings-model.ts): other saved destinations only, never itself, no cycles, and a
// mirror cannot be removed from under the destination that names it.

import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { Settings, type SecretBox, type SettingsStorage } from '../../src/core/settings-model'
import type { DestinationInput } from '../../src/shared/api'

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-mirror-settings-'))
afterAll(() => fs.rmSync(work, { recursive: true, force: true }))

let n = 0
/** electron-store's layout, in a JSON file; no keys are saved here, so nothing is sealed. */
const jsonFileStorage = (file: string): SettingsStorage => ({
  load: () =>
    fs.existsSync(file)
      ? (JSON.parse(fs.readFileSync(file, 'utf8')) as { settings?: unknown }).settings
      : undefined,
  save: (doc) => fs.writeFileSync(file, JSON.stringify({ settings: doc })),
})
const noKeys = (): SecretBox => ({
  available: () => false,
  encrypt: () => {
    throw new Error('no keys in these tests')
  },
  decrypt: () => {
    throw new Error('no keys in these tests')
  },
})
function open(): { settings: Settings; file: string } {
  const file = path.join(work, `settings-${n++}.json`)
  return { settings: new Settings(jsonFileStorage(file), noKeys(), '/data/uploads'), file }
}

const folder = (name: string, extra: Partial<DestinationInput> = {}): DestinationInput => ({
  name,
  kind: 'local',
  bucket: '',
  region: '',
  endpoint: '',
  accountId: '',
  dir: path.join(work, name),
  prefix: '',
  publicUrl: '',
  pathStyle: false,
  checksum: 'WHEN_REQUIRED',
  ...extra,
})

/** Saves A, B and C (three folders) and returns their ids by name. */
function threeFolders(settings: Settings): Record<'A' | 'B' | 'C', string> {
  for (const name of ['A', 'B', 'C']) settings.saveDestination(folder(name))
  const ids = Object.fromEntries(settings.view().destinations.map((d) => [d.name, d.id]))
  return ids as Record<'A' | 'B' | 'C', string>
}

const input = (settings: Settings, id: string, mirrors: string[]): DestinationInput => {
  const d = settings.view().destinations.find((x) => x.id === id)!
  return { ...folder(d.name), id, mirrors }
}

describe('destination mirrors in the settings', () => {
  it('saves, keeps and resolves the mirrors a destination names', () => {
    const { settings, file } = open()
    const ids = threeFolders(settings)
    settings.saveDestination(input(settings, ids.A, [ids.B, ids.C, ids.B]))
    expect(settings.view().destinations.find((d) => d.id === ids.A)?.mirrors).toEqual([
      ids.B,
      ids.C,
    ])
    // Saving without the field (an older form) keeps them.
    const { mirrors: _drop, ...withoutMirrors } = input(settings, ids.A, [])
    settings.saveDestination({ ...withoutMirrors, publicUrl: 'https://a.example.com' })
    const again = new Settings(jsonFileStorage(file), noKeys(), '/data/uploads')
    expect(again.view().destinations.find((d) => d.id === ids.A)?.mirrors).toEqual([ids.B, ids.C])
    expect(again.resolveMirrors(ids.A).map((m) => [m.name, m.config.kind, m.savedId])).toEqual([
      ['B', 'local', ids.B],
      ['C', 'local', ids.C],
    ])
    expect(again.resolveMirrors(null)).toEqual([])
  })

  it('refuses a destination as its own mirror', () => {
    const { settings } = open()
    const ids = threeFolders(settings)
    expect(() => settings.saveDestination(input(settings, ids.A, [ids.A]))).toThrow(
      /"A" cannot mirror itself/,
    )
  })

  it('refuses a mirror that is not a saved destination', () => {
    const { settings } = open()
    const ids = threeFolders(settings)
    expect(() => settings.saveDestination(input(settings, ids.A, ['gone-id']))).toThrow(
      /A mirror of "A" is not a saved destination any more/,
    )
  })

  it('refuses a mirror that is the same folder as the destination', () => {
    const { settings } = open()
    const ids = threeFolders(settings)
    settings.saveDestination(folder('Same as A', { dir: path.join(work, 'A') }))
    const same = settings.view().destinations.find((d) => d.name === 'Same as A')!.id
    expect(() => settings.saveDestination(input(settings, ids.A, [same]))).toThrow(
      /"Same as A" is the same bucket or folder as "A"/,
    )
  })

  it('refuses a mirror in the same folder under another prefix (it would hold the same files)', () => {
    const { settings } = open()
    const ids = threeFolders(settings)
    settings.saveDestination(folder('Inside A', { dir: path.join(work, 'A'), prefix: 'backup' }))
    const inside = settings.view().destinations.find((d) => d.name === 'Inside A')!.id
    expect(() => settings.saveDestination(input(settings, ids.A, [inside]))).toThrow(
      /"Inside A" is the same bucket or folder as "A", and a mirror gets the primary's keys, prefix included/,
    )
    expect(settings.view().destinations.find((d) => d.id === ids.A)?.mirrors).toEqual([])
  })

  it('refuses cycles, direct and through other mirrors, and says the path', () => {
    const { settings } = open()
    const ids = threeFolders(settings)
    settings.saveDestination(input(settings, ids.A, [ids.B]))
    expect(() => settings.saveDestination(input(settings, ids.B, [ids.A]))).toThrow(
      /"A" cannot be a mirror of "B": it mirrors it already \("B" → "A" → "B"\)/,
    )
    settings.saveDestination(input(settings, ids.B, [ids.C]))
    expect(() => settings.saveDestination(input(settings, ids.C, [ids.A]))).toThrow(
      /"A" cannot be a mirror of "C": it mirrors it already \("C" → "A" → "B" → "C"\)/,
    )
    // Nothing was written by the refused saves.
    expect(settings.view().destinations.find((d) => d.id === ids.C)?.mirrors).toEqual([])
  })

  it('refuses to delete a destination that is a mirror, until no one names it', () => {
    const { settings } = open()
    const ids = threeFolders(settings)
    settings.saveDestination(input(settings, ids.A, [ids.C]))
    settings.saveDestination(input(settings, ids.B, [ids.C]))
    expect(() => settings.removeDestination(ids.C)).toThrow(
      /"C" is a mirror of "A", "B"; remove it from their mirrors first/,
    )
    expect(settings.view().destinations.map((d) => d.name)).toEqual(['A', 'B', 'C'])
    settings.saveDestination(input(settings, ids.A, []))
    settings.saveDestination(input(settings, ids.B, []))
    settings.removeDestination(ids.C)
    expect(settings.view().destinations.map((d) => d.name)).toEqual(['A', 'B'])
  })

  it('renaming a mirror keeps it a mirror (mirrors are kept by id)', () => {
    const { settings } = open()
    const ids = threeFolders(settings)
    settings.saveDestination(input(settings, ids.A, [ids.B]))
    settings.saveDestination({ ...folder('B'), id: ids.B, name: 'Backup' })
    expect(settings.resolveMirrors(ids.A).map((m) => m.name)).toEqual(['Backup'])
  })

  it('a hand-edited file loses mirrors that are unknown or the destination itself', () => {
    const { settings, file } = open()
    const ids = threeFolders(settings)
    const doc = JSON.parse(fs.readFileSync(file, 'utf8')) as {
      settings: { destinations: { id: string; mirrors: string[] }[] }
    }
    doc.settings.destinations[0]!.mirrors = [ids.A, 'nobody', ids.B]
    fs.writeFileSync(file, JSON.stringify(doc))
    const reopened = new Settings(jsonFileStorage(file), noKeys(), '/data/uploads')
    expect(reopened.view().destinations.find((d) => d.id === ids.A)?.mirrors).toEqual([ids.B])
  })
})
