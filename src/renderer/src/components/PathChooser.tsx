// The browser face's chooser for paths on the computer that runs Upshot (a sync folder, a
// watermark image, a photo for a preset's preview): the core lists folders (browseFolder) and
// gives a token for what was picked (chooseBrowsed), the same token a native dialog would give.

import { useCallback, useEffect, useRef, useState } from 'react'
import type { FolderListing } from '../../../shared/api'
import { t } from '../i18n'
import { Icon } from './Icon'
import { messageOf, unwrap, upshot } from '../lib/api'
import { useChoiceRequest, type ChoiceRequest } from '../state/chooser'

export function PathChooser(): React.JSX.Element | null {
  const request = useChoiceRequest()
  return request ? <ChooserDialog key={request.id} request={request} /> : null
}

function ChooserDialog({ request }: { request: ChoiceRequest }): React.JSX.Element {
  const ref = useRef<HTMLDialogElement>(null)
  const [listing, setListing] = useState<FolderListing | null>(null)
  const [typed, setTyped] = useState('')
  const [error, setError] = useState<string | null>(null)
  const folders = request.purpose === 'sync-folder' || request.purpose === 'upload-folder'
  const upload = request.purpose === 'upload-folder'

  // A path being typed is the user's: the listing that arrives meanwhile does not replace it.
  const typing = useRef(false)
  const show = useCallback((result: FolderListing | string) => {
    if (typeof result === 'string') {
      setError(result)
      return
    }
    setListing(result)
    if (!typing.current) setTyped(result.path)
    setError(null)
  }, [])

  const list = useCallback(
    (to: string | null): Promise<FolderListing | string> =>
      unwrap(upshot.browseFolder(request.purpose, to)).catch((err: unknown) => messageOf(err)),
    [request.purpose],
  )

  // Only the newest listing asked for is shown: the home folder's, asked for on opening, may
  // arrive after a folder the user went to meanwhile (a big home, a busy core).
  const asked = useRef(0)
  const go = (to: string | null): Promise<void> => {
    typing.current = false
    const n = ++asked.current
    return list(to).then((r) => {
      if (n === asked.current) show(r)
    })
  }

  useEffect(() => {
    const dialog = ref.current
    if (dialog && !dialog.open) dialog.showModal()
    const n = ++asked.current
    void list(null).then((r) => {
      if (n === asked.current) show(r)
    })
  }, [list, show])

  const choose = async (chosen: string): Promise<void> => {
    try {
      request.answer(await unwrap(upshot.chooseBrowsed(request.purpose, chosen)))
    } catch (err) {
      setError(messageOf(err))
    }
  }

  const join = (name: string): string =>
    listing
      ? `${listing.path.replace(/[/\\]$/, '')}${listing.path.includes('\\') ? '\\' : '/'}${name}`
      : name

  return (
    <dialog
      ref={ref}
      className="dialog chooser"
      aria-labelledby="chooser-title"
      data-testid="path-chooser"
      onCancel={(e) => {
        e.preventDefault()
        request.answer(null)
      }}
    >
      <h2 id="chooser-title" className="dialog__title">
        {t.chooser.titles[request.purpose]}
      </h2>
      <p className="dialog__body">{t.chooser.where}</p>
      <form
        className="chooser__path"
        onSubmit={(e) => {
          e.preventDefault()
          void go(typed)
        }}
      >
        <label className="visually-hidden" htmlFor="chooser-path">
          {t.chooser.path}
        </label>
        <input
          id="chooser-path"
          type="text"
          value={typed}
          spellCheck={false}
          onChange={(e) => {
            typing.current = true
            setTyped(e.target.value)
          }}
        />
        <button type="submit" className="button">
          {t.chooser.go}
        </button>
      </form>
      <div className="chooser__nav">
        <button
          type="button"
          className="button"
          disabled={!listing?.parent}
          onClick={() => listing?.parent && void go(listing.parent)}
        >
          {t.chooser.up}
        </button>
        <button type="button" className="button" onClick={() => void go(null)}>
          {t.chooser.home}
        </button>
      </div>
      {error && (
        <p className="chooser__error" role="alert">
          {error}
        </p>
      )}
      <ul className="chooser__list" aria-label={t.chooser.list}>
        {listing?.entries.map((e) => (
          <li key={`${e.kind}:${e.name}`}>
            <button
              type="button"
              className={`chooser__entry chooser__entry--${e.kind}`}
              // A folder to upload is chosen whole: its images are shown, not picked one by one.
              disabled={folders && e.kind === 'image'}
              onClick={() => void (e.kind === 'folder' ? go(join(e.name)) : choose(join(e.name)))}
            >
              <Icon name={e.kind === 'folder' ? 'folder' : 'image'} size={16} /> {e.name}
            </button>
          </li>
        ))}
        {listing && listing.entries.length === 0 && (
          <li className="chooser__empty">{folders ? t.chooser.empty : t.chooser.emptyImages}</li>
        )}
      </ul>
      {listing?.truncated && <p className="form__hint">{t.chooser.truncated}</p>}
      <div className="dialog__actions">
        {upload && (
          <button
            type="button"
            className="button chooser__from-browser"
            onClick={() => request.answer('browser')}
          >
            {t.chooser.fromBrowser}
          </button>
        )}
        <button type="button" className="button" onClick={() => request.answer(null)}>
          {t.actions.cancel}
        </button>
        {folders && (
          <button
            type="button"
            className="button button--primary"
            disabled={!listing}
            onClick={() => listing && void choose(listing.path)}
          >
            {upload ? t.chooser.addThis : t.chooser.chooseThis}
          </button>
        )}
      </div>
    </dialog>
  )
}
