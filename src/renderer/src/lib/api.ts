// window.upshot with results unwrapped: a failed command throws an ApiFailure carrying the
// sentence to show, so components can use try/catch and one toast for every error.

import type { ApiError, Result, UpshotApi } from '../../../shared/api'
import { t } from '../i18n'
import { createBrowserFace } from './browser-face'

export class ApiFailure extends Error {
  readonly code: ApiError['code']
  constructor(error: ApiError) {
    super(error.message)
    this.code = error.code
  }
}

/** The window's preload gives window.upshot; a browser tab of `upshot ui` builds its own. */
export const upshot: UpshotApi = 'upshot' in window ? window.upshot : createBrowserFace()

export async function unwrap<T>(pending: Promise<Result<T>>): Promise<T> {
  let result: Result<T>
  try {
    result = await pending
  } catch {
    throw new ApiFailure({ code: 'INTERNAL', message: t.errors.bridge })
  }
  if (!result.ok) throw new ApiFailure(result.error)
  return result.value
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
