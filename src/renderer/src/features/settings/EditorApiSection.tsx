import { useEffect, useState } from 'react'
import type { EditorApiStatus, Preferences } from '../../../../shared/api'
import { t } from '../../i18n'
import { unwrap, upshot } from '../../lib/api'
import { toast } from '../../state/toasts'
import { attempt } from '../queue/actions'

/**
 * Settings -> Editors: the PicGo-compatible API that Typora, Obsidian and PicGo plugins upload
 * through. The page never holds the key: the core puts the URLs on the clipboard.
 */
export function EditorApiSection({
  prefs,
  save,
}: {
  prefs: Preferences
  save(patch: Partial<Preferences>): Promise<void>
}): React.JSX.Element {
  const [status, setStatus] = useState<EditorApiStatus | null>(null)
  useEffect(() => {
    const off = upshot.on('editorApi', setStatus)
    void upshot.getEditorApi().then((r) => r.ok && setStatus(r.value))
    return off
  }, [])

  if (upshot.face !== 'window') {
    return (
      <p className="form__hint settings__wide" data-testid="editor-api-browser">
        {t.editorApi.browserFace}
      </p>
    )
  }
  const listening = status?.state === 'listening'
  const copy = async (kind: 'upload' | 'delete'): Promise<void> => {
    const copied = await attempt(async () => {
      await unwrap(upshot.copyEditorApiUrl(kind))
      return true
    })
    if (copied) toast(kind === 'upload' ? t.editorApi.uploadCopied : t.editorApi.deleteCopied)
  }
  return (
    <>
      <label className="check settings__wide">
        <input
          type="checkbox"
          checked={prefs.editorApi}
          onChange={(e) => void save({ editorApi: e.target.checked })}
        />
        {t.editorApi.enable}
      </label>
      <PortField
        key={prefs.editorApiPort}
        value={prefs.editorApiPort}
        onSave={(n) => void save({ editorApiPort: n })}
      />
      <p className="form__hint settings__wide" role="status" data-testid="editor-api-status">
        {status === null
          ? ''
          : status.state === 'listening'
            ? t.editorApi.listening(status.port ?? prefs.editorApiPort)
            : status.state === 'failed'
              ? (status.message ?? t.editorApi.failed)
              : t.editorApi.off}
      </p>
      {listening && (
        <div className="settings__wide form__actions">
          <button
            type="button"
            className="button button--small"
            onClick={() => void copy('upload')}
          >
            {t.editorApi.copyUpload}
          </button>
          <button
            type="button"
            className="button button--small"
            onClick={() => void copy('delete')}
          >
            {t.editorApi.copyDelete}
          </button>
          <button
            type="button"
            className="button button--small"
            onClick={() =>
              void attempt(() => unwrap(upshot.newEditorApiKey())).then((s) => {
                if (s) {
                  setStatus(s)
                  toast(t.editorApi.newKeyDone)
                }
              })
            }
          >
            {t.editorApi.newKey}
          </button>
        </div>
      )}
      <p className="form__hint settings__wide">{t.editorApi.hint}</p>
    </>
  )
}

/** The port, saved when the field loses focus; its draft starts over when the saved one changes. */
function PortField({
  value,
  onSave,
}: {
  value: number
  onSave(port: number): void
}): React.JSX.Element {
  const [draft, setDraft] = useState(String(value))
  const commit = (): void => {
    const n = Number(draft)
    if (!Number.isInteger(n) || n < 1024 || n > 65535) {
      toast(t.editorApi.badPort, 'error')
      setDraft(String(value))
    } else if (n !== value) onSave(n)
  }
  return (
    <label className="form__field">
      <span className="form__label">{t.editorApi.port}</span>
      <input
        type="number"
        min={1024}
        max={65535}
        value={draft}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={commit}
        className="mono"
      />
    </label>
  )
}
