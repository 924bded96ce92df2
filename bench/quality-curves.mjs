// `node bench/quality-curves.mjs [--set tuning|heldout] [--variants thumb,full] [--fresh]`:
// bytes, perceived difference and CPU time of each variant of each photo at a range of encoder
// settings, plus ImageMagick's and vipsthumbnail's outputs at quality 80, into
// docs/quality/curves-<set>.json; then draws the plots (docs/quality/*.svg). Resumable: records
// already in the file are kept unless --fresh. Slow (butteraugli): about 20-40 CPU minutes for
// the tuning set.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { selectPhotos } from './lib/fixtures.mjs'
import { encodeTrial, variantSize, WEB_VARIANTS } from './lib/quality/encode.mjs'
import { FAMILIES, qualitiesOf } from './lib/quality/families.mjs'
import { heldOutPhotos } from './lib/quality/heldout.mjs'
import { butteraugli, dssim } from './lib/quality/metrics.mjs'
import { imagemagickVariants, vipsVariants, webpImageBytes } from './lib/quality/peers.mjs'
import { drawCurves } from './lib/quality/plots.mjs'
import { beforeSettings, productSettings, trialSettings } from './lib/quality/product.mjs'
import { decodeRgb, referenceFor } from './lib/quality/reference.mjs'
import { ROOT } from './lib/upshot.mjs'

const { values: args } = parseArgs({
  options: {
    set: { type: 'string', default: 'tuning' },
    variants: { type: 'string' },
    families: { type: 'string' },
    fresh: { type: 'boolean', default: false },
    'plots-only': { type: 'boolean', default: false },
    // Runs that measure different variants at once write separate parts; the plots read them all.
    part: { type: 'string' },
    // A tuning subset: the first n photos (the large variants are slow to judge).
    photos: { type: 'string' },
  },
})
const log = (m) => process.stderr.write(`${m}\n`)
const dataDir = path.join(ROOT, 'docs/quality/data')
const outFile = path.join(dataDir, `curves-${args.set}${args.part ? `.${args.part}` : ''}.json`)
const wantVariants = args.variants ? args.variants.split(',') : WEB_VARIANTS.map((v) => v.name)
const wantFamilies = args.families ? args.families.split(',') : null

const state =
  !args.fresh && fs.existsSync(outFile)
    ? JSON.parse(fs.readFileSync(outFile, 'utf8'))
    : { set: args.set, records: [] }
const done = new Set(state.records.map((r) => r.key))
const save = () => {
  fs.mkdirSync(path.dirname(outFile), { recursive: true })
  fs.writeFileSync(outFile, JSON.stringify(state, null, 0).replace(/\},\{/g, '},\n{'))
}

if (!args['plots-only']) {
  const photos =
    args.set === 'heldout'
      ? await heldOutPhotos(log)
      : await selectPhotos(path.join(ROOT, 'tests/fixtures/corpus'))
  if (args.photos) photos.splice(Number(args.photos))
  state.photos = photos.map((p) => ({
    name: path.basename(p.file),
    width: p.width,
    height: p.height,
  }))
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-curves-'))
  try {
    for (const photo of photos) {
      const name = path.basename(photo.file)
      const input = fs.readFileSync(photo.file)
      const src = await decodeRgb(input)
      const refs = new Map()
      const judge = async (variant, key, data, extra) => {
        const out = await decodeRgb(data)
        const refKey = `${variant.name}:${out.width}x${out.height}:${extra.tool ?? 'upshot'}`
        if (!refs.has(refKey)) refs.set(refKey, await referenceFor(src, out, variant.fit))
        const ref = refs.get(refKey)
        const rec = {
          key,
          at: Date.now(),
          photo: name,
          variant: variant.name,
          ...extra,
          bytes: webpImageBytes(data),
          width: out.width,
          height: out.height,
          butteraugli: await butteraugli(ref, out),
          dssim: dssim(ref, out),
        }
        state.records.push(rec)
        done.add(key)
        return rec
      }
      for (const [tool, make] of [
        ['imagemagick', imagemagickVariants],
        ['vipsthumbnail', vipsVariants],
      ]) {
        const todo = wantVariants.filter((v) => !done.has(`${name}|${v}|${tool}`))
        if (todo.length === 0) continue
        const dir = path.join(scratch, tool)
        const made = await make(photo.file, dir)
        for (const vName of todo) {
          const v = WEB_VARIANTS.find((x) => x.name === vName)
          const r = await judge(v, `${name}|${vName}|${tool}`, fs.readFileSync(made.files[vName]), {
            tool,
            family: tool,
            quality: 80,
            cpuSeconds: made.cpuSeconds / 4,
          })
          log(`${name} ${vName} ${tool}: ${r.bytes} B, ba ${r.butteraugli.toFixed(2)}`)
        }
        fs.rmSync(dir, { recursive: true, force: true })
        save()
      }
      // Upshot's own settings (now and before), one point each: re-measured when they change.
      const product = await productSettings()
      const avifPreset = product.getPreset('web-avif')
      for (const v of WEB_VARIANTS.filter((x) => wantVariants.includes(x.name))) {
        const { width, height } = variantSize(v, src.width, src.height)
        const px = width * height
        const points = [
          ['upshot-before', beforeSettings('webp', 80, px)],
          ['upshot-web', trialSettings(product.encoderSettings('webp', 80, px))],
          [
            'upshot-avif',
            trialSettings(
              product.encoderSettings(
                'avif',
                avifPreset.variants.find((x) => x.name === v.name).quality,
                px,
              ),
            ),
          ],
        ]
        for (const [id, settings] of points) {
          const key = `${name}|${v.name}|${id}|${JSON.stringify(settings)}`
          if (done.has(key)) continue
          state.records = state.records.filter(
            (r) => !(r.photo === name && r.variant === v.name && r.family === id),
          )
          const { data, cpuSeconds } = await encodeTrial(input, src, v, settings)
          const r = await judge(v, key, data, {
            tool: 'sharp',
            family: id,
            point: true,
            settings,
            quality: settings.quality,
            cpuSeconds,
          })
          log(
            `${name} ${v.name} ${id}: ${r.bytes} B, ba ${r.butteraugli.toFixed(2)}, dssim ${r.dssim.toFixed(4)}`,
          )
        }
        save()
      }
      for (const v of WEB_VARIANTS.filter((x) => wantVariants.includes(x.name))) {
        for (const fam of FAMILIES) {
          if (!fam.variants.includes(v.name)) continue
          if (wantFamilies && !wantFamilies.includes(fam.id)) continue
          for (const q of qualitiesOf(fam, v.name)) {
            const key = `${name}|${v.name}|${fam.id}|${q}`
            if (done.has(key)) continue
            const settings = { ...fam.settings, quality: q }
            const { data, cpuSeconds } = await encodeTrial(input, src, v, settings)
            const r = await judge(v, key, data, {
              tool: 'sharp',
              family: fam.id,
              quality: q,
              cpuSeconds,
            })
            log(
              `${name} ${v.name} ${fam.id} q${q}: ${r.bytes} B, ba ${r.butteraugli.toFixed(2)}, ` +
                `dssim ${r.dssim.toFixed(4)}, cpu ${cpuSeconds.toFixed(2)} s`,
            )
          }
          save()
        }
      }
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true })
  }
  save()
}
// Parts may share records (each measures the peers): one record per key.
const byKey = new Map()
for (const n of fs.readdirSync(dataDir).sort()) {
  if (n === `curves-${args.set}.json` || n.startsWith(`curves-${args.set}.`)) {
    for (const r of JSON.parse(fs.readFileSync(path.join(dataDir, n), 'utf8')).records) {
      // Upshot's own settings: the latest measurement per photo and variant.
      const k = r.point ? `${r.photo}|${r.variant}|${r.family}` : r.key
      if (!byKey.has(k) || (byKey.get(k).at ?? 0) <= (r.at ?? 0)) byKey.set(k, r)
    }
  }
}
const all = { set: args.set, records: [...byKey.values()] }
await drawCurves(all, path.join(ROOT, 'docs/quality'), log)
