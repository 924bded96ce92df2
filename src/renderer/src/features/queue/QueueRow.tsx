import { memo } from 'react'
import type { QueueJob } from '../../../../shared/api'
import { Icon } from '../../components/Icon'
import { ProgressBar } from '../../components/ProgressBar'
import { Thumb } from '../../components/Thumb'
import { t } from '../../i18n'
import { unwrap, upshot } from '../../lib/api'
import { formatBytes, formatDuration } from '../../lib/format'
import { sourceLabel } from '../../lib/source-label'
import { attempt, copyLinks } from './actions'
import { MirrorStatus } from './MirrorStatus'

const ACTIVE = new Set(['queued', 'processing', 'processed', 'uploading'])

function progressText(job: QueueJob): string {
  if (job.state === 'done') {
    return job.deduplicated ? t.queue.deduplicated : formatBytes(job.bytesTotal)
  }
  if (job.bytesTotal === 0)
    return job.state === 'processing' ? `${t.states.processing}…` : t.queue.waiting
  const parts = [t.queue.bytes(formatBytes(job.bytesDone), formatBytes(job.bytesTotal))]
  if (job.state === 'uploading' && job.rate > 0) parts.push(t.queue.speed(formatBytes(job.rate)))
  if (job.state === 'uploading' && job.etaSeconds !== null)
    parts.push(t.queue.eta(formatDuration(job.etaSeconds)))
  return parts.join(' · ')
}

function tone(job: QueueJob): 'active' | 'done' | 'failed' | 'paused' {
  if (job.state === 'done') return 'done'
  if (job.state === 'failed' || job.state === 'canceled') return 'failed'
  if (job.state === 'paused') return 'paused'
  return 'active'
}

export const QueueRow = memo(function QueueRow({
  job,
  linkFormat,
}: {
  job: QueueJob
  linkFormat: Parameters<typeof copyLinks>[1]
}): React.JSX.Element {
  const run = (cmd: () => Promise<unknown>): void => void attempt(cmd)
  const failed = job.state === 'failed'
  return (
    <div
      className={`row row--${job.state}`}
      data-testid="queue-row"
      data-state={job.state}
      data-name={job.name}
    >
      <Thumb id={job.id} ready={job.state === 'done'} />
      <div className="row__main">
        <div className="row__title">
          <span className="row__name" title={sourceLabel(job.source)}>
            {job.name}
          </span>
        </div>
        <div className="row__meta">
          <span className={`badge badge--${job.state}`}>{t.states[job.state]}</span>
          {job.sourceBytes !== null && <span>{formatBytes(job.sourceBytes)}</span>}
          <span className="row__dest">{t.queue.destination(job.destinationName)}</span>
          {failed && job.error && <code className="row__code">{job.error.code}</code>}
          {job.state === 'done' && job.mirror && <MirrorStatus mirror={job.mirror} />}
        </div>
        {failed || job.state === 'canceled' ? (
          job.error && job.state === 'failed' ? (
            <p className="row__error" role="note">
              {job.error.message}
            </p>
          ) : null
        ) : (
          <div className="row__progress">
            <ProgressBar
              done={job.bytesDone}
              total={job.bytesTotal || (job.state === 'done' ? 1 : 0)}
              tone={tone(job)}
              label={`${job.name}: ${t.states[job.state]}`}
            />
            <span className="row__numbers">{progressText(job)}</span>
          </div>
        )}
      </div>
      <div className="row__actions" role="group" aria-label={t.queue.rowActions(job.name)}>
        {ACTIVE.has(job.state) && (
          <button
            type="button"
            className="icon-button"
            aria-label={`${t.actions.pause} ${job.name}`}
            title={t.actions.pause}
            onClick={() => run(() => unwrap(upshot.pauseJob(job.id)))}
          >
            <Icon name="pause" />
          </button>
        )}
        {job.state === 'paused' && (
          <button
            type="button"
            className="icon-button"
            aria-label={`${t.actions.resume} ${job.name}`}
            title={t.actions.resume}
            onClick={() => run(() => unwrap(upshot.resumeJob(job.id)))}
          >
            <Icon name="play" />
          </button>
        )}
        {(ACTIVE.has(job.state) || job.state === 'paused') && (
          <button
            type="button"
            className="icon-button"
            aria-label={`${t.actions.cancel} ${job.name}`}
            title={t.actions.cancel}
            onClick={() => run(() => unwrap(upshot.cancelJob(job.id)))}
          >
            <Icon name="x" />
          </button>
        )}
        {(failed || job.state === 'canceled') && (
          <button
            type="button"
            className="button button--small"
            aria-label={`${t.actions.retry} ${job.name}`}
            onClick={() => run(() => unwrap(upshot.retryJob(job.id)))}
          >
            <Icon name="retry" size={16} />
            {t.actions.retry}
          </button>
        )}
        {job.state === 'done' && (
          <button
            type="button"
            className="button button--small"
            aria-label={`${t.actions.copy} ${t.formats[linkFormat]} ${job.name}`}
            onClick={() => void copyLinks([job.id], linkFormat)}
          >
            <Icon name="copy" size={16} />
            {t.formats[linkFormat]}
          </button>
        )}
      </div>
    </div>
  )
})

/** A row scrolled to before the core sent it (a moment, while its range is on its way). */
export function RowPlaceholder(): React.JSX.Element {
  return (
    <div className="row row--placeholder" data-testid="queue-row-placeholder" aria-busy="true">
      <div className="row__main">
        <div className="row__title">
          <span className="row__name row__name--placeholder">{t.queue.loadingRow}</span>
        </div>
      </div>
    </div>
  )
}
