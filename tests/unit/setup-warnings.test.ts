// What Upshot warns about before it uploads: an endpoint in the clear to another machine, and a
// data directory on a network share (SQLite's WAL needs a local disk).
import fs from 'node:fs'
import os from 'node:os'
import { describe, expect, it } from 'vitest'
import { isUnencryptedRemote } from '../../src/shared/endpoints'
import { insecureEndpointWarning } from '../../src/engine/destinations/warnings'
import {
  fsTypeFromMacMount,
  fsTypeFromMountinfo,
  isNetworkFsType,
  ledgerLocationWarning,
  networkFileSystem,
} from '../../src/engine/ledger/location'

describe('plain http:// endpoints', () => {
  it('are unencrypted when they reach another machine, not on loopback', () => {
    for (const url of [
      'http://minio.lan:9000',
      'http://192.168.1.20:9000',
      'http://[fd00::2]:9000',
      'HTTP://Storage.Example.com',
      'http://10.0.0.1',
    ])
      expect(isUnencryptedRemote(url), url).toBe(true)
    for (const url of [
      'https://minio.lan:9000',
      'http://localhost:9000',
      'http://minio.localhost:9000',
      'http://127.0.0.1:9000',
      'http://127.8.9.10',
      'http://[::1]:9000',
      'http://[::ffff:127.0.0.1]:9000',
      'not a url',
      '',
    ])
      expect(isUnencryptedRemote(url), url).toBe(false)
  })

  it('get one sentence from the engine, S3 destinations only', () => {
    const s3 = {
      kind: 's3' as const,
      region: 'us-east-1',
      bucket: 'b',
      prefix: '',
      pathStyle: true,
      checksum: 'WHEN_REQUIRED' as const,
    }
    expect(insecureEndpointWarning({ ...s3, endpoint: 'http://minio.lan:9000/' })).toBe(
      'The endpoint http://minio.lan:9000 is plain http://: the access key ID, signed requests, uploaded files and presigned links cross the network unencrypted; use https:// unless the network is trusted.',
    )
    expect(insecureEndpointWarning({ ...s3, endpoint: 'https://minio.lan:9000' })).toBeNull()
    expect(insecureEndpointWarning({ ...s3, endpoint: 'http://127.0.0.1:9000' })).toBeNull()
    expect(insecureEndpointWarning(s3)).toBeNull()
    expect(insecureEndpointWarning({ kind: 'local', dir: '/srv', prefix: '' })).toBeNull()
  })
})

describe('a data directory on a network share', () => {
  const MOUNTINFO = [
    '21 26 0:20 / /proc rw,relatime - proc proc rw',
    '26 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw',
    '40 26 0:45 / /home/ada rw,relatime - nfs4 fs.lan:/home/ada rw,vers=4.2',
    '41 40 0:46 / /home/ada/My\\040Photos rw - fuse.sshfs ada@nas:/photos rw',
    '42 40 8:17 / /home/ada/local rw - ext4 /dev/sdb1 rw',
  ].join('\n')

  it('is found from the mount that holds the folder (Linux mountinfo)', () => {
    expect(fsTypeFromMountinfo(MOUNTINFO, '/home/ada/.config/Upshot')).toBe('nfs4')
    expect(fsTypeFromMountinfo(MOUNTINFO, '/home/ada/My Photos/upshot')).toBe('fuse.sshfs')
    expect(fsTypeFromMountinfo(MOUNTINFO, '/home/ada/local/upshot')).toBe('ext4')
    expect(fsTypeFromMountinfo(MOUNTINFO, '/home/adam')).toBe('ext4')
    expect(fsTypeFromMountinfo(MOUNTINFO, '/var/lib/upshot')).toBe('ext4')
  })

  it('is found from the mount that holds the folder (macOS mount)', () => {
    const mount = [
      '/dev/disk3s1s1 on / (apfs, sealed, local, read-only, journaled)',
      '/dev/disk3s5 on /System/Volumes/Data (apfs, local, journaled, nobrowse)',
      '//ada@nas._smb._tcp.local/share on /Volumes/share (smbfs, nodev, nosuid, mounted by ada)',
    ].join('\n')
    expect(fsTypeFromMacMount(mount, '/Volumes/share/Upshot')).toBe('smbfs')
    expect(fsTypeFromMacMount(mount, '/System/Volumes/Data/Users/ada')).toBe('apfs')
  })

  it('knows which file systems are network shares', () => {
    for (const t of ['nfs', 'nfs4', 'cifs', 'smb3', '9p', 'fuse.sshfs', 'fuse.rclone', 'ceph'])
      expect(isNetworkFsType(t, 'linux'), t).toBe(true)
    for (const t of ['ext4', 'btrfs', 'xfs', 'tmpfs', 'overlay', 'fuseblk', 'zfs'])
      expect(isNetworkFsType(t, 'linux'), t).toBe(false)
    expect(isNetworkFsType('smbfs', 'darwin')).toBe(true)
    expect(isNetworkFsType('apfs', 'darwin')).toBe(false)
  })

  it('is not claimed for a local folder on this machine', () => {
    const dir = fs.mkdtempSync(`${os.tmpdir()}/upshot-location-`)
    try {
      expect(networkFileSystem(dir)).toBeNull()
      expect(ledgerLocationWarning(dir)).toBeNull()
    } finally {
      fs.rmSync(dir, { recursive: true })
    }
  })
})
