// Whether an endpoint's traffic crosses a network in the clear. Pure: the engine's warnings and
// the settings form (as the user types) use the same rule.

/**
 * http:// to a host other than this computer: the access key ID, every signed request, the
 * uploaded bytes and presigned links travel unencrypted. Loopback (localhost, 127.0.0.0/8, ::1)
 * never leaves the machine, so a local MinIO or test server is fine.
 */
export function isUnencryptedRemote(url: string): boolean {
  let u: URL
  try {
    u = new URL(url.trim())
  } catch {
    return false
  }
  if (u.protocol !== 'http:') return false
  const host = u.hostname.replace(/^\[|\]$/g, '').toLowerCase()
  const loopback =
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) ||
    host === '::1' ||
    /^::ffff:127\./.test(host) ||
    /^::ffff:7f/.test(host)
  return !loopback
}
