// Paths the user chose, as the commands see them: the window's native dialogs, or in a browser
// tab the core-served chooser (folder-browser.ts). Either way the page gets a token, never names
// a path itself, and each token serves the one purpose it was issued for (path-grants.ts).

import type {
  AddResult,
  BrowsePurpose,
  ChosenPath,
  Face,
  FolderListing,
  SyncPairInput,
  SyncPairView,
} from '../shared/api'
import type { FolderBrowser } from './folder-browser'
import { ForbiddenError, type PathGrants } from './path-grants'
import type { SyncService } from './sync-service'

export interface ChosenPathsDeps {
  face: Face
  grants: PathGrants
  browser: FolderBrowser
  /** The native open dialog (window face); [] when the user cancels. */
  choosePaths(kind: 'files' | 'folder'): Promise<string[]>
  sync: SyncService
  addPaths(paths: readonly string[]): Promise<AddResult>
}

export class ChosenPaths {
  constructor(private readonly o: ChosenPathsDeps) {}

  /** Browser face: the core-served chooser (the window has the system's dialogs). */
  async browseFolder(purpose: BrowsePurpose, folder: string | null): Promise<FolderListing> {
    this.assertBrowserFace()
    return this.o.browser.list(purpose, folder)
  }

  async chooseBrowsed(purpose: BrowsePurpose, chosen: string): Promise<ChosenPath> {
    this.assertBrowserFace()
    return this.o.browser.choose(purpose, chosen)
  }

  /** The folder behind a token from the chooser, added as the window adds a dialog's folder. */
  async addChosenFolder(token: string): Promise<AddResult> {
    this.assertBrowserFace()
    const folder = this.o.grants.peek(token, 'upload-folder')
    this.o.grants.revoke(token)
    return this.o.addPaths([folder])
  }

  async chooseSyncFolder(): Promise<ChosenPath | null> {
    const [folder] = await this.o.choosePaths('folder')
    return folder ? { token: this.o.grants.issue('sync-folder', folder), path: folder } : null
  }

  /** A pair for the folder behind a token from chooseSyncFolder (never a path from the page). */
  async addSyncPair(input: SyncPairInput): Promise<SyncPairView> {
    const { folderToken, ...rest } = input
    const view = await this.o.sync.add(this.o.grants.peek(folderToken, 'sync-folder'), rest)
    this.o.grants.revoke(folderToken)
    return view
  }

  private assertBrowserFace(): void {
    if (this.o.face !== 'browser') {
      throw new ForbiddenError('The window chooses files and folders with the system’s dialogs.')
    }
  }
}
