import { useId, useState } from 'react'
import {
  DESTINATION_KINDS,
  type ConnectionReport,
  type DestinationInput,
  type DestinationKind,
  type DestinationView,
  type SettingsView,
} from '../../../../shared/api'
import { Icon } from '../../components/Icon'
import { t } from '../../i18n'
import { unwrap, upshot } from '../../lib/api'
import { setSettings } from '../../state/settings'
import { toast } from '../../state/toasts'
import { attempt } from '../queue/actions'
import { isUnencryptedRemote } from '../../../../shared/endpoints'
import { ConnectionResult } from './ConnectionResult'
import { PurgeFields } from './PurgeFields'
import { MirrorFields } from './MirrorFields'
import { useSettings } from '../../state/settings'

const BLANK: Omit<DestinationInput, 'kind'> = {
  name: '',
  bucket: '',
  region: '',
  endpoint: '',
  accountId: '',
  dir: '',
  prefix: '',
  publicUrl: '',
  pathStyle: false,
  checksum: 'WHEN_REQUIRED',
  jurisdiction: 'default',
  cdn: false,
  private: false,
  expiresIn: 3600,
  purgeCdn: 'none',
  purgeId: '',
  purgeApi: '',
  mirrors: [],
}

const REGION_EXAMPLE: Partial<Record<DestinationKind, string>> = {
  b2: 'us-west-004',
  wasabi: 'eu-central-1',
  spaces: 'nyc3',
}

export function DestinationForm(props: {
  existing: DestinationView | null
  canStoreSecrets: boolean
  onDone(): void
}): React.JSX.Element {
  const ex = props.existing
  const [form, setForm] = useState<DestinationInput>(() =>
    ex
      ? {
          id: ex.id,
          name: ex.name,
          kind: ex.kind,
          bucket: ex.bucket,
          region: ex.region,
          endpoint: ex.endpoint,
          accountId: ex.accountId,
          dir: ex.dir,
          prefix: ex.prefix,
          publicUrl: ex.publicUrl,
          pathStyle: ex.pathStyle,
          checksum: ex.checksum,
          jurisdiction: ex.jurisdiction,
          cdn: ex.cdn,
          private: ex.private,
          expiresIn: ex.expiresIn,
          purgeCdn: ex.purgeCdn,
          purgeId: ex.purgeId,
          purgeApi: ex.purgeApi,
          mirrors: ex.mirrors,
        }
      : { ...BLANK, kind: 's3' },
  )
  const [accessKeyId, setAccessKeyId] = useState('')
  const [secret, setSecret] = useState('')
  const [forgetKeys, setForgetKeys] = useState(false)
  const [purgeToken, setPurgeToken] = useState('')
  const saved = useSettings()?.destinations ?? []
  const [forgetToken, setForgetToken] = useState(false)
  const [report, setReport] = useState<ConnectionReport | null>(null)
  const [testing, setTesting] = useState(false)
  // The folder to show; `form.dir` holds what goes to the core: the dialog's token, or the saved
  // destination's own folder unchanged (the page cannot name a folder itself).
  const [folderShown, setFolderShown] = useState(ex?.kind === 'local' ? ex.dir : '')
  const id = useId()
  const set = (patch: Partial<DestinationInput>): void => {
    setForm((f) => ({ ...f, ...patch }))
    setReport(null)
  }
  const kind = form.kind
  const s3like = kind !== 'local'

  const input = (): DestinationInput => {
    const credentials =
      !s3like || forgetKeys
        ? null
        : accessKeyId || secret
          ? { accessKeyId, secretAccessKey: secret }
          : undefined
    const token = forgetToken ? null : purgeToken ? purgeToken : undefined
    const fields = token === undefined ? { ...form } : { ...form, purgeToken: token }
    return credentials === undefined ? fields : { ...fields, credentials }
  }

  const save = async (): Promise<void> => {
    const view = await attempt<SettingsView>(() => unwrap(upshot.saveDestination(input())))
    if (!view) return
    setSettings(view)
    toast(t.settings.saved)
    props.onDone()
  }

  const test = async (): Promise<void> => {
    setTesting(true)
    const result = await attempt(() => unwrap(upshot.testDestination(input())))
    setTesting(false)
    if (result) setReport(result)
  }

  const chooseFolder = async (): Promise<void> => {
    const chosen = await attempt(() => unwrap(upshot.chooseDestinationFolder()))
    if (!chosen) return
    set({ dir: chosen.token })
    setFolderShown(chosen.path)
  }

  const text = (
    name: keyof typeof t.settings.fields,
    value: string,
    onChange: (v: string) => void,
    opts: {
      hint?: string
      placeholder?: string
      type?: string
      required?: boolean
      autoComplete?: string
      /** Shown under the field while the value is risky (not an error: saving still works). */
      warning?: string | null
    } = {},
  ): React.JSX.Element => (
    <label className="form__field">
      <span className="form__label">{t.settings.fields[name]}</span>
      <input
        type={opts.type ?? 'text'}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        placeholder={opts.placeholder}
        required={opts.required}
        spellCheck={false}
        autoComplete={opts.autoComplete ?? 'off'}
        aria-describedby={
          [opts.hint ? `${id}-${name}` : '', opts.warning ? `${id}-${name}-warning` : '']
            .filter(Boolean)
            .join(' ') || undefined
        }
      />
      {opts.hint && (
        <span className="form__hint" id={`${id}-${name}`}>
          {opts.hint}
        </span>
      )}
      {opts.warning && (
        <span className="form__warning" id={`${id}-${name}-warning`} role="status">
          {opts.warning}
        </span>
      )}
    </label>
  )

  return (
    <form
      className="card form"
      aria-label={ex ? t.settings.editDestination(ex.name) : t.settings.newDestination}
      onSubmit={(e) => {
        e.preventDefault()
        void save()
      }}
    >
      <h3 className="card__title">
        {ex ? t.settings.editDestination(ex.name) : t.settings.newDestination}
      </h3>
      <div className="form__grid">
        {text('name', form.name, (v) => set({ name: v }), {
          required: true,
          placeholder: 'Blog images',
        })}
        <label className="form__field">
          <span className="form__label">{t.settings.kind}</span>
          <select value={kind} onChange={(e) => set({ kind: e.target.value as DestinationKind })}>
            {DESTINATION_KINDS.map((k) => (
              <option key={k} value={k}>
                {t.settings.kinds[k]}
              </option>
            ))}
          </select>
        </label>
        {kind === 'local' && (
          <div className="form__field">
            <span className="form__label" id={`${id}-dir`}>
              {t.settings.fields.dir}
            </span>
            <div className="sync-form__folder">
              <output
                className={`sync-form__path mono${folderShown ? '' : ' muted'}`}
                aria-labelledby={`${id}-dir`}
                aria-describedby={`${id}-dir-hint`}
                data-testid="destination-folder"
              >
                {folderShown || t.settings.noFolder}
              </output>
              <button type="button" className="button" onClick={() => void chooseFolder()}>
                <Icon name="folder" size={16} />
                {t.settings.chooseFolder}
              </button>
            </div>
            <span className="form__hint" id={`${id}-dir-hint`}>
              {t.settings.hints.dir}
            </span>
          </div>
        )}
        {s3like &&
          text('bucket', form.bucket, (v) => set({ bucket: v }), {
            required: true,
            placeholder: 'my-bucket',
          })}
        {kind === 'r2' &&
          text('accountId', form.accountId, (v) => set({ accountId: v }), { required: true })}
        {kind === 'r2' && (
          <label className="form__field">
            <span className="form__label">{t.settings.fields.jurisdiction}</span>
            <select
              value={form.jurisdiction ?? 'default'}
              onChange={(e) =>
                set({ jurisdiction: e.target.value as 'default' | 'eu' | 'fedramp' })
              }
            >
              <option value="default">default</option>
              <option value="eu">EU</option>
              <option value="fedramp">FedRAMP</option>
            </select>
          </label>
        )}
        {(kind === 's3-compatible' || kind === 'minio') &&
          text('endpoint', form.endpoint, (v) => set({ endpoint: v }), {
            hint: t.settings.hints.endpoint,
            required: true,
            warning: isUnencryptedRemote(form.endpoint) ? t.settings.hints.insecureEndpoint : null,
          })}
        {kind !== 'r2' &&
          kind !== 'gcs' &&
          s3like &&
          text('region', form.region, (v) => set({ region: v }), {
            placeholder: REGION_EXAMPLE[kind] ?? 'us-east-1',
          })}
        {text('prefix', form.prefix, (v) => set({ prefix: v }), { hint: t.settings.hints.prefix })}
        {text('publicUrl', form.publicUrl, (v) => set({ publicUrl: v }), {
          hint: t.settings.hints.publicUrl,
          placeholder: 'https://cdn.example.com',
        })}
      </div>
      {s3like && (
        <div className="form__checks">
          {kind === 'spaces' && (
            <label className="check">
              <input
                type="checkbox"
                checked={form.cdn ?? false}
                onChange={(e) => set({ cdn: e.target.checked })}
              />
              {t.settings.fields.cdn}
            </label>
          )}
          <label className="check">
            <input
              type="checkbox"
              checked={form.private ?? false}
              onChange={(e) => set({ private: e.target.checked })}
            />
            {t.settings.fields.private}
          </label>
          {form.private &&
            text(
              'expiresIn',
              String(form.expiresIn ?? 3600),
              (v) => set({ expiresIn: Number(v) || 0 }),
              { type: 'number', hint: t.settings.hints.expiresIn },
            )}
        </div>
      )}
      {(kind === 's3' || kind === 's3-compatible') && (
        <div className="form__checks">
          <label className="check">
            <input
              type="checkbox"
              checked={form.pathStyle}
              onChange={(e) => set({ pathStyle: e.target.checked })}
            />
            {t.settings.fields.pathStyle}
          </label>
          {kind === 's3-compatible' && (
            <label className="check">
              <input
                type="checkbox"
                checked={form.checksum === 'WHEN_SUPPORTED'}
                onChange={(e) =>
                  set({ checksum: e.target.checked ? 'WHEN_SUPPORTED' : 'WHEN_REQUIRED' })
                }
              />
              {t.settings.fields.checksum}
              <span className="form__hint">{t.settings.hints.checksum}</span>
            </label>
          )}
        </div>
      )}
      {s3like && (
        <fieldset className="form__keys" disabled={!props.canStoreSecrets}>
          <legend className="form__label">
            {t.settings.fields.accessKeyId} · {t.settings.fields.secretAccessKey}
          </legend>
          <p className="form__hint">
            {!props.canStoreSecrets
              ? t.settings.hints.noEncryption
              : ex?.hasCredentials
                ? t.settings.hints.keysKeep
                : `${t.settings.hints.keys} ${t.settings.hints.keysEnv}`}
          </p>
          <div className="form__grid">
            {text('accessKeyId', accessKeyId, setAccessKeyId, { autoComplete: 'off' })}
            {text('secretAccessKey', secret, setSecret, {
              type: 'password',
              autoComplete: 'new-password',
            })}
          </div>
          {ex?.hasCredentials && (
            <label className="check">
              <input
                type="checkbox"
                checked={forgetKeys}
                onChange={(e) => setForgetKeys(e.target.checked)}
              />
              {t.settings.removeKeys}
            </label>
          )}
        </fieldset>
      )}
      <PurgeFields
        form={form}
        set={set}
        token={purgeToken}
        setToken={(v) => {
          setPurgeToken(v)
          setReport(null)
        }}
        hasToken={ex?.hasPurgeToken ?? false}
        forgetToken={forgetToken}
        setForgetToken={setForgetToken}
        canStoreSecrets={props.canStoreSecrets}
      />
      <MirrorFields form={form} set={set} destinations={saved} />
      {report && <ConnectionResult report={report} />}
      <div className="form__actions">
        <button type="button" className="button" onClick={props.onDone}>
          {t.actions.cancel}
        </button>
        <span className="toolbar__spacer" />
        <button type="button" className="button" onClick={() => void test()} disabled={testing}>
          <Icon name="server" size={16} />
          {testing ? t.actions.testing : t.actions.test}
        </button>
        <button type="submit" className="button button--primary">
          <Icon name="check" size={16} />
          {t.actions.save}
        </button>
      </div>
    </form>
  )
}
