// The folder of a local-folder destination, as the window names it. Uploads are written there,
// so a folder the page could type would be a write anywhere on disk (and a connection test one
// too). The window names it by the token the folder dialog gave (path-grants.ts), or by the
// folder the destination already has, unchanged: the saved one being edited, or the one
// `upshot dest add` saved in the ledger for a destination the app takes over. Anything else is
// refused (FORBIDDEN), whatever it says.

import type { DestinationInput, DestinationSettings, SharedDestination } from '../shared/api'
import { ForbiddenError, PathGrants } from './path-grants'

export interface ResolvedFolder {
  input: DestinationInput
  /** The token redeemed for it, to revoke once the destination is saved. */
  token: string | null
}

export interface KnownFolders {
  /** The app's saved destinations. */
  saved: readonly DestinationSettings[]
  /** Destinations the `upshot` command saved in the ledger, not yet in the app's settings. */
  shared: readonly SharedDestination[]
}

export function resolveDestinationFolder(
  input: DestinationInput,
  known: KnownFolders,
  grants: PathGrants,
): ResolvedFolder {
  // Only a local folder has one; any other kind keeps none, whatever the page sent.
  if (input.kind !== 'local') return { input: { ...input, dir: '' }, token: null }
  const ref = input.dir
  if (PathGrants.isToken(ref)) {
    return { input: { ...input, dir: grants.peek(ref, 'destination-folder') }, token: ref }
  }
  if (ref === '') return { input, token: null } // the settings say "choose a folder"
  const unchanged =
    input.id !== undefined
      ? known.saved.some((d) => d.id === input.id && d.kind === 'local' && d.dir === ref)
      : known.shared.some((d) => d.name === input.name && d.kind === 'local' && d.input.dir === ref)
  if (!unchanged) {
    throw new ForbiddenError(
      'A local folder must be chosen with "Choose folder…"; a path from the window is not accepted.',
    )
  }
  return { input, token: null }
}
