// The destination form's mirrors: other saved destinations that get a copy of every object
// uploaded here. The core checks the rules (not itself, no cycles) and says why it refuses; the
// form already leaves out itself and greys out destinations that mirror this one back.
import { useId } from 'react'
import type { DestinationInput, DestinationView } from '../../../../shared/api'
import { t } from '../../i18n'

export function MirrorFields(props: {
  form: DestinationInput
  set(patch: Partial<DestinationInput>): void
  destinations: readonly DestinationView[]
}): React.JSX.Element {
  const id = useId()
  const m = t.settings.mirrors
  const others = props.destinations.filter((d) => d.id !== props.form.id)
  const chosen = props.form.mirrors ?? []
  const toggle = (mirrorId: string, on: boolean): void =>
    props.set({
      mirrors: on ? [...chosen, mirrorId] : chosen.filter((x) => x !== mirrorId),
    })
  return (
    <fieldset className="form__keys" aria-describedby={`${id}-hint`} data-testid="mirror-fields">
      <legend className="form__label">{m.legend}</legend>
      <p className="form__hint" id={`${id}-hint`}>
        {others.length === 0 ? m.none : m.hint}
      </p>
      {others.length > 0 && (
        <div className="form__checks">
          {others.map((d) => {
            const back = props.form.id !== undefined && d.mirrors.includes(props.form.id)
            return (
              <label key={d.id} className="check" title={back ? m.mirrorsBack(d.name) : undefined}>
                <input
                  type="checkbox"
                  checked={chosen.includes(d.id)}
                  disabled={back && !chosen.includes(d.id)}
                  onChange={(e) => toggle(d.id, e.target.checked)}
                />
                {d.name}
                {back && <span className="form__hint">{m.mirrorsBack(d.name)}</span>}
              </label>
            )
          })}
        </div>
      )}
    </fieldset>
  )
}
