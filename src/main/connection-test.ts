// "Test connection": the same checks as `upshot doctor` (engine/destinations/doctor.ts), shaped
// for the settings form. Free of 'electron'.

import type { ConnectionReport } from '../shared/api'
import { runDoctor, type DoctorOptions } from './engine/destinations/doctor'
import type { DestinationConfig } from './engine/types'

export type ConnectionTestOptions = DoctorOptions

export async function testConnection(
  config: DestinationConfig,
  options: ConnectionTestOptions = {},
): Promise<ConnectionReport> {
  const report = await runDoctor(config, options)
  return {
    ok: report.ok,
    checks: report.checks
      // Checks that do not apply to this kind of destination are noise in the form.
      .filter((c) => !(c.status === 'skip' && !c.needed && config.kind === 'local'))
      .map((c) => ({
        label: c.label,
        ok: c.status !== 'fail',
        status: c.status,
        detail: c.detail,
        ...(c.needed ? {} : { optional: true }),
      })),
  }
}
