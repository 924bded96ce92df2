// Adding a sync pair: a folder from the native dialog, a saved destination, a preset and
// optional include / exclude globs. The core checks the folder and the globs; the page holds
// only the folder's token (and its path, to show): it cannot name a folder itself.

import { useId, useState } from 'react'
import type { ChosenPath } from '../../../../shared/api'
import { Icon } from '../../components/Icon'
import { t } from '../../i18n'
import { unwrap, upshot } from '../../lib/api'
import { useSettings } from '../../state/settings'
import { attempt } from '../queue/actions'

export function SyncPairForm(props: { onDone(added: boolean): void }): React.JSX.Element {
  const settings = useSettings()
  const id = useId()
  const [folder, setFolder] = useState<ChosenPath | null>(null)
  const [destinationId, setDestinationId] = useState<string | null | undefined>(undefined)
  const [preset, setPreset] = useState<string | undefined>(undefined)
  const [include, setInclude] = useState('')
  const [exclude, setExclude] = useState('')
  const [busy, setBusy] = useState(false)
  const dest =
    destinationId === undefined ? (settings?.defaultDestinationId ?? null) : destinationId
  const chosenPreset = preset ?? settings?.preferences.preset ?? 'web'

  const choose = async (): Promise<void> => {
    const picked = await attempt(() => unwrap(upshot.chooseSyncFolder()))
    if (picked) setFolder(picked)
  }
  const save = async (): Promise<void> => {
    if (!folder) return
    setBusy(true)
    const added = await attempt(() =>
      unwrap(
        upshot.addSyncPair({
          folderToken: folder.token,
          destinationId: dest,
          preset: chosenPreset,
          include: globs(include),
          exclude: globs(exclude),
        }),
      ),
    )
    setBusy(false)
    if (added) props.onDone(true)
  }

  return (
    <form
      className="card form"
      aria-label={t.sync.newPair}
      onSubmit={(e) => {
        e.preventDefault()
        void save()
      }}
    >
      <h3 className="card__title">{t.sync.newPair}</h3>
      <div className="form__field">
        <span className="form__label" id={`${id}-folder`}>
          {t.sync.folder}
        </span>
        <div className="sync-form__folder">
          <output
            className={`sync-form__path mono${folder ? '' : ' muted'}`}
            aria-labelledby={`${id}-folder`}
            data-testid="sync-folder"
          >
            {folder?.path ?? t.sync.noFolder}
          </output>
          <button type="button" className="button" onClick={() => void choose()}>
            <Icon name="folder" size={16} />
            {t.sync.chooseFolder}
          </button>
        </div>
      </div>
      <div className="form__grid">
        <label className="form__field">
          <span className="form__label">{t.sync.destination}</span>
          <select
            value={dest ?? ''}
            onChange={(e) => setDestinationId(e.target.value === '' ? null : e.target.value)}
          >
            <option value="">{t.settings.builtIn}</option>
            {(settings?.destinations ?? []).map((d) => (
              <option key={d.id} value={d.id}>
                {d.name}
              </option>
            ))}
          </select>
        </label>
        <label className="form__field">
          <span className="form__label">{t.sync.preset}</span>
          <select value={chosenPreset} onChange={(e) => setPreset(e.target.value)}>
            {(settings?.presets ?? []).map((p) => (
              <option key={p.name} value={p.name}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
        <label className="form__field">
          <span className="form__label">{t.sync.include}</span>
          <input
            type="text"
            value={include}
            spellCheck={false}
            onChange={(e) => setInclude(e.target.value)}
            aria-describedby={`${id}-inc`}
          />
          <span className="form__hint" id={`${id}-inc`}>
            {t.sync.includeHint}
          </span>
        </label>
        <label className="form__field">
          <span className="form__label">{t.sync.exclude}</span>
          <input
            type="text"
            value={exclude}
            spellCheck={false}
            onChange={(e) => setExclude(e.target.value)}
            aria-describedby={`${id}-exc`}
          />
          <span className="form__hint" id={`${id}-exc`}>
            {t.sync.excludeHint}
          </span>
        </label>
      </div>
      <div className="form__actions">
        <button type="submit" className="button button--primary" disabled={!folder || busy}>
          {t.sync.save}
        </button>
        <button type="button" className="button" onClick={() => props.onDone(false)}>
          {t.actions.cancel}
        </button>
      </div>
    </form>
  )
}

function globs(text: string): string[] {
  return text
    .split(',')
    .map((g) => g.trim())
    .filter(Boolean)
}
