// Checks of what surrounds the store rather than the store itself: the transport and the ledger.

import { ledgerLocationWarning } from '../../ledger/location'
import type { DestinationConfig } from '../../types'
import { insecureEndpointWarning } from '../warnings'
import type { Checks } from './checks'

/** What works but deserves a word: an endpoint in the clear, a ledger on a network share. */
export function setupChecks(checks: Checks, config: DestinationConfig, dataDir?: string): void {
  if (config.kind === 's3') {
    const warning = insecureEndpointWarning(config)
    const local = config.endpoint?.startsWith('http:')
    checks.add(
      'transport',
      warning ? 'warn' : 'pass',
      false,
      warning ??
        (local
          ? 'Plain http:// to this computer only: nothing crosses a network.'
          : 'https://: keys, files and links are encrypted on the way.'),
    )
  } else {
    checks.add(
      'transport',
      'skip',
      false,
      'Not checked: a local folder sends nothing over a network.',
    )
  }
  if (dataDir !== undefined) {
    const warning = ledgerLocationWarning(dataDir)
    checks.add(
      'ledger',
      warning ? 'warn' : 'pass',
      false,
      warning ?? `${dataDir} is on a local disk.`,
    )
  }
}
