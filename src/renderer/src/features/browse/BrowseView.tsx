// Browse: what is in a destination, not only what this computer's ledger remembers. Folders by
// `/`, search by name prefix, page by page in a virtualised list; thumbnails, links in every
// format and the upload's history where the ledger knows the object; orphans with their total
// size, adopt or delete; delete (with the CDN purge) after a confirmation.
import { useCallback, useEffect, useState } from 'react'
import type { BrowseObject, OrphanView } from '../../../../shared/api'
import type { LinkFormat } from '../../../../shared/links'
import { ConfirmDialog } from '../../components/ConfirmDialog'
import { CopyFormatSelect } from '../../components/CopyFormatSelect'
import { Icon } from '../../components/Icon'
import { BucketThumb } from '../../components/BucketThumb'
import { t } from '../../i18n'
import { unwrap, upshot } from '../../lib/api'
import { formatBytes, formatDate } from '../../lib/format'
import { useSettings } from '../../state/settings'
import { toast } from '../../state/toasts'
import { attempt, copyLinks } from '../queue/actions'
import { VirtualList } from './VirtualList'

type Entry = { folder: string } | { object: BrowseObject }

export function BrowseView(): React.JSX.Element {
  const settings = useSettings()
  const b = t.browse
  const [destId, setDestId] = useState<string | null>(settings?.defaultDestinationId ?? null)
  const [folder, setFolder] = useState('')
  const [search, setSearch] = useState('')
  const [entries, setEntries] = useState<Entry[]>([])
  const [base, setBase] = useState('')
  const [next, setNext] = useState<string | null>(null)
  const [loading, setLoading] = useState(false)
  const [orphans, setOrphans] = useState<OrphanView | null>(null)
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set())
  const [confirming, setConfirming] = useState<string[] | null>(null)
  const [format, setFormat] = useState<LinkFormat>(settings?.preferences.linkFormat ?? 'markdown')
  const [reload, setReload] = useState(0)

  const toEntries = (folders: string[], objects: BrowseObject[]): Entry[] => [
    ...folders.map((f) => ({ folder: f })),
    ...objects.map((o) => ({ object: o })),
  ]

  useEffect(() => {
    let live = true
    const timer = setTimeout(() => {
      setLoading(true)
      void attempt(async () => {
        const page = await unwrap(upshot.browseDestination(destId, folder + search, null))
        if (!live) return
        setOrphans(null)
        setBase(page.base)
        setEntries(toEntries(page.folders, page.objects))
        setNext(page.next)
        setSelected(new Set())
      }).finally(() => live && setLoading(false))
    }, 150)
    return () => {
      live = false
      clearTimeout(timer)
    }
  }, [destId, folder, search, reload])

  const more = useCallback(() => {
    if (!next || loading || orphans) return
    setLoading(true)
    void attempt(async () => {
      const page = await unwrap(upshot.browseDestination(destId, folder + search, next))
      setEntries((prev) => [...prev, ...toEntries(page.folders, page.objects)])
      setNext(page.next)
    }).finally(() => setLoading(false))
  }, [destId, folder, search, next, loading, orphans])

  const showOrphans = async (): Promise<void> => {
    setLoading(true)
    const found = await attempt(() => unwrap(upshot.findOrphans(destId)))
    setLoading(false)
    if (!found) return
    setOrphans(found)
    setEntries(toEntries([], found.objects))
    setNext(null)
    setSelected(new Set())
  }

  const objects = entries.flatMap((e) => ('object' in e ? [e.object] : []))
  const chosen = objects.filter((o) => selected.has(o.key))
  const known = chosen.filter((o) => o.jobId !== null)

  const remove = async (keys: string[]): Promise<void> => {
    setConfirming(null)
    const r = await attempt(() => unwrap(upshot.deleteObjects(destId, keys)))
    if (!r) return
    if (r.failures.length > 0)
      toast(`${b.deleteFailed(r.failures.length)} ${r.failures[0]!.message}`, 'error')
    else if (r.purgePending) toast(r.purge ?? '', 'error')
    else toast([b.deleted(r.deleted, r.kept), r.purge].filter(Boolean).join(' '))
    setReload((n) => n + 1)
  }

  const adopt = async (): Promise<void> => {
    const r = await attempt(() =>
      unwrap(
        upshot.adoptOrphans(
          destId,
          chosen.map((o) => o.key),
        ),
      ),
    )
    if (r) toast(b.adopted(r.adopted, r.skipped))
    await showOrphans()
  }

  const rel = (key: string): string => (key.startsWith(base) ? key.slice(base.length) : key)
  const crumbs = folder.split('/').filter(Boolean)
  const toggle = (key: string): void => {
    const s = new Set(selected)
    if (s.has(key)) s.delete(key)
    else s.add(key)
    setSelected(s)
  }

  return (
    <section className="view view--browse" aria-label={b.label}>
      <div className="filters" role="search">
        <label className="field">
          <span className="field__label">{b.destination}</span>
          <select
            value={destId ?? ''}
            onChange={(e) => {
              setDestId(e.target.value || null)
              setFolder('')
            }}
          >
            <option value="">{b.builtIn}</option>
            {settings?.destinations.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name}
              </option>
            ))}
          </select>
        </label>
        <label className="field field--search">
          <Icon name="search" size={16} />
          <input
            type="search"
            placeholder={b.search}
            aria-label={b.search}
            value={search}
            onChange={(e) => setSearch(e.target.value)}
          />
        </label>
        <button type="button" className="button button--small" onClick={() => void showOrphans()}>
          <Icon name="alert" size={16} />
          {b.findOrphans}
        </button>
      </div>
      {orphans ? (
        <nav className="crumbs" aria-label={b.path}>
          <button type="button" className="crumb" onClick={() => setReload((n) => n + 1)}>
            {b.backToListing}
          </button>
          <span className="muted">{b.orphansEverywhere(base || b.top)}</span>
        </nav>
      ) : (
        <nav className="crumbs" aria-label={b.path}>
          <button type="button" className="crumb" onClick={() => setFolder('')}>
            {base || b.top}
          </button>
          {crumbs.map((c, i) => (
            <button
              key={i}
              type="button"
              className="crumb"
              onClick={() => setFolder(crumbs.slice(0, i + 1).join('/') + '/')}
            >
              / {c}
            </button>
          ))}
        </nav>
      )}
      <div className="toolbar">
        <span className="toolbar__note" aria-live="polite" data-testid="browse-count">
          {orphans
            ? b.orphanSummary(orphans.objects.length, formatBytes(orphans.bytes), orphans.scanned)
            : b.count(objects.length, entries.length - objects.length, next !== null)}
          {orphans &&
            (orphans.uploads === null
              ? ` ${b.uploadsUnknown}`
              : ` ${b.uploads(orphans.uploads.length)}`)}
        </span>
        <span className="toolbar__spacer" />
        <CopyFormatSelect value={format} onChange={setFormat} />
        <button
          type="button"
          className="button button--small"
          disabled={known.length === 0}
          onClick={() => void copyLinks([...new Set(known.map((o) => o.jobId!))], format)}
        >
          <Icon name="copy" size={16} />
          {t.actions.copy}
        </button>
        {orphans && (
          <button
            type="button"
            className="button button--small"
            disabled={chosen.length === 0}
            onClick={() => void adopt()}
          >
            <Icon name="check" size={16} />
            {b.adopt}
          </button>
        )}
        <button
          type="button"
          className="button button--small button--danger-quiet"
          disabled={chosen.length === 0}
          onClick={() => setConfirming(chosen.map((o) => o.key))}
        >
          <Icon name="trash" size={16} />
          {t.actions.delete}
        </button>
      </div>
      <VirtualList
        items={entries}
        height={480}
        label={b.label}
        onEnd={more}
        row={(e) =>
          'folder' in e ? (
            <button
              type="button"
              className="vlist__folder"
              onClick={() => {
                setFolder(rel(e.folder))
                setSearch('')
              }}
            >
              <Icon name="folder" size={18} />
              <span>{rel(e.folder).slice(folder.length)}</span>
            </button>
          ) : (
            <div className="vlist__object">
              <input
                type="checkbox"
                checked={selected.has(e.object.key)}
                onChange={() => toggle(e.object.key)}
                aria-label={b.select(e.object.name)}
              />
              <BucketThumb dest={destId} objectKey={e.object.key} size={44} />
              <span className="vlist__name" title={e.object.key}>
                {orphans ? rel(e.object.key) : e.object.name}
              </span>
              <span className="vlist__meta">{formatBytes(e.object.size)}</span>
              <span className="vlist__meta">{formatDate(e.object.lastModified)}</span>
              <span className="vlist__meta">{e.object.jobId ? b.inHistory : b.unknown}</span>
              <button
                type="button"
                className="button button--small"
                onClick={() => void attempt(() => unwrap(upshot.openLink(e.object.url)))}
                aria-label={b.open(e.object.name)}
              >
                <Icon name="external" size={16} />
              </button>
            </div>
          )
        }
      />
      {loading && <p className="muted">{b.loading}</p>}
      {confirming && (
        <ConfirmDialog
          title={b.confirmTitle(confirming.length)}
          body={b.confirmBody}
          confirm={t.actions.delete}
          onConfirm={() => void remove(confirming)}
          onCancel={() => setConfirming(null)}
        />
      )}
    </section>
  )
}
