import { describe, expect, it } from 'vitest'
import { batchNotice } from '../../src/core/batch-notice'

describe('the notification of a finished batch', () => {
  it('says how many files went up, and whether the links were copied', () => {
    expect(batchNotice({ done: 1, failed: 0, canceled: 0, copied: false })).toEqual({
      title: 'Upload finished',
      body: '1 file uploaded.',
    })
    expect(batchNotice({ done: 12, failed: 0, canceled: 0, copied: true })).toEqual({
      title: 'Upload finished',
      body: '12 files uploaded; links copied.',
    })
  })

  it('says what failed or was canceled next to what worked', () => {
    expect(batchNotice({ done: 8, failed: 1, canceled: 2, copied: true })).toEqual({
      title: 'Some uploads failed',
      body: '8 files uploaded, 1 failed, 2 canceled; links copied.',
    })
    expect(batchNotice({ done: 0, failed: 3, canceled: 0, copied: false })).toEqual({
      title: 'Upload failed',
      body: '3 files could not be uploaded; the queue says why.',
    })
  })

  it('stays quiet when nothing was uploaded and nothing failed', () => {
    expect(batchNotice({ done: 0, failed: 0, canceled: 4, copied: false })).toBeNull()
  })
})
