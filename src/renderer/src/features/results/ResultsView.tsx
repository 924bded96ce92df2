import { useVirtualizer } from '@tanstack/react-virtual'
import { useRef, useState } from 'react'
import type { FinishedFile } from '../../../../shared/api'
import { primaryOutput, type LinkFormat } from '../../../../shared/links'
import { EmptyState } from '../../components/EmptyState'
import { Icon } from '../../components/Icon'
import { Thumb } from '../../components/Thumb'
import { CopyFormatSelect } from '../../components/CopyFormatSelect'
import { t } from '../../i18n'
import { unwrap, upshot } from '../../lib/api'
import { formatBytes } from '../../lib/format'
import { sourceLabel } from '../../lib/source-label'
import { useFinishedFiles } from '../../state/finished'
import { queueStore, useQueue } from '../../state/queue-store'
import { useSettings } from '../../state/settings'
import { attempt, copyLinks } from '../queue/actions'
import { LinkList } from './LinkList'
import { MirrorLinks } from './MirrorLinks'

export function ResultsView(): React.JSX.Element {
  const queue = useQueue()
  const settings = useSettings()
  const ids = queue.done
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set())
  const [focused, setFocused] = useState<string | null>(null)
  const [format, setFormat] = useState<LinkFormat | null>(null)
  const scrollRef = useRef<HTMLDivElement>(null)
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: ids.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => 64,
    overscan: 6,
    getItemKey: (i) => ids[i] ?? i,
  })
  const visible = virtualizer.getVirtualItems().map((v) => ids[v.index]!)
  const current = focused && ids.includes(focused) ? focused : (ids[0] ?? null)
  const files = useFinishedFiles(current ? [...visible, current] : visible)
  const copyFormat = format ?? settings?.preferences.linkFormat ?? 'markdown'
  const template = settings?.preferences.customTemplate ?? ''

  if (ids.length === 0) {
    return (
      <section className="view" aria-label={t.results.label}>
        <EmptyState icon="check" title={t.results.emptyTitle} hint={t.results.emptyHint} />
      </section>
    )
  }

  const toggle = (id: string): void => {
    const next = new Set(selected)
    if (next.has(id)) next.delete(id)
    else next.add(id)
    setSelected(next)
  }
  const chosen = ids.filter((id) => selected.has(id))
  const detail = current ? files.get(current) : undefined

  return (
    <section className="view view--results" aria-label={t.results.label}>
      <div className="results">
        <div className="results__list-pane">
          <div className="results__toolbar">
            <div className="toolbar">
              <button
                type="button"
                className="button button--small"
                onClick={() => setSelected(chosen.length === ids.length ? new Set() : new Set(ids))}
              >
                {chosen.length === ids.length ? t.actions.selectNone : t.actions.selectAll}
              </button>
              <span className="toolbar__note" aria-live="polite">
                {t.results.selected(chosen.length)}
              </span>
            </div>
            <div className="toolbar toolbar--copy">
              <CopyFormatSelect value={copyFormat} onChange={setFormat} />
              <button
                type="button"
                className="button button--small button--primary"
                disabled={chosen.length === 0}
                onClick={() => void copyLinks(chosen, copyFormat)}
              >
                <Icon name="copy" size={16} />
                {t.results.copySelected(chosen.length)}
              </button>
            </div>
          </div>
          <div ref={scrollRef} className="list" data-testid="results-list">
            <div
              className="list__inner"
              role="list"
              aria-label={t.results.label}
              style={{ height: virtualizer.getTotalSize() }}
            >
              {virtualizer.getVirtualItems().map((item) => {
                const id = ids[item.index]!
                const job = queueStore.job(id)
                const file = files.get(id)
                const name = file?.name ?? job?.name ?? ''
                return (
                  <div
                    key={item.key}
                    role="listitem"
                    className="list__item"
                    data-index={item.index}
                    ref={virtualizer.measureElement}
                    style={{ transform: `translateY(${item.start}px)` }}
                  >
                    <div
                      className={`result-row${id === current ? ' result-row--current' : ''}`}
                      data-testid="result-row"
                    >
                      <input
                        type="checkbox"
                        checked={selected.has(id)}
                        onChange={() => toggle(id)}
                        aria-label={t.results.select(name)}
                      />
                      <button
                        type="button"
                        className="result-row__open"
                        onClick={() => setFocused(id)}
                        aria-current={id === current ? 'true' : undefined}
                      >
                        <Thumb id={id} size={40} ready />
                        <span className="result-row__text">
                          <span className="result-row__name">{name}</span>
                          <span className="result-row__meta">{file ? summary(file) : ' '}</span>
                        </span>
                      </button>
                    </div>
                  </div>
                )
              })}
            </div>
          </div>
        </div>
        <div className="results__detail" data-testid="result-detail">
          {detail ? (
            <Detail file={detail} template={template} />
          ) : (
            <p className="muted">{t.results.pickOne}</p>
          )}
        </div>
      </div>
    </section>
  )
}

function summary(file: FinishedFile): string {
  const bytes = file.outputs.reduce((n, o) => n + o.bytes, 0)
  return `${file.outputs.length} ${t.results.variants.toLowerCase()} · ${formatBytes(bytes)}`
}

function Detail({ file, template }: { file: FinishedFile; template: string }): React.JSX.Element {
  const main = primaryOutput(file.outputs)
  const https = main?.url.startsWith('https://') ?? false
  return (
    <div className="detail">
      <div className="detail__head">
        <Thumb id={file.id} size={72} ready />
        <div className="detail__title">
          <h2 className="detail__name">{file.name}</h2>
          <p className="detail__source" title={sourceLabel(file.source)}>
            {sourceLabel(file.source)}
          </p>
        </div>
        <button
          type="button"
          className="button button--small"
          disabled={!https}
          title={https ? undefined : t.results.openHttpsOnly}
          onClick={() => main && void attempt(() => unwrap(upshot.openLink(main.url)))}
        >
          <Icon name="external" size={16} />
          {t.actions.open}
        </button>
      </div>
      <table className="variants">
        <caption className="visually-hidden">{t.results.variants}</caption>
        <thead>
          <tr>
            <th scope="col">{t.results.variant}</th>
            <th scope="col">{t.results.format}</th>
            <th scope="col">{t.results.dimensions}</th>
            <th scope="col" className="num">
              {t.results.size}
            </th>
          </tr>
        </thead>
        <tbody>
          {file.outputs.map((o) => (
            <tr key={o.key}>
              <td>{o.variant}</td>
              <td>{o.format.toUpperCase()}</td>
              <td>{o.width && o.height ? `${o.width} × ${o.height}` : '—'}</td>
              <td className="num">{formatBytes(o.bytes)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <LinkList file={file} template={template} />
      <MirrorLinks file={file} />
    </div>
  )
}
