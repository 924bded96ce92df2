/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS module for `node -r` */
// Doyensec's electronegativity 1.10 was written against commander 2 (a program singleton whose
// options are properties) and does not declare the dependency, so it picks up this project's
// commander 14. Loaded with `node -r`, this hands it a commander 14 program set up the old way.
const Module = require('node:module')
const path = require('node:path')

const { Command } = require(path.join(__dirname, '../../../node_modules/commander'))
const program = new Command()
program.storeOptionsAsProperties()
const id = '\0commander2-shim'
require.cache[id] = { id, filename: id, loaded: true, exports: program }
const resolve = Module._resolveFilename
Module._resolveFilename = function (request, parent, ...rest) {
  if (request === 'commander' && parent?.filename?.includes('electronegativity')) return id
  return resolve.call(this, request, parent, ...rest)
}
