// Settings: the built-in presets by name, the user's own with edit / remove / preview, and the
// editor for a new or changed one.

import { useState } from 'react'
import type { SettingsView } from '../../../../shared/api'
import type { CustomPresetSettings, PresetPreview } from '../../../../shared/presets'
import { Icon } from '../../components/Icon'
import { t } from '../../i18n'
import { unwrap, upshot } from '../../lib/api'
import { setSettings } from '../../state/settings'
import { toast } from '../../state/toasts'
import { attempt } from '../queue/actions'
import { PresetEditor } from './PresetEditor'
import { PresetPreviewResult } from './PresetPreviewResult'

export function PresetsSection(props: { view: SettingsView }): React.JSX.Element {
  const [editing, setEditing] = useState<CustomPresetSettings | 'new' | null>(null)
  const [preview, setPreview] = useState<PresetPreview | null>(null)
  const p = t.settings.presets
  const builtIn = props.view.presets.filter((x) => !x.custom).map((x) => x.name)
  const custom = props.view.presets.filter((x) => x.custom && x.definition)

  const remove = async (name: string): Promise<void> => {
    const view = await attempt<SettingsView>(() => unwrap(upshot.removePreset(name)))
    if (view) {
      setSettings(view)
      toast(p.removed)
    }
  }
  const runPreview = async (name: string): Promise<void> => {
    const result = await attempt(() => unwrap(upshot.previewPreset(name)))
    if (result) setPreview(result)
  }

  return (
    <section className="settings__section" aria-labelledby="s-presets">
      <div className="settings__head">
        <div>
          <h2 id="s-presets" className="settings__title">
            {p.title}
          </h2>
          <p className="settings__hint">{p.hint}</p>
        </div>
        {editing === null && (
          <button
            type="button"
            className="button button--primary"
            onClick={() => setEditing('new')}
          >
            <Icon name="plus" size={16} />
            {p.add}
          </button>
        )}
      </div>
      {editing !== null && (
        <PresetEditor
          key={editing === 'new' ? 'new' : editing.name}
          existing={editing === 'new' ? null : editing}
          onDone={() => setEditing(null)}
        />
      )}
      <ul className="dests" aria-label={p.title}>
        {custom.map((x) => (
          <li key={x.name} className="card dest" data-testid="custom-preset">
            <div className="dest__main">
              <div className="dest__title">
                <Icon name="image" size={18} />
                <strong>{x.name}</strong>
                {x.name === props.view.preferences.preset && (
                  <span className="badge badge--done">{t.settings.default}</span>
                )}
                {x.watermark && <span className="chip">{p.watermarked}</span>}
              </div>
              <p className="dest__detail">
                {x.variants
                  .map((v) => `${v.name} ${dims(v.width, v.height)} ${v.format}`)
                  .join(' · ')}
              </p>
            </div>
            <div className="dest__actions">
              <button
                type="button"
                className="button button--small"
                aria-label={p.previewOf(x.name)}
                onClick={() => void runPreview(x.name)}
              >
                <Icon name="image" size={16} />
                {p.previewOn}
              </button>
              <button
                type="button"
                className="button button--small"
                aria-label={p.edit(x.name)}
                onClick={() => setEditing(x.definition)}
              >
                {t.actions.edit}
              </button>
              <button
                type="button"
                className="icon-button icon-button--danger"
                aria-label={p.remove(x.name)}
                title={p.remove(x.name)}
                onClick={() => void remove(x.name)}
              >
                <Icon name="trash" />
              </button>
            </div>
          </li>
        ))}
        {custom.length === 0 && <li className="muted">{p.none}</li>}
        <li className="muted settings__hint">{p.builtIn(builtIn.join(', '))}</li>
      </ul>
      {preview && <PresetPreviewResult preview={preview} onClose={() => setPreview(null)} />}
    </section>
  )
}

export function dims(width: number | null, height: number | null): string {
  if (width === null && height === null) return t.settings.fit.original
  return `${width ?? t.settings.presets.any} × ${height ?? t.settings.presets.any}`
}
