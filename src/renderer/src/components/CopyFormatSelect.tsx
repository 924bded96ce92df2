// The "copy as" choice beside a Copy button (Results, History, Browse): every link format, named
// as the user reads it.
import { LINK_FORMATS, type LinkFormat } from '../../../shared/links'
import { t } from '../i18n'

export function CopyFormatSelect(props: {
  value: LinkFormat
  onChange(format: LinkFormat): void
}): React.JSX.Element {
  return (
    <select
      value={props.value}
      onChange={(e) => props.onChange(e.target.value as LinkFormat)}
      aria-label={t.results.copyAs}
    >
      {LINK_FORMATS.map((f) => (
        <option key={f} value={f}>
          {t.formats[f]}
        </option>
      ))}
    </select>
  )
}
