import { sql as m0001 } from './0001-initial'
import { sql as m0002 } from './0002-sync'
import { sql as m0003 } from './0003-saved-destinations'
import { sql as m0004 } from './0004-paused-jobs'
import { sql as m0005 } from './0005-shared-objects'
import { sql as m0006 } from './0006-occupied-keys'
import { sql as m0010 } from './0010-sync-file-devices'
import { sql as m0011 } from './0011-cdn-purges'
import { sql as m0012 } from './0012-mirror-copies'
import { sql as m0013 } from './0013-mirror-copy-parts'

/** Numbered migrations: entry i brings the schema from version i to i + 1. */
export const MIGRATIONS: readonly string[] = [
  m0001,
  m0002,
  m0003,
  m0004,
  m0005,
  m0006,
  m0010,
  m0011,
  m0012,
  m0013,
]
