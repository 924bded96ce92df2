// Paths on the computer that runs Upshot: tokens for what dialogs or the browser face's chooser
// gave, the chooser's listings, and the bytes a browser tab sends.

/**
 * A file or folder the user chose in a native dialog: `path` to show, `token` to pass back. The
 * core holds what the token stands for; the page can name nothing on disk by itself, and sending
 * a path back grants nothing. A token serves one purpose and expires (then: choose again).
 */
export interface ChosenPath {
  token: string
  path: string
}

/** What a path is chosen for in the core-served chooser of the browser face. */
export type BrowsePurpose = 'sync-folder' | 'upload-folder' | 'watermark-image' | 'preview-photo'

/** One folder on the core's computer as the browser face's chooser shows it. */
export interface FolderListing {
  /** The folder listed (absolute, real path). */
  path: string
  /** Its parent; null at a root. */
  parent: string | null
  /** The user's home folder, where the chooser starts. */
  home: string
  /** Sub-folders, then (for an image purpose) image files; hidden entries left out. */
  entries: { name: string; kind: 'folder' | 'image' }[]
  /** More entries than were listed (the first ones, by name, are shown). */
  truncated: boolean
}

/** Bytes the browser face is sending to the core (the page's own progress, not the core's). */
export interface TransferProgress {
  files: number
  filesDone: number
  bytesDone: number
  bytesTotal: number
  /** Files that could not be sent, with why. */
  failed: { name: string; message: string }[]
  active: boolean
}
