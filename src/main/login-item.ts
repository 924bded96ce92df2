// Whether "Open at login" may be registered. Free of 'electron' so the rule is tested.

export type LoginItemPlan = 'register' | 'unsupported' | 'unpackaged'

/**
 * Linux has no login items in Electron (autostart files are the desktop's business). Unpackaged,
 * the executable is bare Electron: registering it would start an empty Electron at login, so only
 * an installed Upshot registers itself.
 */
export function loginItemPlan(platform: NodeJS.Platform, isPackaged: boolean): LoginItemPlan {
  if (platform === 'linux') return 'unsupported'
  return isPackaged ? 'register' : 'unpackaged'
}
