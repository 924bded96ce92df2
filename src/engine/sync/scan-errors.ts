// What the scan says about a path or folder it cannot use: a stable code and one sentence.

import { UpshotError, type JobError } from '../../shared/jobs'

export function errCode(err: unknown): string {
  return (err as NodeJS.ErrnoException | undefined)?.code ?? 'error'
}

export function loopError(): JobError {
  return {
    code: 'NOT_FOUND',
    message: 'This link leads back into a folder above it (a loop); it was not followed.',
  }
}

export function folderMissing(root: string, err: unknown): UpshotError {
  const code = errCode(err)
  return code === 'ENOENT' || code === 'ENOTDIR'
    ? new UpshotError(
        'NOT_FOUND',
        `The folder ${root} does not exist (or its drive is not mounted).`,
      )
    : new UpshotError(
        'UNREADABLE',
        `The folder ${root} could not be read (${code}); check its permissions.`,
      )
}

export function statError(err: unknown): JobError {
  const code = errCode(err)
  if (code === 'ENOENT' || code === 'ENOTDIR')
    return { code: 'NOT_FOUND', message: 'The link points to a file that does not exist.' }
  if (code === 'ELOOP')
    return {
      code: 'NOT_FOUND',
      message: 'The link points to itself in a loop and leads to no file.',
    }
  if (code === 'EACCES' || code === 'EPERM')
    return {
      code: 'UNREADABLE',
      message: 'Permission to read this path was denied; check its permissions.',
    }
  return { code: 'UNREADABLE', message: `The path could not be read (${code}).` }
}
