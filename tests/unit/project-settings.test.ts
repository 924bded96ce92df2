// upshot.json: found upward, validated with errors that name the file and the field, and never
// a way for the API's ?project= to read a file that is not a project's settings.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  findProjectFile,
  loadProjectFile,
  projectSettingsAt,
  ProjectSettingsCache,
  resolveLinkFormat,
} from '../../src/core/editors/project-settings'

let base: string

beforeAll(() => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-project-settings-'))
})
afterAll(() => fs.rmSync(base, { recursive: true, force: true }))

function project(dir: string, settings: unknown): string {
  const folder = path.join(base, dir)
  fs.mkdirSync(folder, { recursive: true })
  const file = path.join(folder, 'upshot.json')
  fs.writeFileSync(file, typeof settings === 'string' ? settings : JSON.stringify(settings))
  return file
}

describe('finding upshot.json', () => {
  it('takes the nearest file upward from a note, a folder or a path that does not exist yet', () => {
    const outer = project('blog', { preset: 'jpeg' })
    const inner = project('blog/drafts', { preset: 'png' })
    fs.mkdirSync(path.join(base, 'blog/posts/2024'), { recursive: true })
    fs.writeFileSync(path.join(base, 'blog/posts/2024/a.md'), '')
    expect(findProjectFile(path.join(base, 'blog/posts/2024/a.md'))).toBe(outer)
    expect(findProjectFile(path.join(base, 'blog/posts'))).toBe(outer)
    expect(findProjectFile(path.join(base, 'blog/drafts/new.md'))).toBe(inner)
    const cache = new ProjectSettingsCache()
    expect(cache.for(path.join(base, 'blog/drafts/x.md'), false)?.preset).toBe('png')
    expect(cache.for(path.join(base, 'blog/posts/2024/a.md'))?.preset).toBe('jpeg')
  })
})

describe('validating upshot.json', () => {
  it('accepts every field and trims URLs', () => {
    const file = project('full', {
      $schema: 'https://upshot.dev/upshot.schema.json',
      destination: 's3://media/blog',
      endpoint: 'https://acc.r2.cloudflarestorage.com/',
      region: 'auto',
      pathStyle: false,
      publicUrl: 'https://media.example.com/',
      private: false,
      expires: 3600,
      preset: 'web-avif',
      prefix: '2024',
      format: 'figure',
      templates: { figure: '<figure><img src="{url}"></figure>' },
    })
    const s = loadProjectFile(file)
    expect(s).toMatchObject({
      file,
      endpoint: 'https://acc.r2.cloudflarestorage.com',
      publicUrl: 'https://media.example.com',
      format: 'figure',
    })
  })

  it.each([
    [{ pathStyle: 'yes' }, '"pathStyle" must be true or false.'],
    [{ expires: 'soon' }, '"expires" must be a number.'],
    [{ bucket: 'x' }, '"bucket" is not a setting Upshot knows'],
    [{ endpoint: 'ftp://x' }, '"endpoint" must be an http:// or https:// URL.'],
    [
      { templates: { 'Bad Name': 'x' } },
      'the name "Bad Name" in "templates" must be 1-40 lowercase letters, digits and hyphens.',
    ],
    [{ format: 'nope' }, 'there is no link format named "nope"'],
    [{ format: 'custom' }, '"format" is "custom" but "templates" has no template named custom.'],
    [['an', 'array'], 'must hold one JSON object of settings.'],
    ['{"preset": "web",}', 'is not valid JSON'],
  ])('refuses %j naming the file and the field', (settings, message) => {
    const file = project(`bad-${Math.random().toString(36).slice(2)}`, settings)
    expect(() => loadProjectFile(file)).toThrow(message)
    expect(() => loadProjectFile(file)).toThrow(file)
  })

  it('reads no file larger than a settings file can be', () => {
    const file = project('huge', { prefix: 'x'.repeat(100) + ' '.repeat(70_000) })
    expect(() => loadProjectFile(file)).toThrow(/at most 65536/)
  })
})

describe("projectSettingsAt (the API's ?project=)", () => {
  it('takes a folder or an upshot.json, and refuses any other file', () => {
    const file = project('api', { preset: 'png' })
    expect(projectSettingsAt(path.dirname(file)).preset).toBe('png')
    expect(projectSettingsAt(file).preset).toBe('png')
    const other = path.join(path.dirname(file), 'secrets.json')
    fs.writeFileSync(other, '{"preset": "web"}')
    expect(() => projectSettingsAt(other)).toThrow(/must be a folder or a file named upshot\.json/)
    expect(() => projectSettingsAt(path.join(base, 'nowhere'))).toThrow(/does not exist/)
  })
})

describe('resolveLinkFormat', () => {
  it("takes built-in formats, then the project's templates, and names the choices otherwise", () => {
    expect(resolveLinkFormat('markdown')).toEqual({ format: 'markdown' })
    expect(resolveLinkFormat('fig', { templates: { fig: '{url}' } })).toEqual({
      format: 'custom',
      template: '{url}',
    })
    expect(() => resolveLinkFormat('fog', { templates: { fig: '{url}' } })).toThrow(
      /no link format named "fog"; use one of: .*markdown.*fig/,
    )
  })
})
