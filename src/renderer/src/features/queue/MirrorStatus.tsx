// A done job's copies on its destination's mirrors (QueueJob.mirror): its links are ready from
// the primary already; this says whether the mirrors have caught up, and why not.
import type { QueueMirror } from '../../../../shared/api'
import { t } from '../../i18n'

export function MirrorStatus({ mirror }: { mirror: QueueMirror }): React.JSX.Element {
  const m = t.queue.mirror
  const names = mirror.mirrors.join(', ')
  const text =
    mirror.state === 'done'
      ? m.done(names)
      : mirror.state === 'failed'
        ? m.failed(names, mirror.error?.message ?? '')
        : mirror.error
          ? m.retrying(names, mirror.error.message)
          : m.pending(names)
  const tone = mirror.state === 'done' ? 'done' : mirror.state === 'failed' ? 'failed' : 'uploading'
  return (
    <span
      className={`mirror-status mirror-status--${mirror.state}${mirror.error ? ' mirror-status--error' : ''}`}
      data-testid="mirror-status"
      data-state={mirror.state}
      role="status"
      title={mirror.error ? `${mirror.error.code}: ${mirror.error.message}` : names}
    >
      <span className={`badge badge--${tone}`}>{m.badge(mirror.state, mirror.error !== null)}</span>{' '}
      {text}
    </span>
  )
}
