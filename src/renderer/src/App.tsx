// Placeholder screen: the real upload UI replaces it. It already proves the bridge works (the
// version comes from the main process) and keeps drops from navigating the window away.

import { useEffect, useState, type DragEvent } from 'react'
import type { AppInfo, Result } from '../../shared/api'
import iconUrl from '../../../resources/icon.png'

export function App(): React.JSX.Element {
  const info = useAppInfo()
  const [dragging, setDragging] = useState(false)
  const [dropped, setDropped] = useState<number | null>(null)

  const onDragOver = (event: DragEvent<HTMLElement>): void => {
    event.preventDefault()
    event.dataTransfer.dropEffect = 'copy'
    setDragging(true)
  }
  const onDragLeave = (event: DragEvent<HTMLElement>): void => {
    // dragleave also fires when the pointer moves onto a child of the zone.
    if (!event.currentTarget.contains(event.relatedTarget as Node | null)) setDragging(false)
  }
  const onDrop = (event: DragEvent<HTMLElement>): void => {
    event.preventDefault()
    setDragging(false)
    setDropped(event.dataTransfer.files.length)
  }

  return (
    <div className="app">
      <header className="bar">
        <img className="bar__icon" src={iconUrl} alt="" width={28} height={28} />
        <span className="bar__name">Upshot</span>
        <span className="bar__version" data-testid="version">
          {info === null ? '…' : info.ok ? `v${info.value.version}` : 'version unknown'}
        </span>
      </header>

      <main
        className={dragging ? 'drop drop--active' : 'drop'}
        onDragOver={onDragOver}
        onDragLeave={onDragLeave}
        onDrop={onDrop}
      >
        <div className="drop__arrow" aria-hidden="true" />
        <h1 className="drop__title">Drop images here</h1>
        <p className="drop__hint">JPEG, PNG, WebP, AVIF, HEIC, GIF or SVG — or a whole folder</p>
        {dropped !== null && (
          <p className="drop__note" role="status">
            {dropped === 1 ? '1 file' : `${dropped} files`} received. Uploading arrives with the
            next build.
          </p>
        )}
      </main>

      <footer className="foot">
        {info?.ok === false ? (
          <span className="foot__error" role="alert">
            {info.error.message}
          </span>
        ) : (
          <span title="Ledger, settings and staged outputs">
            Data: <code>{info?.ok ? info.value.dataDir : '…'}</code>
          </span>
        )}
      </footer>
    </div>
  )
}

function useAppInfo(): Result<AppInfo> | null {
  const [info, setInfo] = useState<Result<AppInfo> | null>(null)
  useEffect(() => {
    let live = true
    window.upshot.getAppInfo().then(
      (result) => live && setInfo(result),
      () =>
        live &&
        setInfo({
          ok: false,
          error: { code: 'INTERNAL', message: 'The app could not reach its main process.' },
        }),
    )
    return () => {
      live = false
    }
  }, [])
  return info
}
