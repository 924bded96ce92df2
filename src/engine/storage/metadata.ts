// x-amz-meta-* travel as HTTP headers, which carry ASCII only: anything else is percent-encoded.

function asciiSafe(value: string): string {
  return value.replace(/[^\x20-\x7e]+/g, (m) => encodeURIComponent(m))
}

/** Metadata ready for the SDK: lowercase token keys, ASCII-safe values. */
export function headerSafeMetadata(metadata: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(metadata)) {
    const key = k.toLowerCase().replace(/[^a-z0-9!#$&'*+.^_`|~-]/g, '-')
    out[key] = asciiSafe(v)
  }
  return out
}
