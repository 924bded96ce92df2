// The destination form's CDN purge: which CDN, its distribution or zone ID, and (Cloudflare) the
// API token, which is stored encrypted like the keys and never shown again.
import { useId } from 'react'
import { PURGE_CDNS, type DestinationInput, type PurgeCdn } from '../../../../shared/api'
import { t } from '../../i18n'

export function PurgeFields(props: {
  form: DestinationInput
  set(patch: Partial<DestinationInput>): void
  token: string
  setToken(v: string): void
  hasToken: boolean
  forgetToken: boolean
  setForgetToken(v: boolean): void
  canStoreSecrets: boolean
}): React.JSX.Element {
  const id = useId()
  const cdn = props.form.purgeCdn ?? 'none'
  const p = t.settings.purge
  return (
    <fieldset className="form__keys">
      <legend className="form__label">{p.legend}</legend>
      <p className="form__hint">{p.hint}</p>
      <div className="form__grid">
        <label className="form__field">
          <span className="form__label">{p.cdn}</span>
          <select value={cdn} onChange={(e) => props.set({ purgeCdn: e.target.value as PurgeCdn })}>
            {PURGE_CDNS.map((k) => (
              <option key={k} value={k}>
                {p.kinds[k]}
              </option>
            ))}
          </select>
        </label>
        {cdn !== 'none' && (
          <label className="form__field">
            <span className="form__label">{cdn === 'cloudfront' ? p.distribution : p.zone}</span>
            <input
              value={props.form.purgeId ?? ''}
              onChange={(e) => props.set({ purgeId: e.target.value })}
              placeholder={
                cdn === 'cloudfront' ? 'E2QWRUHAPOMQZL' : '023e105f4ecef8ad9ca31a8372d0c353'
              }
              spellCheck={false}
              autoComplete="off"
              required
            />
          </label>
        )}
        {cdn === 'cloudflare' && (
          <label className="form__field">
            <span className="form__label">{p.token}</span>
            <input
              type="password"
              value={props.token}
              onChange={(e) => props.setToken(e.target.value)}
              autoComplete="new-password"
              disabled={!props.canStoreSecrets}
              aria-describedby={`${id}-token`}
            />
            <span className="form__hint" id={`${id}-token`}>
              {!props.canStoreSecrets ? p.noEncryption : props.hasToken ? p.tokenKeep : p.tokenHint}
            </span>
          </label>
        )}
      </div>
      {cdn === 'cloudflare' && props.hasToken && (
        <label className="check">
          <input
            type="checkbox"
            checked={props.forgetToken}
            onChange={(e) => props.setForgetToken(e.target.checked)}
          />
          {p.forgetToken}
        </label>
      )}
      {cdn === 'cloudfront' && <p className="form__hint">{p.cloudfrontKeys}</p>}
    </fieldset>
  )
}
