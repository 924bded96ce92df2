import { useCallback, useEffect, useState } from 'react'
import type {
  DestinationUsage,
  HistoryItem,
  HistoryQuery,
  HistoryStatus,
} from '../../../../shared/api'
import type { LinkFormat } from '../../../../shared/links'
import { ConfirmDialog } from '../../components/ConfirmDialog'
import { CopyFormatSelect } from '../../components/CopyFormatSelect'
import { EmptyState } from '../../components/EmptyState'
import { Icon } from '../../components/Icon'
import { t } from '../../i18n'
import { unwrap, upshot } from '../../lib/api'
import { formatBytes, formatDate } from '../../lib/format'
import { sourceLabel } from '../../lib/source-label'
import { useQueueTotals } from '../../state/queue-store'
import { useSettings } from '../../state/settings'
import { toast } from '../../state/toasts'
import { attempt, copyLinks } from '../queue/actions'

const PAGE = 100
const STATUSES: HistoryStatus[] = ['done', 'failed', 'canceled', 'deleted']

interface Filters {
  search: string
  destinationId: string
  status: HistoryStatus | ''
  from: string
  to: string
}

function toQuery(f: Filters, folder: string | null, offset: number): HistoryQuery {
  return {
    ...(folder ? { folder } : {}),
    ...(f.search.trim() ? { search: f.search.trim() } : {}),
    ...(f.destinationId ? { destinationId: f.destinationId } : {}),
    ...(f.status ? { status: f.status } : {}),
    ...(f.from ? { since: new Date(`${f.from}T00:00:00`).getTime() } : {}),
    ...(f.to ? { until: new Date(`${f.to}T23:59:59.999`).getTime() } : {}),
    offset,
    limit: PAGE,
  }
}

export function HistoryView(props: {
  /** Only uploads from inside this folder (a sync pair's history); null for all. */
  folder: string | null
  onClearFolder(): void
}): React.JSX.Element {
  const folder = props.folder
  const settings = useSettings()
  // Finished jobs in the queue change the history: refetch when that count moves.
  const { overall } = useQueueTotals()
  const finishedCount = overall.counts.done + overall.counts.failed + overall.counts.canceled
  const [filters, setFilters] = useState<Filters>({
    search: '',
    destinationId: '',
    status: '',
    from: '',
    to: '',
  })
  const [items, setItems] = useState<HistoryItem[]>([])
  const [total, setTotal] = useState<number | null>(null)
  const [usage, setUsage] = useState<DestinationUsage[]>([])
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set())
  const [confirming, setConfirming] = useState<string[] | null>(null)
  const [format, setFormat] = useState<LinkFormat | null>(null)
  const copyFormat = format ?? settings?.preferences.linkFormat ?? 'markdown'
  const [reload, setReload] = useState(0)

  useEffect(() => {
    let live = true
    // A short pause so typing a search does not query the ledger on every key.
    const timer = setTimeout(() => {
      void attempt(async () => {
        const [page, use] = await Promise.all([
          unwrap(upshot.getHistory(toQuery(filters, folder, 0))),
          unwrap(upshot.getUsage()),
        ])
        if (!live) return
        setItems(page.items)
        setTotal(page.total)
        setUsage(use)
      })
    }, 150)
    return () => {
      live = false
      clearTimeout(timer)
    }
  }, [filters, folder, reload, finishedCount])

  const loadMore = useCallback(async () => {
    const page = await attempt(() =>
      unwrap(upshot.getHistory(toQuery(filters, folder, items.length))),
    )
    if (page) setItems((prev) => [...prev, ...page.items])
  }, [filters, folder, items.length])

  const set = (patch: Partial<Filters>): void => setFilters((f) => ({ ...f, ...patch }))
  const toggle = (id: string): void => {
    const next = new Set(selected)
    if (next.has(id)) next.delete(id)
    else next.add(id)
    setSelected(next)
  }
  const chosen = items.filter((i) => selected.has(i.id))
  const filtered =
    folder !== null ||
    filters.search !== '' ||
    filters.destinationId !== '' ||
    filters.status !== '' ||
    filters.from !== '' ||
    filters.to !== ''

  const remove = async (ids: string[]): Promise<void> => {
    setConfirming(null)
    const result = await attempt(() => unwrap(upshot.deleteUploads(ids)))
    if (!result) return
    if (result.failures.length > 0)
      toast(
        `${t.history.deleteFailed(result.failures.length)} ${result.failures[0]!.message}`,
        'error',
      )
    else if (result.purgePending) toast(result.purge ?? '', 'error')
    else
      toast(
        [t.history.deleted(result.deleted, result.kept), result.purge].filter(Boolean).join(' '),
      )
    setSelected(new Set())
    setReload((n) => n + 1)
  }

  if (total === 0 && !filtered) {
    return (
      <section className="view" aria-label={t.history.label}>
        <EmptyState icon="server" title={t.history.emptyTitle} hint={t.history.emptyHint} />
      </section>
    )
  }

  return (
    <section className="view view--history" aria-label={t.history.label}>
      {usage.length > 0 && (
        <div className="usage" aria-label={t.history.summary} role="region">
          {usage.map((u) => (
            <div key={u.destinationId} className="usage__card">
              <div className="usage__head">
                <Icon name="server" size={16} />
                <strong className="usage__name">{u.name}</strong>
              </div>
              <div className="usage__big">
                {t.history.files(u.files)} · {formatBytes(u.bytes)}
              </div>
              <div className="usage__chips">
                {u.byVariant.map((v) => (
                  <span key={v.variant} className="chip" title={t.history.objects(v.objects)}>
                    {v.variant} {formatBytes(v.bytes)}
                  </span>
                ))}
                {u.byFormat.map((f) => (
                  <span
                    key={f.format}
                    className="chip chip--format"
                    title={t.history.objects(f.objects)}
                  >
                    {f.format.toUpperCase()} {formatBytes(f.bytes)}
                  </span>
                ))}
              </div>
            </div>
          ))}
        </div>
      )}
      <div className="filters" role="search">
        {folder && (
          <span className="chip chip--filter" data-testid="history-folder">
            <Icon name="folder" size={14} />
            <span className="chip__text" title={folder}>
              {t.history.inFolder(folder)}
            </span>
            <button
              type="button"
              className="chip__clear"
              aria-label={t.history.clearFolder(folder)}
              title={t.history.clearFolder(folder)}
              onClick={props.onClearFolder}
            >
              <Icon name="x" size={14} />
            </button>
          </span>
        )}
        <label className="field field--search">
          <span className="visually-hidden">{t.history.search}</span>
          <Icon name="search" size={16} />
          <input
            type="search"
            placeholder={t.history.search}
            value={filters.search}
            onChange={(e) => set({ search: e.target.value })}
            aria-label={t.history.search}
          />
        </label>
        <label className="field">
          <span className="field__label">{t.history.destination}</span>
          <select
            value={filters.destinationId}
            onChange={(e) => set({ destinationId: e.target.value })}
          >
            <option value="">{t.history.anyDestination}</option>
            {usage.map((u) => (
              <option key={u.destinationId} value={u.destinationId}>
                {u.name}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="field__label">{t.history.status}</span>
          <select
            value={filters.status}
            onChange={(e) => set({ status: e.target.value as HistoryStatus | '' })}
          >
            <option value="">{t.history.anyStatus}</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {t.historyStatus[s]}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="field__label">{t.history.from}</span>
          <input type="date" value={filters.from} onChange={(e) => set({ from: e.target.value })} />
        </label>
        <label className="field">
          <span className="field__label">{t.history.to}</span>
          <input type="date" value={filters.to} onChange={(e) => set({ to: e.target.value })} />
        </label>
      </div>
      <div className="toolbar">
        <span className="toolbar__note" aria-live="polite">
          {total === null ? '' : t.history.count(items.length, total)}
        </span>
        <span className="toolbar__spacer" />
        {chosen.length > 0 && (
          <span className="toolbar__note">{t.results.selected(chosen.length)}</span>
        )}
        <CopyFormatSelect value={copyFormat} onChange={setFormat} />
        <button
          type="button"
          className="button button--small"
          disabled={chosen.filter((c) => c.status === 'done').length === 0}
          onClick={() =>
            void copyLinks(
              chosen.filter((c) => c.status === 'done').map((c) => c.id),
              copyFormat,
            )
          }
        >
          <Icon name="copy" size={16} />
          {t.actions.copy}
        </button>
        <button
          type="button"
          className="button button--small button--danger-quiet"
          disabled={chosen.filter((c) => c.status === 'done').length === 0}
          onClick={() => setConfirming(chosen.filter((c) => c.status === 'done').map((c) => c.id))}
        >
          <Icon name="trash" size={16} />
          {t.actions.delete}
        </button>
      </div>
      <div className="table-wrap" data-testid="history-table">
        {items.length === 0 ? (
          <p className="muted table-empty">{t.history.noMatch}</p>
        ) : (
          <table className="history">
            <caption className="visually-hidden">{t.history.label}</caption>
            <thead>
              <tr>
                <th scope="col" className="history__check">
                  <span className="visually-hidden">{t.actions.selectAll}</span>
                </th>
                <th scope="col">{t.history.columns.name}</th>
                <th scope="col" className="history__dest">
                  {t.history.columns.destination}
                </th>
                <th scope="col" className="history__date">
                  {t.history.columns.date}
                </th>
                <th scope="col" className="num">
                  {t.history.columns.size}
                </th>
                <th scope="col">{t.history.columns.status}</th>
                <th scope="col">
                  <span className="visually-hidden">{t.queue.rowActions('')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((item) => (
                <tr key={item.id} data-testid="history-row" data-status={item.status}>
                  <td className="history__check">
                    <input
                      type="checkbox"
                      checked={selected.has(item.id)}
                      onChange={() => toggle(item.id)}
                      aria-label={t.results.select(item.name)}
                    />
                  </td>
                  <td className="history__name">
                    <span title={sourceLabel(item.source)}>{item.name}</span>
                    {item.error && <span className="history__error">{item.error.message}</span>}
                    {item.mirrors && <HistoryMirrors id={item.id} mirrors={item.mirrors} />}
                  </td>
                  <td className="history__dest">{item.destinationName}</td>
                  <td className="history__date">{formatDate(item.finishedAt)}</td>
                  <td className="num">
                    {item.status === 'done' || item.status === 'deleted'
                      ? formatBytes(item.bytes)
                      : '—'}
                  </td>
                  <td>
                    <span
                      className={`badge badge--${item.status === 'deleted' ? 'canceled' : item.status}`}
                    >
                      {t.historyStatus[item.status]}
                    </span>
                  </td>
                  <td className="history__actions">
                    {item.status === 'done' && (
                      <>
                        <button
                          type="button"
                          className="icon-button"
                          aria-label={`${t.actions.copy} ${t.formats[copyFormat]} ${item.name}`}
                          title={`${t.actions.copy} ${t.formats[copyFormat]}`}
                          onClick={() => void copyLinks([item.id], copyFormat)}
                        >
                          <Icon name="copy" />
                        </button>
                        <button
                          type="button"
                          className="icon-button icon-button--danger"
                          aria-label={`${t.actions.delete}: ${item.name}`}
                          title={t.actions.delete}
                          onClick={() => setConfirming([item.id])}
                        >
                          <Icon name="trash" />
                        </button>
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {total !== null && items.length < total && (
          <div className="table-more">
            <button type="button" className="button button--small" onClick={() => void loadMore()}>
              {t.actions.loadMore}
            </button>
          </div>
        )}
      </div>
      {confirming && (
        <ConfirmDialog
          title={t.history.confirmTitle(confirming.length)}
          body={t.history.confirmBody}
          confirm={t.history.confirm}
          onConfirm={() => void remove(confirming)}
          onCancel={() => setConfirming(null)}
        />
      )}
    </section>
  )
}

/**
 * A done upload's mirrors: each one's URL copied with a click (a fallback if the primary goes
 * away), once every object is there. Through the core, like every copy.
 */
function HistoryMirrors({
  id,
  mirrors,
}: {
  id: string
  mirrors: NonNullable<HistoryItem['mirrors']>
}): React.JSX.Element {
  const m = t.results.mirrors
  const copy = async (mirror: string): Promise<void> => {
    const r = await attempt(() => unwrap(upshot.copyLinks([id], 'url', mirror)))
    if (r) toast(m.copied(mirror))
  }
  return (
    <span className="history__mirrors" data-testid="history-mirrors">
      {mirrors.map((x) => (
        <button
          key={x.mirror}
          type="button"
          className="history__mirror"
          data-state={x.state}
          disabled={x.state !== 'done'}
          aria-label={x.state === 'done' ? m.copy(x.mirror) : `${x.mirror}: ${m.state[x.state]}`}
          title={x.state === 'done' ? m.copy(x.mirror) : m.state[x.state]}
          onClick={() => void copy(x.mirror)}
        >
          <Icon name="server" size={14} />
          {x.mirror}
          {x.state !== 'done' && <span className="history__mirror-state">{m.state[x.state]}</span>}
        </button>
      ))}
    </span>
  )
}
