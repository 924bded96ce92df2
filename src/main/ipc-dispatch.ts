// The checks every command goes through, kept free of 'electron' so they can be tested under
// Node: the sender must be the app's own page, the arguments must parse, and whatever happens
// the renderer gets a Result, never a stack trace.

import { z } from 'zod'
import type { ApiError, CommandName, Commands, Result } from '../shared/api'
import { UpshotError } from '../shared/jobs'

export type CommandHandlers = {
  readonly [K in CommandName]: (
    ...args: Commands[K]['args']
  ) => Commands[K]['value'] | Promise<Commands[K]['value']>
}

/** The argument list each command accepts; anything else is rejected before a handler runs. */
export const COMMAND_ARGS: { readonly [K in CommandName]: z.ZodType<Commands[K]['args']> } = {
  getAppInfo: z.tuple([]),
}

export interface Invocation {
  /** URL of the frame that sent the request; undefined when the frame is gone. */
  senderUrl: string | undefined
  args: readonly unknown[]
}

export async function dispatchCommand<K extends CommandName>(
  name: K,
  handlers: CommandHandlers,
  invocation: Invocation,
  isAppUrl: (url: string) => boolean,
): Promise<Result<Commands[K]['value']>> {
  if (invocation.senderUrl === undefined || !isAppUrl(invocation.senderUrl)) {
    return failure({
      code: 'FORBIDDEN',
      message: `${name} may only be called by Upshot's own page.`,
    })
  }
  const parsed = COMMAND_ARGS[name].safeParse(invocation.args)
  if (!parsed.success) {
    return failure({
      code: 'BAD_REQUEST',
      message: `${name} received arguments it does not accept.`,
    })
  }
  // TypeScript cannot correlate handlers[K] with COMMAND_ARGS[K]; the mapped types above do.
  const handler = handlers[name] as (
    ...args: Commands[K]['args']
  ) => Commands[K]['value'] | Promise<Commands[K]['value']>
  try {
    return { ok: true, value: await handler(...parsed.data) }
  } catch (err) {
    if (err instanceof UpshotError) return failure({ code: err.code, message: err.message })
    console.error(`[ipc] ${name} failed:`, err)
    return failure({
      code: 'INTERNAL',
      message: 'Something went wrong inside Upshot; the details are in its log.',
    })
  }
}

function failure(error: ApiError): { ok: false; error: ApiError } {
  return { ok: false, error }
}
