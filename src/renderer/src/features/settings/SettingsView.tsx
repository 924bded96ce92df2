import { useState } from 'react'
import type {
  ConnectionReport,
  DestinationView,
  Preferences,
  SettingsView as View,
} from '../../../../shared/api'
import { LINK_FORMATS, TEMPLATE_PLACEHOLDERS, type LinkFormat } from '../../../../shared/links'
import { Icon } from '../../components/Icon'
import { t } from '../../i18n'
import { messageOf, unwrap, upshot } from '../../lib/api'
import { setSettings, useSettings } from '../../state/settings'
import { attempt } from '../queue/actions'
import { CleanupResult, type CleanupOutcome } from './CleanupResult'
import { ConnectionResult } from './ConnectionResult'
import { DestinationForm } from './DestinationForm'
import { EditorApiSection } from './EditorApiSection'
import { dims, PresetsSection } from './PresetsSection'

// Electron's login items exist on macOS and Windows only; Linux desktops use autostart entries.
const LINUX = /Linux/.test(navigator.platform) && !/Android/.test(navigator.userAgent)

export function SettingsView(): React.JSX.Element {
  const view = useSettings()
  const [editing, setEditing] = useState<DestinationView | 'new' | null>(null)
  const [reports, setReports] = useState<Record<string, ConnectionReport | 'testing'>>({})
  const [cleanups, setCleanups] = useState<Record<string, CleanupOutcome | 'cleaning'>>({})
  if (!view) return <section className="view" aria-label={t.settings.label} />

  const save = async (patch: Partial<Preferences>): Promise<void> => {
    // Shown at once; the main process's answer (or the old value, if it refused) follows.
    const before = view
    setSettings({ ...view, preferences: { ...view.preferences, ...patch } })
    const next = await attempt<View>(() => unwrap(upshot.savePreferences(patch)))
    setSettings(next ?? before)
  }
  const apply = async (run: () => Promise<View>): Promise<void> => {
    const next = await attempt(run)
    if (next) setSettings(next)
  }
  const test = async (id: string): Promise<void> => {
    setReports((r) => ({ ...r, [id]: 'testing' }))
    const report = await attempt(() => unwrap(upshot.testDestination(id)))
    setReports((r) => {
      const next = { ...r }
      if (report) next[id] = report
      else delete next[id]
      return next
    })
  }
  const cleanup = async (id: string): Promise<void> => {
    setCleanups((c) => ({ ...c, [id]: 'cleaning' }))
    let outcome: CleanupOutcome
    try {
      outcome = { report: await unwrap(upshot.cleanupDestination(id)) }
    } catch (err) {
      // Shown next to the destination: "this store cannot list them" is an answer, not a crash.
      outcome = { error: messageOf(err) }
    }
    setCleanups((c) => ({ ...c, [id]: outcome }))
  }
  const prefs = view.preferences
  const preset = view.presets.find((p) => p.name === prefs.preset) ?? view.presets[0]

  return (
    <section className="view view--settings" aria-label={t.settings.label}>
      <div className="settings">
        {view.dataDirWarning && (
          <p className="settings__warning" role="alert">
            {view.dataDirWarning}
          </p>
        )}
        <section className="settings__section" aria-labelledby="s-dest">
          <div className="settings__head">
            <div>
              <h2 id="s-dest" className="settings__title">
                {t.settings.destinations}
              </h2>
              <p className="settings__hint">{t.settings.destinationsHint}</p>
            </div>
            {editing === null && (
              <button
                type="button"
                className="button button--primary"
                onClick={() => setEditing('new')}
              >
                <Icon name="plus" size={16} />
                {t.actions.add}
              </button>
            )}
          </div>
          {editing === 'new' && (
            <DestinationForm
              existing={null}
              canStoreSecrets={view.canStoreSecrets}
              onDone={() => setEditing(null)}
            />
          )}
          <ul className="dests" aria-label={t.settings.destinations}>
            <li
              className={`card dest${view.defaultDestinationId === null ? ' dest--default' : ''}`}
            >
              <div className="dest__main">
                <div className="dest__title">
                  <Icon name="folder" size={18} />
                  <strong>{t.settings.builtIn}</strong>
                  {view.defaultDestinationId === null && (
                    <span className="badge badge--done">{t.settings.default}</span>
                  )}
                </div>
                <p className="dest__detail">{t.settings.builtInHint(view.builtInFolder)}</p>
              </div>
              <div className="dest__actions">
                {view.defaultDestinationId !== null && (
                  <button
                    type="button"
                    className="button button--small"
                    onClick={() => void apply(() => unwrap(upshot.setDefaultDestination(null)))}
                  >
                    {t.actions.setDefault}
                  </button>
                )}
              </div>
            </li>
            {view.destinations.map((d) =>
              editing !== null && editing !== 'new' && editing.id === d.id ? (
                <li key={d.id}>
                  <DestinationForm
                    existing={d}
                    canStoreSecrets={view.canStoreSecrets}
                    onDone={() => setEditing(null)}
                  />
                </li>
              ) : (
                <li
                  key={d.id}
                  className={`card dest${view.defaultDestinationId === d.id ? ' dest--default' : ''}`}
                  data-testid="destination"
                >
                  <div className="dest__main">
                    <div className="dest__title">
                      <Icon name={d.kind === 'local' ? 'folder' : 'server'} size={18} />
                      <strong>{d.name}</strong>
                      <span className="chip">{t.settings.kinds[d.kind]}</span>
                      {view.defaultDestinationId === d.id && (
                        <span className="badge badge--done">{t.settings.default}</span>
                      )}
                    </div>
                    <p className="dest__detail">{describe(d)}</p>
                    {d.mirrors.length > 0 && (
                      <p className="dest__detail" data-testid="destination-mirrors">
                        {t.settings.mirrors.mirrorsTo(
                          d.mirrors.map(
                            (m) => view.destinations.find((x) => x.id === m)?.name ?? m,
                          ),
                        )}
                      </p>
                    )}
                    {d.kind !== 'local' && (
                      <p className="dest__keys">
                        {d.hasCredentials ? t.settings.keysStored : t.settings.keysFromEnv}
                      </p>
                    )}
                    {d.credentialsNote && (
                      <p
                        className="dest__keys dest__keys--warn"
                        role="note"
                        data-testid="keys-note"
                      >
                        {d.credentialsNote}
                      </p>
                    )}
                    {reports[d.id] && reports[d.id] !== 'testing' && (
                      <ConnectionResult report={reports[d.id] as ConnectionReport} />
                    )}
                    {cleanups[d.id] && cleanups[d.id] !== 'cleaning' && (
                      <CleanupResult outcome={cleanups[d.id] as CleanupOutcome} />
                    )}
                  </div>
                  <div className="dest__actions">
                    <button
                      type="button"
                      className="button button--small"
                      onClick={() => void test(d.id)}
                      disabled={reports[d.id] === 'testing'}
                    >
                      {reports[d.id] === 'testing' ? t.actions.testing : t.actions.test}
                    </button>
                    {d.kind !== 'local' && (
                      <button
                        type="button"
                        className="button button--small"
                        onClick={() => void cleanup(d.id)}
                        disabled={cleanups[d.id] === 'cleaning'}
                        title={t.settings.cleanup.hint}
                      >
                        {cleanups[d.id] === 'cleaning'
                          ? t.settings.cleanup.running
                          : t.settings.cleanup.action}
                      </button>
                    )}
                    {view.defaultDestinationId !== d.id && (
                      <button
                        type="button"
                        className="button button--small"
                        onClick={() => void apply(() => unwrap(upshot.setDefaultDestination(d.id)))}
                      >
                        {t.actions.setDefault}
                      </button>
                    )}
                    <button
                      type="button"
                      className="button button--small"
                      onClick={() => setEditing(d)}
                      aria-label={`${t.actions.edit} ${d.name}`}
                    >
                      {t.actions.edit}
                    </button>
                    <button
                      type="button"
                      className="icon-button icon-button--danger"
                      aria-label={`${t.actions.remove} ${d.name}`}
                      title={t.actions.remove}
                      onClick={() => void apply(() => unwrap(upshot.removeDestination(d.id)))}
                    >
                      <Icon name="trash" />
                    </button>
                  </div>
                </li>
              ),
            )}
            {(view.shared ?? []).map((d) => (
              <li key={`shared-${d.name}`} className="card dest" data-testid="shared-destination">
                <div className="dest__main">
                  <div className="dest__title">
                    <Icon name={d.kind === 'local' ? 'folder' : 'server'} size={18} />
                    <strong>{d.name}</strong>
                    <span className="chip">{t.settings.kinds[d.kind]}</span>
                    <span className="chip">{t.settings.fromCli}</span>
                  </div>
                  <p className="dest__detail">
                    {describe({ ...d.input, id: '', hasCredentials: false } as DestinationView)}
                  </p>
                  <p className="dest__keys">{t.settings.fromCliHint}</p>
                </div>
                <div className="dest__actions">
                  <button
                    type="button"
                    className="button button--small"
                    onClick={() => void apply(() => unwrap(upshot.saveDestination(d.input)))}
                  >
                    {t.settings.takeOver}
                  </button>
                </div>
              </li>
            ))}
          </ul>
        </section>

        <section className="settings__section" aria-labelledby="s-uploads">
          <h2 id="s-uploads" className="settings__title">
            {t.settings.uploads}
          </h2>
          <div className="card settings__grid">
            <label className="form__field">
              <span className="form__label">{t.settings.preset}</span>
              <select value={prefs.preset} onChange={(e) => void save({ preset: e.target.value })}>
                {view.presets.map((p) => (
                  <option key={p.name} value={p.name}>
                    {p.name}
                  </option>
                ))}
              </select>
            </label>
            <label className="form__field">
              <span className="form__label">{t.settings.concurrency}</span>
              <input
                type="number"
                min={1}
                max={16}
                value={prefs.concurrency}
                onChange={(e) => {
                  const n = Number(e.target.value)
                  if (Number.isInteger(n) && n >= 1 && n <= 16) void save({ concurrency: n })
                }}
                aria-describedby="concurrency-hint"
              />
              <span className="form__hint" id="concurrency-hint">
                {t.settings.concurrencyHint}
              </span>
            </label>
            {preset && (
              <div className="preset-preview">
                <span className="form__label">{t.settings.presetYields}</span>
                <ul className="preset-preview__list">
                  {preset.variants.map((v) => (
                    <li key={`${v.name}.${v.format}`} className="preset-preview__item">
                      <strong>{v.name}</strong>
                      <span>
                        {v.fit === 'original'
                          ? t.settings.fit.original
                          : `${t.settings.fit[v.fit]} ${dims(v.width, v.height)}`}
                      </span>
                      <span className="chip chip--format">
                        {v.format.toUpperCase()} · {t.settings.quality(v.quality)}
                      </span>
                    </li>
                  ))}
                </ul>
              </div>
            )}
          </div>
        </section>

        <PresetsSection view={view} />

        <section className="settings__section" aria-labelledby="s-links">
          <h2 id="s-links" className="settings__title">
            {t.settings.links}
          </h2>
          <div className="card settings__grid">
            <label className="form__field">
              <span className="form__label">{t.settings.linkFormat}</span>
              <select
                value={prefs.linkFormat}
                onChange={(e) => void save({ linkFormat: e.target.value as LinkFormat })}
              >
                {LINK_FORMATS.map((f) => (
                  <option key={f} value={f}>
                    {t.formats[f]}
                  </option>
                ))}
              </select>
            </label>
            <SavedOnBlurField
              label={t.settings.customTemplate}
              hint={`${t.settings.placeholders} ${TEMPLATE_PLACEHOLDERS.join(' ')}. ${t.settings.escaped}`}
              hintId="template-hint"
              value={prefs.customTemplate}
              onSave={(v) => void save({ customTemplate: v })}
            />
            <label className="check settings__wide">
              <input
                type="checkbox"
                checked={prefs.autoCopy}
                onChange={(e) => void save({ autoCopy: e.target.checked })}
              />
              {t.settings.autoCopy}
            </label>
          </div>
        </section>

        <section className="settings__section" aria-labelledby="s-look">
          <h2 id="s-look" className="settings__title">
            {t.settings.appearance}
          </h2>
          <div className="card">
            <fieldset className="segmented">
              <legend className="form__label">{t.settings.theme}</legend>
              {(['system', 'light', 'dark'] as const).map((theme) => (
                <label
                  key={theme}
                  className={`segmented__option${prefs.theme === theme ? ' segmented__option--on' : ''}`}
                >
                  <input
                    type="radio"
                    name="theme"
                    value={theme}
                    checked={prefs.theme === theme}
                    onChange={() => void save({ theme })}
                  />
                  {t.settings.themes[theme]}
                </label>
              ))}
            </fieldset>
          </div>
        </section>

        <section className="settings__section" aria-labelledby="s-editors">
          <h2 id="s-editors" className="settings__title">
            {t.editorApi.title}
          </h2>
          <div className="card settings__grid">
            <EditorApiSection prefs={prefs} save={save} />
          </div>
        </section>

        <section className="settings__section" aria-labelledby="s-system">
          <h2 id="s-system" className="settings__title">
            {t.settings.system}
          </h2>
          <div className="card settings__grid">
            <label className="check settings__wide">
              <input
                type="checkbox"
                checked={prefs.notifications}
                onChange={(e) => void save({ notifications: e.target.checked })}
              />
              {t.settings.notifications}
            </label>
            {upshot.face === 'window' ? (
              <>
                <label className="check settings__wide">
                  <input
                    type="checkbox"
                    checked={prefs.closeToTray}
                    onChange={(e) => void save({ closeToTray: e.target.checked })}
                  />
                  {t.settings.closeToTray}
                </label>
                <label className="check settings__wide">
                  <input
                    type="checkbox"
                    checked={prefs.openAtLogin && !LINUX}
                    disabled={LINUX}
                    onChange={(e) => void save({ openAtLogin: e.target.checked })}
                    aria-describedby={LINUX ? 'login-hint' : undefined}
                  />
                  {t.settings.openAtLogin}
                  {LINUX && (
                    <span className="form__hint" id="login-hint">
                      {t.settings.openAtLoginLinux}
                    </span>
                  )}
                </label>
                <SavedOnBlurField
                  label={t.settings.shortcut}
                  hint={t.settings.shortcutHint}
                  hintId="shortcut-hint"
                  value={prefs.shortcut}
                  onSave={(v) => void save({ shortcut: v.trim() })}
                />
              </>
            ) : (
              <p className="form__hint settings__wide" data-testid="window-only">
                {t.browserFace.windowOnly}
              </p>
            )}
            {view.secretStore && (
              <p className="form__hint settings__wide" data-testid="secret-store">
                <strong>{t.browserFace.secretStore}: </strong>
                {view.secretStore}
              </p>
            )}
          </div>
        </section>
      </div>
    </section>
  )
}

function describe(d: DestinationView): string {
  const where =
    d.kind === 'local'
      ? d.dir
      : d.kind === 'r2'
        ? `r2://${d.bucket}`
        : d.kind === 's3-compatible' || d.kind === 'minio'
          ? `${d.endpoint.replace(/^https?:\/\//, '')}/${d.bucket}`
          : `s3://${d.bucket}${d.region ? ` (${d.region})` : ''}`
  const prefix = d.prefix ? `/${d.prefix}` : ''
  return `${where}${prefix}${d.publicUrl ? ` → ${d.publicUrl}` : ''}`
}

/** A one-line monospace setting, saved when the field loses focus, not on every key. */
function SavedOnBlurField({
  label,
  hint,
  hintId,
  value,
  onSave,
}: {
  label: string
  hint: string
  hintId: string
  value: string
  onSave(v: string): void
}): React.JSX.Element {
  const [draft, setDraft] = useState(value)
  return (
    <label className="form__field settings__wide">
      <span className="form__label">{label}</span>
      <input
        type="text"
        value={draft}
        spellCheck={false}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={() => draft !== value && onSave(draft)}
        aria-describedby={hintId}
        className="mono"
      />
      <span className="form__hint" id={hintId}>
        {hint}
      </span>
    </label>
  )
}
