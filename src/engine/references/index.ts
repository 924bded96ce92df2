// Shared objects: one object in a bucket can back many records (twins, sync pairs, other data
// dirs, other computers). ./release decides what a delete may remove; ./reuse keeps dedup
// honest; ./usage holds the ledger's facts; ./markers the bucket's.
export { releaseObjects, type KeptReason, type ReleaseResult } from './release'
export { confirmInBucket, markReused } from './reuse'
export { ledgerIdOf, markJobsDeleted, markObjectsGone, usedHere } from './usage'
export { contentDirOf, listMarkers, markerKey, refsPrefix } from './markers'
export { deleteRecords, type RecordsDeleted } from './records'
export { deleteOrphanObjects } from './orphans'
