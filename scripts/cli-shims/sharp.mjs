// The CLI bundle's `sharp`: loaded on first use, so a run that uploads no image (and
// `upshot --version`) does not pay the ~0.1 s of CPU it takes to load libvips.
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
let lib

function load() {
  lib ??= require('sharp')
  return lib
}

export default new Proxy(function sharp() {}, {
  apply: (_target, _this, args) => load()(...args),
  construct: (_target, args) => new (load())(...args),
  get: (_target, prop) => load()[prop],
})
