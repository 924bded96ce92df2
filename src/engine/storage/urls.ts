// Links to objects: each key segment percent-encoded, so spaces, #, ?, % and emoji survive.
import { isIP } from 'node:net'
import type { S3DestinationConfig } from '../types'

export function encodeKey(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/')
}

export function joinUrl(base: string, key: string): string {
  return `${base.replace(/\/+$/, '')}/${encodeKey(key)}`
}

export function s3ObjectUrl(config: S3DestinationConfig, key: string): string {
  if (config.publicUrl) return joinUrl(config.publicUrl, key)
  const bucket = encodeURIComponent(config.bucket)
  if (config.endpoint) {
    const endpoint = config.endpoint.replace(/\/+$/, '')
    const u = new URL(endpoint)
    if (config.pathStyle || isIpHost(u.hostname)) return joinUrl(`${endpoint}/${bucket}`, key)
    return joinUrl(
      `${u.protocol}//${config.bucket}.${u.host}${u.pathname.replace(/\/+$/, '')}`,
      key,
    )
  }
  // Dotted bucket names break the *.s3 wildcard certificate: AWS serves them path-style.
  if (config.pathStyle || config.bucket.includes('.')) {
    return joinUrl(`https://s3.${config.region}.amazonaws.com/${bucket}`, key)
  }
  return joinUrl(`https://${config.bucket}.s3.${config.region}.amazonaws.com`, key)
}

/** An IPv4 address or a bracketed IPv6 one, as URL.hostname gives them: no bucket subdomains. */
export function isIpHost(hostname: string): boolean {
  return hostname.startsWith('[') || isIP(hostname) !== 0
}
