import path from 'node:path'

/**
 * Real photos and odd files the tests read, kept in the repository (tests/fixtures/corpus/README.md
 * names each file's source and licence), so a clone with nothing beside it passes `npm test`.
 */
export const CORPUS = path.resolve(import.meta.dirname, '../fixtures/corpus')
