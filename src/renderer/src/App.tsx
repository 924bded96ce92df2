// The window: a header with the views and the add buttons, the current view, a drop target
// over everything, paste-to-upload, and one line of feedback at the bottom.

import { useEffect, useRef, useState, type KeyboardEvent } from 'react'
import iconUrl from '../../../resources/icon.png'
import { Icon } from './components/Icon'
import { Toasts } from './components/Toasts'
import { PathChooser } from './components/PathChooser'
import { TransferBar } from './components/TransferBar'
import { filesFromDrop } from './lib/dropped-files'
import { BrowseView } from './features/browse/BrowseView'
import { HistoryView } from './features/history/HistoryView'
import { addFromDialog, attempt } from './features/queue/actions'
import { QueueView } from './features/queue/QueueView'
import { ResultsView } from './features/results/ResultsView'
import { SettingsView } from './features/settings/SettingsView'
import { SyncView } from './features/sync/SyncView'
import { t } from './i18n'
import { unwrap, upshot } from './lib/api'
import { setCoreStatus, useCoreStatus } from './state/core'
import { applyQueuePatch, loadQueue, useQueueTotals } from './state/queue-store'
import { setSettings } from './state/settings'
import { toast } from './state/toasts'

const TABS = ['queue', 'results', 'history', 'browse', 'sync', 'settings'] as const
type Tab = (typeof TABS)[number]

export function App(): React.JSX.Element {
  const [tab, setTab] = useState<Tab>('queue')
  /** The folder the History view is narrowed to (opened from a sync pair); null for all. */
  const [historyFolder, setHistoryFolder] = useState<string | null>(null)
  const dragging = useWindowDrop()
  const queue = useQueueTotals()
  const tabRefs = useRef<Record<Tab, HTMLButtonElement | null>>({
    queue: null,
    results: null,
    history: null,
    browse: null,
    sync: null,
    settings: null,
  })

  /** Bumped when the core came back: the views remount and fetch what they show afresh. */
  const [coreEpoch, setCoreEpoch] = useState(0)
  const core = useCoreStatus()

  useEffect(() => {
    const load = (): void => {
      loadQueue()
      void attempt(async () => setSettings(await unwrap(upshot.getSettings())))
    }
    const offQueue = upshot.on('queue', applyQueuePatch)
    const offSettings = upshot.on('settings', setSettings)
    const offNotice = upshot.on('notice', (n) => toast(n.message, n.kind))
    const offCore = upshot.on('core', (status) => {
      if (!setCoreStatus(status)) return
      load()
      setCoreEpoch((n) => n + 1)
      toast(t.core.back, 'info')
    })
    load()
    return () => {
      offQueue()
      offSettings()
      offNotice()
      offCore()
    }
  }, [])

  const onTabKey = (e: KeyboardEvent<HTMLDivElement>): void => {
    const i = TABS.indexOf(tab)
    const next =
      e.key === 'ArrowRight'
        ? TABS[(i + 1) % TABS.length]
        : e.key === 'ArrowLeft'
          ? TABS[(i + TABS.length - 1) % TABS.length]
          : e.key === 'Home'
            ? TABS[0]
            : e.key === 'End'
              ? TABS[TABS.length - 1]
              : undefined
    if (!next) return
    e.preventDefault()
    setTab(next)
    tabRefs.current[next]?.focus()
  }

  const o = queue.overall
  const active = o.counts.queued + o.counts.processing + o.counts.processed + o.counts.uploading
  const badges: Partial<Record<Tab, number>> = {
    queue: active + o.counts.paused,
    results: o.counts.done,
  }

  return (
    <div className="app">
      <header className="topbar">
        <div className="brand">
          <img className="brand__icon" src={iconUrl} alt="" width={26} height={26} />
          <span className="brand__name">{t.appName}</span>
        </div>
        <div className="tabs" role="tablist" aria-label={t.nav.label} onKeyDown={onTabKey}>
          {TABS.map((name) => (
            <button
              key={name}
              ref={(el) => {
                tabRefs.current[name] = el
              }}
              type="button"
              role="tab"
              id={`tab-${name}`}
              aria-selected={tab === name}
              aria-controls={`panel-${name}`}
              tabIndex={tab === name ? 0 : -1}
              className={`tab${tab === name ? ' tab--on' : ''}`}
              onClick={() => setTab(name)}
            >
              {t.nav[name]}
              {badges[name] ? (
                <span className="tab__badge">{badges[name]!.toLocaleString()}</span>
              ) : null}
            </button>
          ))}
        </div>
        <div className="topbar__actions">
          <button
            type="button"
            className="button button--primary"
            onClick={() => void addFromDialog('files')}
          >
            <Icon name="file" size={16} />
            <span className="button__text">{t.actions.addFiles}</span>
          </button>
          <button type="button" className="button" onClick={() => void addFromDialog('folder')}>
            <Icon name="folder" size={16} />
            <span className="button__text">{t.actions.addFolder}</span>
          </button>
        </div>
      </header>
      {core && core.state !== 'running' && core.message && (
        <div
          className={`core-banner core-banner--${core.state}`}
          role={core.state === 'stopped' ? 'alert' : 'status'}
          data-testid="core-banner"
        >
          <Icon name="alert" size={16} />
          <span>{core.message}</span>
        </div>
      )}
      {upshot.face === 'browser' && <TransferBar />}
      <main
        key={coreEpoch}
        className="main"
        id={`panel-${tab}`}
        role="tabpanel"
        aria-labelledby={`tab-${tab}`}
      >
        {tab === 'queue' && <QueueView />}
        {tab === 'results' && <ResultsView />}
        {tab === 'history' && (
          <HistoryView folder={historyFolder} onClearFolder={() => setHistoryFolder(null)} />
        )}
        {tab === 'browse' && <BrowseView />}
        {tab === 'sync' && (
          <SyncView
            onOpenHistory={(folder) => {
              setHistoryFolder(folder)
              setTab('history')
              tabRefs.current.history?.focus()
            }}
          />
        )}
        {tab === 'settings' && <SettingsView />}
      </main>
      <PathChooser />
      {dragging && (
        <div className="drop-overlay" aria-hidden="true">
          <div className="drop-overlay__box">
            <Icon name="upload" size={40} />
            <strong>{t.drop.overlay}</strong>
            <span>{t.drop.overlayHint}</span>
          </div>
        </div>
      )}
      <Toasts />
    </div>
  )
}

/**
 * Files and folders dropped anywhere on the window are uploaded, and Ctrl/Cmd+V outside a text
 * field uploads the clipboard's files or image. A drop never navigates the window away.
 */
function useWindowDrop(): boolean {
  const [dragging, setDragging] = useState(false)
  useEffect(() => {
    let depth = 0
    const hasFiles = (e: DragEvent): boolean =>
      Array.from(e.dataTransfer?.types ?? []).includes('Files')
    const onEnter = (e: DragEvent): void => {
      if (!hasFiles(e)) return
      e.preventDefault()
      depth++
      setDragging(true)
    }
    const onOver = (e: DragEvent): void => {
      e.preventDefault()
      if (e.dataTransfer) e.dataTransfer.dropEffect = hasFiles(e) ? 'copy' : 'none'
    }
    const onLeave = (): void => {
      depth = Math.max(0, depth - 1)
      if (depth === 0) setDragging(false)
    }
    const onDrop = (e: DragEvent): void => {
      e.preventDefault()
      depth = 0
      setDragging(false)
      const data = e.dataTransfer
      if (!data) return
      if (upshot.face === 'browser') {
        // A browser gives a dropped folder's files only by walking its entries, now or never.
        const walking = filesFromDrop(data)
        void attempt(async () => {
          const files = await walking
          if (files.length > 0) await unwrap(upshot.addFiles(files))
        })
        return
      }
      const files = Array.from(data.files)
      if (files.length > 0) void attempt(() => unwrap(upshot.addFiles(files)))
    }
    const onPaste = (e: ClipboardEvent): void => {
      const target = e.target as HTMLElement | null
      if (
        target &&
        (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName))
      )
        return
      const data = e.clipboardData
      if (!data) return
      const files = Array.from(data.files)
      const hasImage = Array.from(data.items).some(
        (i) => i.kind === 'file' && i.type.startsWith('image/'),
      )
      if (files.length === 0 && !hasImage) return
      e.preventDefault()
      void attempt(async () => {
        const added = files.length > 0 ? (await unwrap(upshot.addFiles(files))).added : 0
        // A copied bitmap (a screenshot) has no path: the main process reads it from the clipboard.
        if (added === 0 && hasImage) await unwrap(upshot.uploadClipboardImage())
      })
    }
    window.addEventListener('dragenter', onEnter)
    window.addEventListener('dragover', onOver)
    window.addEventListener('dragleave', onLeave)
    window.addEventListener('drop', onDrop)
    document.addEventListener('paste', onPaste)
    return () => {
      window.removeEventListener('dragenter', onEnter)
      window.removeEventListener('dragover', onOver)
      window.removeEventListener('dragleave', onLeave)
      window.removeEventListener('drop', onDrop)
      document.removeEventListener('paste', onPaste)
    }
  }, [])
  return dragging
}
