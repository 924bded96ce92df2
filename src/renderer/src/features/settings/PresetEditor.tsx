// Editing a custom preset: its variants (size, fit, formats, quality) and an optional text or
// image watermark on the 9-grid. The main process validates and answers with one sentence.

import { useId, useState } from 'react'
import type { SettingsView } from '../../../../shared/api'
import {
  DEFAULT_WATERMARK,
  OUTPUT_FORMATS,
  VARIANT_FITS,
  WATERMARK_POSITIONS,
  type CustomPresetSettings,
  type PresetPreview,
  type PresetVariantSettings,
  type VariantFit,
} from '../../../../shared/presets'
import { Icon } from '../../components/Icon'
import { t } from '../../i18n'
import { unwrap, upshot } from '../../lib/api'
import { setSettings } from '../../state/settings'
import { toast } from '../../state/toasts'
import { attempt } from '../queue/actions'
import { PresetPreviewResult } from './PresetPreviewResult'

const STARTER: CustomPresetSettings = {
  name: '',
  variants: [
    { name: 'thumb', fit: 'cover', width: 320, height: 180, formats: ['webp'], quality: 80 },
    { name: 'large', fit: 'inside', width: 1600, height: 1600, formats: ['webp'], quality: 80 },
  ],
  watermark: null,
}

export function PresetEditor(props: {
  existing: CustomPresetSettings | null
  onDone(): void
}): React.JSX.Element {
  const id = useId()
  const [preset, setPreset] = useState<CustomPresetSettings>(props.existing ?? STARTER)
  const [preview, setPreview] = useState<PresetPreview | null>(null)
  const [busy, setBusy] = useState(false)
  // The image chosen in this edit: the preset carries its token, the form shows its path.
  const [chosenImage, setChosenImage] = useState<string | null>(null)
  const p = t.settings.presets
  const wm = preset.watermark

  const set = (patch: Partial<CustomPresetSettings>): void => setPreset((x) => ({ ...x, ...patch }))
  const setVariant = (i: number, patch: Partial<PresetVariantSettings>): void =>
    setPreset((x) => ({
      ...x,
      variants: x.variants.map((v, j) => (j === i ? { ...v, ...patch } : v)),
    }))
  const setMark = (patch: Partial<typeof DEFAULT_WATERMARK>): void =>
    setPreset((x) => ({ ...x, watermark: { ...(x.watermark ?? DEFAULT_WATERMARK), ...patch } }))

  const save = async (): Promise<void> => {
    const view = await attempt<SettingsView>(() =>
      unwrap(upshot.savePreset(preset, props.existing?.name ?? null)),
    )
    if (!view) return
    setSettings(view)
    toast(p.saved(preset.name.trim()))
    props.onDone()
  }
  const runPreview = async (): Promise<void> => {
    setBusy(true)
    const result = await attempt(() => unwrap(upshot.previewPreset(preset)))
    setBusy(false)
    if (result) setPreview(result)
  }
  const chooseImage = async (): Promise<void> => {
    const chosen = await attempt(() => unwrap(upshot.chooseWatermarkImage()))
    if (!chosen) return
    setMark({ imagePath: chosen.token })
    setChosenImage(chosen.path)
  }
  const num = (value: string): number | null => (value.trim() === '' ? null : Number(value))

  return (
    <form
      className="card form"
      aria-label={p.editor(props.existing?.name ?? '')}
      onSubmit={(e) => {
        e.preventDefault()
        void save()
      }}
    >
      <h3 className="card__title">{p.editor(props.existing?.name ?? '')}</h3>
      <label className="form__field preset-editor__name">
        <span className="form__label">{p.name}</span>
        <input
          type="text"
          value={preset.name}
          onChange={(e) => set({ name: e.target.value })}
          spellCheck={false}
          required
        />
      </label>

      <fieldset className="form__keys">
        <legend className="form__label">{p.variants}</legend>
        {preset.variants.map((v, i) => (
          <div key={i} className="preset-variant" role="group" aria-label={p.variant(i + 1)}>
            <label className="form__field">
              <span className="form__label">{p.variantName}</span>
              <input
                type="text"
                value={v.name}
                onChange={(e) => setVariant(i, { name: e.target.value })}
                spellCheck={false}
              />
            </label>
            <label className="form__field">
              <span className="form__label">{p.fitLabel}</span>
              <select
                value={v.fit}
                onChange={(e) => setVariant(i, { fit: e.target.value as VariantFit })}
              >
                {VARIANT_FITS.map((f) => (
                  <option key={f} value={f}>
                    {p.fits[f]}
                  </option>
                ))}
              </select>
            </label>
            <label className="form__field">
              <span className="form__label">{p.width}</span>
              <input
                type="number"
                min={16}
                max={10000}
                value={v.width ?? ''}
                placeholder={p.any}
                disabled={v.fit === 'original'}
                onChange={(e) => setVariant(i, { width: num(e.target.value) })}
              />
            </label>
            <label className="form__field">
              <span className="form__label">{p.height}</span>
              <input
                type="number"
                min={16}
                max={10000}
                value={v.height ?? ''}
                placeholder={p.any}
                disabled={v.fit === 'original'}
                onChange={(e) => setVariant(i, { height: num(e.target.value) })}
              />
            </label>
            <label className="form__field">
              <span className="form__label">{p.quality}</span>
              <input
                type="number"
                min={1}
                max={100}
                value={v.quality}
                onChange={(e) => setVariant(i, { quality: Number(e.target.value) })}
              />
            </label>
            <fieldset className="preset-variant__formats">
              <legend className="form__label">{p.formats}</legend>
              {OUTPUT_FORMATS.map((f) => (
                <label key={f} className="check">
                  <input
                    type="checkbox"
                    checked={v.formats.includes(f)}
                    onChange={(e) =>
                      setVariant(i, {
                        formats: e.target.checked
                          ? OUTPUT_FORMATS.filter((x) => x === f || v.formats.includes(x))
                          : v.formats.filter((x) => x !== f),
                      })
                    }
                  />
                  {f.toUpperCase()}
                </label>
              ))}
            </fieldset>
            <button
              type="button"
              className="icon-button icon-button--danger preset-variant__remove"
              aria-label={p.removeVariant(i + 1)}
              title={p.removeVariant(i + 1)}
              disabled={preset.variants.length === 1}
              onClick={() => set({ variants: preset.variants.filter((_, j) => j !== i) })}
            >
              <Icon name="trash" />
            </button>
          </div>
        ))}
        <div>
          <button
            type="button"
            className="button button--small"
            onClick={() =>
              set({
                variants: [
                  ...preset.variants,
                  {
                    name: `v${preset.variants.length + 1}`,
                    fit: 'inside',
                    width: 1280,
                    height: 1280,
                    formats: ['webp'],
                    quality: 80,
                  },
                ],
              })
            }
          >
            <Icon name="plus" size={16} />
            {p.addVariant}
          </button>
        </div>
      </fieldset>

      <fieldset className="form__keys">
        <legend>
          <label className="check">
            <input
              type="checkbox"
              checked={wm !== null}
              onChange={(e) =>
                set({ watermark: e.target.checked ? { ...DEFAULT_WATERMARK } : null })
              }
              aria-describedby={`${id}-wm`}
            />
            {p.watermark}
          </label>
        </legend>
        <span className="form__hint" id={`${id}-wm`}>
          {p.watermarkHint}
        </span>
        {wm && (
          <div className="preset-mark">
            <div className="preset-mark__what">
              <div className="segmented" role="radiogroup" aria-label={p.kind}>
                {(['text', 'image'] as const).map((k) => (
                  <label
                    key={k}
                    className={`segmented__option${wm.kind === k ? ' segmented__option--on' : ''}`}
                  >
                    <input
                      type="radio"
                      name={`${id}-kind`}
                      className="visually-hidden"
                      checked={wm.kind === k}
                      onChange={() => setMark({ kind: k })}
                    />
                    {p.kinds[k]}
                  </label>
                ))}
              </div>
              {wm.kind === 'text' ? (
                <label className="form__field">
                  <span className="form__label">{p.text}</span>
                  <input
                    type="text"
                    value={wm.text}
                    maxLength={100}
                    onChange={(e) => setMark({ text: e.target.value })}
                  />
                </label>
              ) : (
                <div className="form__field">
                  <span className="form__label" id={`${id}-img`}>
                    {p.image}
                  </span>
                  <div className="sync-form__folder">
                    <output
                      className={`sync-form__path mono${wm.imagePath ? '' : ' muted'}`}
                      aria-labelledby={`${id}-img`}
                    >
                      {(chosenImage ?? wm.imagePath) || p.noImage}
                    </output>
                    <button type="button" className="button" onClick={() => void chooseImage()}>
                      {p.chooseImage}
                    </button>
                  </div>
                </div>
              )}
              <div className="form__grid">
                <Slider
                  label={p.opacity}
                  value={wm.opacity}
                  min={0.05}
                  max={1}
                  onChange={(opacity) => setMark({ opacity })}
                />
                <Slider
                  label={p.size}
                  value={wm.size}
                  min={0.05}
                  max={1}
                  onChange={(size) => setMark({ size })}
                />
                <Slider
                  label={p.margin}
                  value={wm.margin}
                  min={0}
                  max={0.25}
                  onChange={(margin) => setMark({ margin })}
                />
                <label className="form__field">
                  <span className="form__label">{p.minWidth}</span>
                  <input
                    type="number"
                    min={0}
                    max={10000}
                    value={wm.minWidth}
                    onChange={(e) => setMark({ minWidth: Number(e.target.value) })}
                  />
                </label>
              </div>
            </div>
            <fieldset className="preset-grid">
              <legend className="form__label">{p.position}</legend>
              <div className="preset-grid__cells">
                {WATERMARK_POSITIONS.map((pos) => (
                  <label
                    key={pos}
                    className={`preset-grid__cell${wm.position === pos ? ' preset-grid__cell--on' : ''}`}
                    title={p.positions[pos]}
                  >
                    <input
                      type="radio"
                      name={`${id}-pos`}
                      className="visually-hidden"
                      checked={wm.position === pos}
                      onChange={() => setMark({ position: pos })}
                      aria-label={p.positions[pos]}
                    />
                    <span className="preset-grid__dot" aria-hidden="true" />
                  </label>
                ))}
              </div>
            </fieldset>
          </div>
        )}
      </fieldset>

      <div className="form__actions">
        <button type="submit" className="button button--primary">
          {p.save}
        </button>
        <button type="button" className="button" disabled={busy} onClick={() => void runPreview()}>
          <Icon name="image" size={16} />
          {busy ? p.previewing : p.previewOn}
        </button>
        <button type="button" className="button" onClick={props.onDone}>
          {t.actions.cancel}
        </button>
      </div>
      {preview && <PresetPreviewResult preview={preview} onClose={() => setPreview(null)} />}
    </form>
  )
}

/** A 0-1 share as a percentage slider, labelled with its value. */
function Slider(props: {
  label: string
  value: number
  min: number
  max: number
  onChange(v: number): void
}): React.JSX.Element {
  const pct = Math.round(props.value * 100)
  return (
    <label className="form__field">
      <span className="form__label">
        {props.label}: {pct}%
      </span>
      <input
        type="range"
        min={Math.round(props.min * 100)}
        max={Math.round(props.max * 100)}
        value={pct}
        onChange={(e) => props.onChange(Number(e.target.value) / 100)}
      />
    </label>
  )
}
