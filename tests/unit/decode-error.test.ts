// How libvips failures become the user's sentence: a pipeline killed by its time limit is
// IMAGE_TOO_SLOW however libvips words it (on a loaded machine sharp can say only "Unknown
// error"), and a fast failure with the same words stays a damaged image.
import { describe, expect, it } from 'vitest'
import { decodeError } from '../../src/engine/pipeline/errors'

describe('decodeError', () => {
  it("reads sharp's timeout line wherever libvips puts it", () => {
    expect(decodeError(new Error('timeout: 94% complete'), 'JPEG', 5).code).toBe('IMAGE_TOO_SLOW')
    const killed = new Error('VipsJpeg: out of order read\ntimeout: 12% complete')
    expect(decodeError(killed, 'JPEG', 5).code).toBe('IMAGE_TOO_SLOW')
    const second = new Error('VipsImage: killed for image "temp-49"')
    expect(decodeError(second, 'JPEG', 5).code).toBe('IMAGE_TOO_SLOW')
  })

  it('takes a wordless failure once the limit has passed for the limit, with its seconds', () => {
    const err = decodeError(new Error('Unknown error'), 'JPEG', 1, 1_040)
    expect(err.code).toBe('IMAGE_TOO_SLOW')
    expect(err.message).toContain('1-second limit')
  })

  it('keeps a failure before the limit a damaged image', () => {
    expect(decodeError(new Error('Unknown error'), 'JPEG', 1, 200).code).toBe('CORRUPT_IMAGE')
    expect(decodeError(new Error('Unknown error'), 'JPEG').code).toBe('CORRUPT_IMAGE')
  })
})
