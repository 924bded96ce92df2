// ListObjectsV2 on the lean path, for the dedup check a batch makes before its uploads: one GET
// on the bucket, the answer read with a minimal XML reader (Key, IsTruncated,
// NextContinuationToken). Only an optimisation: an answer it cannot read with certainty gives null
// and the caller falls back to one HEAD per object. Errors come as LeanS3Error, like the SDK's.
import type { LeanS3 } from './lean'

export interface ListPage {
  keys: string[]
  truncated: boolean
  next: string | undefined
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }

/** XML text with its five named entities and numeric references decoded; null on anything else. */
export function decodeXmlText(text: string): string | null {
  let bad = false
  const out = text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);|&/g, (whole, ref?: string) => {
    if (ref === undefined) {
      bad = true // a bare & is not well-formed XML
      return whole
    }
    if (ref.startsWith('#')) {
      const code = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10)
      if (!Number.isSafeInteger(code) || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
        bad = true
        return whole
      }
      return String.fromCodePoint(code)
    }
    const named = NAMED[ref]
    if (named === undefined) bad = true
    return named ?? whole
  })
  return bad ? null : out
}

function field(xml: string, name: string): string | null | undefined {
  const m = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)
  return m ? decodeXmlText(m[1]!) : undefined
}

/** The parts of a ListBucketResult the dedup check needs, or null when it is not one. */
export function parseListObjectsV2(xml: string): ListPage | null {
  // CDATA or comments could hide or fake elements from a reader this small: not worth guessing.
  if (!/<ListBucketResult[\s>]/.test(xml) || /<!\[CDATA\[|<!--/.test(xml)) return null
  const truncated = field(xml, 'IsTruncated')
  if (truncated !== 'true' && truncated !== 'false') return null
  const keys: string[] = []
  for (const contents of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
    // Keys keep their spaces: never trimmed.
    const m = /<Key>([^<]*)<\/Key>/.exec(contents[1]!)
    if (!m) return null
    const key = decodeXmlText(m[1]!)
    if (key === null) return null
    keys.push(key)
  }
  // Every <Contents> element must have been read: a count mismatch means nesting we do not know.
  if (keys.length !== (xml.match(/<Contents>/g) ?? []).length) return null
  const next = field(xml, 'NextContinuationToken')
  if (next === null) return null
  return { keys, truncated: truncated === 'true', next: next || undefined }
}

/** One page of keys under `prefix`; null when the answer cannot be read. */
export async function listObjectsPage(
  lean: LeanS3,
  prefix: string,
  token: string | undefined,
  signal?: AbortSignal,
): Promise<ListPage | null> {
  const res = await lean.send({
    method: 'GET',
    query: {
      'list-type': '2',
      prefix,
      ...(token ? { 'continuation-token': token } : {}),
    },
    ...(signal ? { signal } : {}),
  })
  return parseListObjectsV2((res.body ?? Buffer.alloc(0)).toString('utf8'))
}
