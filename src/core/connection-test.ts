// "Test connection": the same checks as `upshot doctor` (engine/destinations/doctor.ts), shaped
// for the settings form. Free of 'electron'.

import type { ConnectionReport } from '../shared/api'
import { runDoctor, type DoctorCheck, type DoctorOptions } from '../engine/destinations/doctor'
import type { DestinationConfig } from '../engine/types'

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
      .filter((c) => !(c.status === 'skip' && !c.needed && !applies(c.id, config)))
      .map((c) => ({
        label: c.label,
        ok: c.status !== 'fail',
        status: c.status,
        // The form marks it "not checked" already.
        detail: c.status === 'skip' ? c.detail.replace(/^Not checked: /, '') : c.detail,
        ...(c.needed ? {} : { optional: true }),
      })),
  }
}

function applies(id: DoctorCheck['id'], config: DestinationConfig): boolean {
  if (id === 'cdn-purge') return config.purge !== undefined
  if (config.kind === 'local') return false
  if (id === 'presigned-link') return config.private === true
  if (id === 'public-link') return config.private !== true
  return true
}
