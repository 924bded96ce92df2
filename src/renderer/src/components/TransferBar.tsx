// Browser face: the bytes a tab is sending to Upshot (files added from this computer travel to
// the one that runs Upshot before they are queued).

import { useEffect, useState } from 'react'
import type { TransferProgress } from '../../../shared/api'
import { t } from '../i18n'
import { upshot } from '../lib/api'

export function TransferBar(): React.JSX.Element | null {
  const [progress, setProgress] = useState<TransferProgress | null>(null)
  useEffect(() => upshot.on('transfer', setProgress), [])
  if (!progress) return null
  const failed = progress.failed.length
  if (!progress.active && failed === 0) return null
  const percent =
    progress.bytesTotal > 0 ? Math.floor((100 * progress.bytesDone) / progress.bytesTotal) : 100
  return (
    <div className="transfer" role="status" data-testid="transfer">
      {progress.active && (
        <>
          <progress max={100} value={percent} />
          <span>{t.transfer.sending(progress.filesDone, progress.files, percent)}</span>
        </>
      )}
      {failed > 0 && (
        <span title={progress.failed.map((f) => `${f.name}: ${f.message}`).join('\n')}>
          {t.transfer.failed(failed)}
        </span>
      )}
    </div>
  )
}
