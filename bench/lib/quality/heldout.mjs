// Held-out photos: real photographs that are not in the tuning corpus, for checking the chosen
// settings. They come from Debian's `plasma-workspace-wallpapers` package (KDE's wallpapers;
// each photo's licence is LGPL-3 per its metadata.json, the package GPL-2+), fetched with
// `apt-get download` into a cache folder on first use and unpacked with `dpkg -x` (nothing is
// installed). Ten photographs of 2560 x 1600 (4.1 MP), each by its photographer named below.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)

export const HELD_OUT_PACKAGE = 'plasma-workspace-wallpapers'
export const HELD_OUT = [
  ['BytheWater', 'Maciej Wiklo'],
  ['ColdRipple', 'Risto Saukonpää'],
  ['ColorfulCups', 'Dmitri Popov'],
  ['DarkestHour', 'Risto Saukonpää'],
  ['EveningGlow', 'Ian Hex'],
  ['FallenLeaf', 'Martin Klapetek'],
  ['Grey', 'Sigi Sagi'],
  ['Kite', 'Risto Saukonpää'],
  ['OneStandsOut', 'Risto Saukonpää'],
  ['Path', 'Risto Saukonpää'],
]

const cacheDir = () =>
  process.env.UPSHOT_BENCH_CACHE ?? path.join(os.homedir(), '.cache', 'upshot-bench')

/** [{ file, width, height, bytes, author, sha256 }], fetching the package once. */
export async function heldOutPhotos(log = () => {}) {
  const dir = path.join(cacheDir(), HELD_OUT_PACKAGE)
  const root = path.join(dir, 'x/usr/share/wallpapers')
  if (!fs.existsSync(root)) {
    fs.mkdirSync(dir, { recursive: true })
    log(`Fetching the held-out photos: apt-get download ${HELD_OUT_PACKAGE} into ${dir}`)
    try {
      execFileSync('apt-get', ['download', HELD_OUT_PACKAGE], { cwd: dir, stdio: 'ignore' })
    } catch {
      throw new Error(
        `could not download ${HELD_OUT_PACKAGE} (run apt-get update, or set UPSHOT_BENCH_CACHE to a folder holding x/usr/share/wallpapers)`,
      )
    }
    const deb = fs.readdirSync(dir).find((n) => n.endsWith('.deb'))
    execFileSync('dpkg', ['-x', path.join(dir, deb), path.join(dir, 'x')])
  }
  const sharp = require('sharp')
  const photos = []
  // UPSHOT_BENCH_HELDOUT=n: only the first n photos (a quick check of the harness itself).
  const limit = Number(process.env.UPSHOT_BENCH_HELDOUT) || HELD_OUT.length
  for (const [name, author] of HELD_OUT.slice(0, limit)) {
    const file = path.join(root, name, 'contents/images/2560x1600.jpg')
    const bytes = fs.readFileSync(file)
    const meta = await sharp(bytes).metadata()
    photos.push({
      file,
      width: meta.width,
      height: meta.height,
      bytes: bytes.length,
      author,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    })
  }
  return photos
}
