// The clipboard's image for `upshot serve` (an editor's paste sends a bodyless /upload): read
// with the platform's own tool, or a command the user names (`--clipboard-command`), whose
// standard output is the image. The app's core asks its window's clipboard instead.

import { execFile } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { UpshotError } from '../shared/jobs'
import { sniffBytes } from '../engine/pipeline/sniff'

const MAX_CLIPBOARD_BYTES = 100 * 1024 * 1024
const TIMEOUT_MS = 15_000

export interface ClipboardImage {
  data: Buffer
  mime: string
}

function run(
  file: string,
  args: readonly string[],
): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      [...args],
      {
        encoding: 'buffer',
        maxBuffer: MAX_CLIPBOARD_BYTES,
        timeout: TIMEOUT_MS,
        windowsHide: true,
      },
      (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { code?: number | string }) | null
        if (e && typeof e.code === 'string') return reject(e)
        resolve({ code: e ? Number(e.code ?? 1) || 1 : 0, stdout, stderr: stderr.toString() })
      },
    )
  })
}

/** The image on the clipboard, or null when it holds none. */
export async function readClipboardImage(command?: string): Promise<ClipboardImage | null> {
  let data: Buffer
  try {
    data = command ? await viaCommand(command) : await viaPlatform()
  } catch (err) {
    if (err instanceof UpshotError) throw err
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') throw missingTool()
    throw new UpshotError('INTERNAL', `The clipboard could not be read (${code ?? 'error'}).`)
  }
  if (data.length === 0) return null
  const type = sniffBytes(data.subarray(0, 16 * 1024), 'clipboard')
  if (!type.mime.startsWith('image/')) return null
  return { data, mime: type.mime }
}

async function viaCommand(command: string): Promise<Buffer> {
  const shell = process.platform === 'win32' ? 'cmd.exe' : '/bin/sh'
  const args = process.platform === 'win32' ? ['/d', '/s', '/c', command] : ['-c', command]
  const r = await run(shell, args)
  if (r.code !== 0) {
    throw new UpshotError(
      'CONFIG',
      `The clipboard command failed (exit ${r.code}): ${r.stderr.trim().slice(0, 200)}`,
    )
  }
  return r.stdout
}

async function viaPlatform(): Promise<Buffer> {
  if (process.platform === 'darwin') return macClipboard()
  if (process.platform === 'win32') {
    const script =
      'Add-Type -AssemblyName System.Windows.Forms; Add-Type -AssemblyName System.Drawing; ' +
      '$i = [System.Windows.Forms.Clipboard]::GetImage(); if ($i) { $m = New-Object System.IO.MemoryStream; ' +
      '$i.Save($m, [System.Drawing.Imaging.ImageFormat]::Png); $o = [Console]::OpenStandardOutput(); ' +
      '$o.Write($m.ToArray(), 0, $m.Length); $o.Flush() }'
    const r = await run('powershell.exe', [
      '-NoProfile',
      '-NonInteractive',
      '-STA',
      '-Command',
      script,
    ])
    return r.code === 0 ? r.stdout : Buffer.alloc(0)
  }
  const wayland = Boolean(process.env.WAYLAND_DISPLAY)
  const r = wayland
    ? await run('wl-paste', ['--no-newline', '--type', 'image/png'])
    : await run('xclip', ['-selection', 'clipboard', '-target', 'image/png', '-out'])
  // Both tools exit non-zero when the clipboard holds no image of that type.
  return r.code === 0 ? r.stdout : Buffer.alloc(0)
}

async function macClipboard(): Promise<Buffer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'upshot-clip-'))
  const file = path.join(dir, 'clipboard.png')
  try {
    const script = [
      `set f to POSIX file ${JSON.stringify(file)}`,
      'set d to (the clipboard as «class PNGf»)',
      'set h to open for access f with write permission',
      'write d to h',
      'close access h',
    ]
    const r = await run(
      'osascript',
      script.flatMap((line) => ['-e', line]),
    )
    return r.code === 0 && fs.existsSync(file) ? fs.readFileSync(file) : Buffer.alloc(0)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

function missingTool(): UpshotError {
  const tool =
    process.platform === 'linux'
      ? process.env.WAYLAND_DISPLAY
        ? 'wl-paste (package wl-clipboard)'
        : 'xclip'
      : 'the clipboard tool'
  return new UpshotError(
    'CONFIG',
    `Reading the clipboard needs ${tool}; install it, or give --clipboard-command "a command that prints the image".`,
  )
}
