// Where the ledger lives. SQLite's WAL mode needs shared memory (a mapped -shm file) and POSIX
// locks that network file systems do not provide reliably: two processes on a share can corrupt
// the ledger. Detected from the mount table (Linux, macOS) or a UNC path (Windows); best effort,
// null when unknown.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

/** File system types that are network shares (Linux names; macOS's in MAC_NETWORK). */
const NETWORK = new Set([
  'nfs',
  'nfs4',
  'cifs',
  'smb3',
  'smbfs',
  'ncpfs',
  'afs',
  '9p',
  'ceph',
  'glusterfs',
  'lustre',
  'gpfs',
  'davfs',
  'beegfs',
  'orangefs',
])
const MAC_NETWORK = new Set(['smbfs', 'nfs', 'afpfs', 'webdav', 'macfuse', 'osxfuse', 'ftp'])
/** FUSE file systems that reach another machine (sshfs, rclone, bucket mounts...). */
const FUSE_NETWORK =
  /^fuse\.(sshfs|rclone|s3fs|gcsfuse|goofys|mountpoint-s3|juicefs|glusterfs|cephfs|davfs2?|smbnetfs|curlftpfs|afpfs)/

/** The mount point's escapes (`\040` for a space) decoded. */
function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)))
}

function within(dir: string, mountPoint: string): boolean {
  return mountPoint === '/' || dir === mountPoint || dir.startsWith(mountPoint + '/')
}

/** The type of the file system holding `dir`, from /proc/self/mountinfo's text (Linux). */
export function fsTypeFromMountinfo(text: string, dir: string): string | null {
  let best: { point: string; type: string } | null = null
  for (const line of text.split('\n')) {
    const sep = line.indexOf(' - ')
    if (sep === -1) continue
    const point = unescapeMount(line.slice(0, sep).split(' ')[4] ?? '')
    const type = line.slice(sep + 3).split(' ')[0] ?? ''
    // Later lines win on equal mount points: they are mounted over the earlier ones.
    if (point && within(dir, point) && (!best || point.length >= best.point.length))
      best = { point, type }
  }
  return best?.type ?? null
}

/** The type of the file system holding `dir`, from the output of macOS's `mount`. */
export function fsTypeFromMacMount(text: string, dir: string): string | null {
  let best: { point: string; type: string } | null = null
  for (const line of text.split('\n')) {
    const m = / on (.+) \(([^,)]+)/.exec(line)
    if (!m) continue
    const point = m[1]!
    if (within(dir, point) && (!best || point.length >= best.point.length))
      best = { point, type: m[2]! }
  }
  return best?.type ?? null
}

export function isNetworkFsType(
  type: string,
  platform: NodeJS.Platform = process.platform,
): boolean {
  if (platform === 'darwin') return MAC_NETWORK.has(type)
  return NETWORK.has(type) || FUSE_NETWORK.test(type)
}

/** The network file system type holding `dir` ("nfs4", "fuse.sshfs", "smb"), or null. */
export function networkFileSystem(dir: string): string | null {
  let real: string
  try {
    real = fs.realpathSync(dir)
  } catch {
    real = path.resolve(dir)
  }
  try {
    if (process.platform === 'win32') return /^\\\\[^\\?.]/.test(real) ? 'smb' : null
    const type =
      process.platform === 'linux'
        ? fsTypeFromMountinfo(fs.readFileSync('/proc/self/mountinfo', 'utf8'), real)
        : process.platform === 'darwin'
          ? fsTypeFromMacMount(execFileSync('/sbin/mount', { encoding: 'utf8' }), real)
          : null
    return type && isNetworkFsType(type) ? type : null
  } catch {
    return null
  }
}

/** One sentence when the data directory is on a network share; null otherwise. */
export function ledgerLocationWarning(dataDir: string): string | null {
  const type = networkFileSystem(dataDir)
  if (!type) return null
  return `The data directory ${dataDir} is on a network share (${type}): the ledger's write-ahead log needs a local disk, and two computers using it at once can damage it; set UPSHOT_DATA_DIR (or --data-dir) to a local folder.`
}
