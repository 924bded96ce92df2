// A file that crashes the core (a decoder bug on a hostile image, memory blown) would crash it
// again at every restart, since the ledger resumes unfinished work. So the host tells each new
// core whether the one before died, and which jobs were being processed when the core before
// that one died: a job in processing at two crashes in a row is failed with CORE_CRASHED and one
// sentence, and the rest of the queue goes on. `upshot resume` after a user's own kill is not
// affected: only the supervisor's restarts report a crash.

import fs from 'node:fs'
import path from 'node:path'
import { ownerPrefix } from '../../engine'
import type { Ledger } from '../../engine/ledger'
import { stagingDirFor } from '../../engine/paths'
import type { CoreInit, CoreReady } from '../../shared/protocol'

export const CORE_CRASHED_MESSAGE =
  'Upshot stopped unexpectedly twice while preparing this file, so it was set aside to let the others finish; the file may be damaged or too demanding to decode.'

/** Fails the repeat offenders; returns this crash's suspects for the host to hand on. */
export function settleCrash(ledger: Ledger, dataDir: string, crash: CoreInit['crash']): CoreReady {
  if (!crash) return { suspects: [], failed: [] }
  // Claims are `host/pid/random`: the dead core's own, not those of a CLI running beside it.
  const prefix = ownerPrefix(crash.pid).replace(/[\\%_]/g, (c) => `\\${c}`)
  const inFlight = (
    ledger.db
      .prepare(
        `SELECT id FROM jobs WHERE state = 'processing' AND owner LIKE ? ESCAPE '\\' ORDER BY id`,
      )
      .all(`${prefix}%`) as { id: string }[]
  ).map((r) => r.id)
  const before = new Set(crash.suspects)
  const failed = inFlight.filter((id) => before.has(id))
  for (const id of failed) {
    ledger.fail(id, null, { code: 'CORE_CRASHED', message: CORE_CRASHED_MESSAGE })
    // Half-made variants of the dead process: nothing will finish them.
    fs.rmSync(path.join(stagingDirFor(dataDir), id), { recursive: true, force: true })
  }
  return { suspects: inFlight.filter((id) => !before.has(id)), failed }
}
