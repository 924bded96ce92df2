import { useVirtualizer } from '@tanstack/react-virtual'
import { useEffect, useRef } from 'react'
import { EmptyState } from '../../components/EmptyState'
import { Icon } from '../../components/Icon'
import { ProgressBar } from '../../components/ProgressBar'
import { t } from '../../i18n'
import { unwrap, upshot } from '../../lib/api'
import { formatBytes, formatDuration, MOD_KEY } from '../../lib/format'
import { queueRows, useQueueTotals, useQueueWindow } from '../../state/queue-store'
import { useSettings } from '../../state/settings'
import { addFromDialog, attempt } from './actions'
import { QueueRow, RowPlaceholder } from './QueueRow'

export function QueueView(): React.JSX.Element {
  const queue = useQueueTotals()
  const held = useQueueWindow(queueRows)
  const settings = useSettings()
  const linkFormat = settings?.preferences.linkFormat ?? 'markdown'
  const scrollRef = useRef<HTMLDivElement>(null)
  // The virtualizer keeps only the rows on screen (plus a few) in the DOM, and the page holds
  // only a window of the queue's rows (queue-store.ts): 100,000 files scroll as smoothly as ten.
  // Rows are added at the end, so the list grows below what is shown and the view stays put.
  // Keyed by index (the default): a getItemKey made afresh each render made the virtualizer
  // recompute all 10,000 rows' offsets every frame, most of a scroll frame's script time.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: held.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => 78,
    overscan: 6,
  })
  const items = virtualizer.getVirtualItems()
  const first = items[0]?.index ?? 0
  const last = items.at(-1)?.index ?? 0
  // Whatever moved the view (a scroll, rows added or cleared), the window follows it.
  useEffect(() => queueRows.showing(first, last), [first, last, held.length])

  const o = queue.overall
  const total = Object.values(o.counts).reduce((a, b) => a + b, 0)
  if (total === 0 && held.length === 0) {
    return (
      <section className="view view--queue" aria-label={t.queue.label}>
        <div className="dropzone">
          <EmptyState icon="upload" title={t.drop.title} hint={t.drop.hint}>
            <div className="empty__actions">
              <button
                type="button"
                className="button button--primary"
                onClick={() => void addFromDialog('files')}
              >
                <Icon name="file" size={16} />
                {t.actions.addFiles}
              </button>
              <button type="button" className="button" onClick={() => void addFromDialog('folder')}>
                <Icon name="folder" size={16} />
                {t.actions.addFolder}
              </button>
            </div>
            <p className="empty__hint empty__hint--small">{t.drop.paste(MOD_KEY)}</p>
          </EmptyState>
        </div>
      </section>
    )
  }

  const finished = o.counts.done + o.counts.skipped
  const numbers = [t.queue.bytes(formatBytes(o.bytesDone), formatBytes(o.bytesTotal))]
  if (!o.idle && !queue.paused && o.rate > 0) numbers.push(t.queue.speed(formatBytes(o.rate)))
  if (!o.idle && !queue.paused && o.etaSeconds !== null)
    numbers.push(t.queue.eta(formatDuration(o.etaSeconds)))

  return (
    <section className="view view--queue" aria-label={t.queue.label}>
      <div className="overall">
        <div className="overall__text">
          <strong className="overall__count" data-testid="overall-count">
            {t.queue.totals(finished, total)}
          </strong>
          {o.counts.failed > 0 && (
            <span className="overall__failed">{t.queue.failed(o.counts.failed)}</span>
          )}
          {queue.paused && <span className="badge badge--paused">{t.queue.paused}</span>}
          {o.adding && (
            <span className="badge badge--adding" role="status">
              {t.queue.adding}
            </span>
          )}
          <span className="overall__numbers">{o.idle ? t.queue.idle : numbers.join(' · ')}</span>
        </div>
        <ProgressBar
          done={o.bytesDone}
          total={o.bytesTotal}
          label={t.queue.overallLabel}
          size="large"
          tone={queue.paused ? 'paused' : o.idle ? 'done' : 'active'}
        />
        <div className="overall__actions">
          {queue.paused ? (
            <button
              type="button"
              className="button button--small"
              onClick={() => void attempt(() => unwrap(upshot.resumeAll()))}
            >
              <Icon name="play" size={16} />
              {t.actions.resumeAll}
            </button>
          ) : (
            <button
              type="button"
              className="button button--small"
              onClick={() => void attempt(() => unwrap(upshot.pauseAll()))}
              disabled={o.idle}
            >
              <Icon name="pause" size={16} />
              {t.actions.pauseAll}
            </button>
          )}
          {o.adding && (
            <button
              type="button"
              className="button button--small"
              onClick={() => void attempt(() => unwrap(upshot.stopAdding()))}
            >
              <Icon name="clear" size={16} />
              {t.actions.stopAdding}
            </button>
          )}
          <button
            type="button"
            className="button button--small"
            onClick={() => void attempt(() => unwrap(upshot.retryFailed()))}
            hidden={o.counts.failed + o.counts.canceled === 0}
          >
            <Icon name="retry" size={16} />
            {t.actions.retryFailed}
          </button>
          <button
            type="button"
            className="button button--small"
            onClick={() => void attempt(() => unwrap(upshot.clearFinished()))}
            disabled={finished + o.counts.failed + o.counts.canceled === 0}
          >
            <Icon name="clear" size={16} />
            {t.actions.clearFinished}
          </button>
        </div>
      </div>
      <div ref={scrollRef} className="list" data-testid="queue-list">
        <div
          className="list__inner"
          role="list"
          aria-label={t.queue.label}
          style={{ height: virtualizer.getTotalSize() }}
        >
          {items.map((item) => {
            const job = queueRows.row(item.index)
            return (
              <div
                key={item.key}
                role="listitem"
                className="list__item"
                data-index={item.index}
                ref={virtualizer.measureElement}
                style={{ transform: `translateY(${item.start}px)` }}
              >
                {job ? <QueueRow job={job} linkFormat={linkFormat} /> : <RowPlaceholder />}
              </div>
            )
          })}
        </div>
      </div>
    </section>
  )
}
