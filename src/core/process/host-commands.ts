// Commands only the host sends (see HostCommands in src/shared/protocol.ts), checked like the
// page's.

import { z } from 'zod'
import type { AppService } from '../app-service'
import type { Result } from '../../shared/api'
import type { HostCommandName, HostCommands } from '../../shared/protocol'
import { settle } from '../ipc-dispatch'

const HOST_COMMAND_ARGS: { readonly [K in HostCommandName]: z.ZodType<HostCommands[K]['args']> } = {
  recentUploads: z.tuple([z.number().int().min(1).max(50)]),
}

export function isHostCommand(name: string): name is HostCommandName {
  return Object.hasOwn(HOST_COMMAND_ARGS, name)
}

export async function runHostCommand(
  service: AppService,
  name: HostCommandName,
  args: readonly unknown[],
): Promise<Result<unknown>> {
  const parsed = HOST_COMMAND_ARGS[name].safeParse(args)
  if (!parsed.success) {
    return {
      ok: false,
      error: { code: 'BAD_REQUEST', message: `${name} received arguments it does not accept.` },
    }
  }
  switch (name) {
    case 'recentUploads':
      return settle(name, () => service.links.recentUploads(parsed.data[0]))
  }
}
