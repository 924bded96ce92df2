import { useVirtualizer } from '@tanstack/react-virtual'
import { useEffect, useRef, useState } from 'react'
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
import { doneRows, useQueueWindow } from '../../state/queue-store'
import { useSettings } from '../../state/settings'
import { attempt, copyDoneLinks, copyLinks } from '../queue/actions'
import { LinkList } from './LinkList'
import { MirrorLinks } from './MirrorLinks'

export function ResultsView(): React.JSX.Element {
  // The finished uploads, a window of them: the core filters and holds the list (queue-store.ts).
  const held = useQueueWindow(doneRows)
  const settings = useSettings()
  // "Select all" selects by predicate (every finished upload, held or not) minus the rows
  // unticked since; otherwise the rows ticked one by one.
  const [selection, setSelection] = useState<Selection>(NONE)
  const [focused, setFocused] = useState<string | null>(null)
  const [format, setFormat] = useState<LinkFormat | null>(null)
  const scrollRef = useRef<HTMLDivElement>(null)
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: held.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => 64,
    overscan: 6,
  })
  const items = virtualizer.getVirtualItems()
  const first = items[0]?.index ?? 0
  const last = items.at(-1)?.index ?? 0
  useEffect(() => doneRows.showing(first, last), [first, last, held.length])
  const visible = items.flatMap((v) => held.ids[v.index - held.start] ?? [])
  const current =
    focused && held.rows.has(focused) ? focused : held.start === 0 ? (held.ids[0] ?? null) : null
  const files = useFinishedFiles(current ? [...visible, current] : visible)
  const copyFormat = format ?? settings?.preferences.linkFormat ?? 'markdown'
  const template = settings?.preferences.customTemplate ?? ''

  if (held.length === 0) {
    return (
      <section className="view" aria-label={t.results.label}>
        <EmptyState icon="check" title={t.results.emptyTitle} hint={t.results.emptyHint} />
      </section>
    )
  }

  const toggle = (id: string): void => {
    const ids = new Set(selection.ids)
    if (ids.has(id)) ids.delete(id)
    else ids.add(id)
    setSelection({ all: selection.all, ids })
  }
  const isSelected = (id: string): boolean => selection.all !== selection.ids.has(id)
  const count = selection.all ? held.length - selection.ids.size : selection.ids.size
  const everything = count === held.length
  const copySelected = (): void => {
    if (selection.all) void copyDoneLinks(copyFormat, [...selection.ids])
    else void copyLinks([...selection.ids], copyFormat)
  }
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
                onClick={() => setSelection(everything ? NONE : { all: true, ids: new Set() })}
              >
                {everything ? t.actions.selectNone : t.actions.selectAll}
              </button>
              <span className="toolbar__note" aria-live="polite">
                {t.results.selected(count)}
              </span>
            </div>
            <div className="toolbar toolbar--copy">
              <CopyFormatSelect value={copyFormat} onChange={setFormat} />
              <button
                type="button"
                className="button button--small button--primary"
                disabled={count === 0}
                onClick={copySelected}
              >
                <Icon name="copy" size={16} />
                {t.results.copySelected(count)}
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
              {items.map((item) => {
                const id = held.ids[item.index - held.start]
                const job = id === undefined ? undefined : held.rows.get(id)
                const file = id === undefined ? undefined : files.get(id)
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
                    {id === undefined || !job ? (
                      <div className="result-row" data-testid="result-row-placeholder">
                        <span className="result-row__name muted">{t.queue.loadingRow}</span>
                      </div>
                    ) : (
                      <div
                        className={`result-row${id === current ? ' result-row--current' : ''}`}
                        data-testid="result-row"
                      >
                        <input
                          type="checkbox"
                          checked={isSelected(id)}
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
                    )}
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

interface Selection {
  /** Every finished upload is selected but `ids`; otherwise only `ids` are. */
  all: boolean
  ids: ReadonlySet<string>
}
const NONE: Selection = { all: false, ids: new Set() }

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
