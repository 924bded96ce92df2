// Any failure as a job's error: a stable code and one sentence, never a stack trace.
import { UpshotError, type JobError } from '../shared/jobs'
import { ledgerError } from './ledger/health'
import { diskFull } from './pipeline/errors'

export function errorOf(e: UpshotError): JobError {
  return { code: e.code, message: e.message }
}

export function toJobError(err: unknown): JobError {
  if (err instanceof UpshotError) return errorOf(err)
  const ledger = ledgerError(err, null)
  if (ledger) return errorOf(ledger)
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  if (code === 'ENOSPC') {
    const { code: c, message } = diskFull(err)
    return { code: c, message }
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return {
      code: 'UNREADABLE',
      message: 'Permission was denied while reading or staging this file.',
    }
  }
  const detail =
    err instanceof Error ? err.message.split('\n')[0]!.slice(0, 200) : String(err).slice(0, 200)
  return {
    code: 'INTERNAL',
    message: `Upshot hit an unexpected error with this file (${detail}); please report it.`,
  }
}
