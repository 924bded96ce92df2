import type { FinishedFile } from '../../../../shared/api'
import { LINK_FORMATS, formatLink } from '../../../../shared/links'
import { Icon } from '../../components/Icon'
import { t } from '../../i18n'
import { copyLinks } from '../queue/actions'

/** Every link format of one file, as the clipboard will get it, with a copy button each. */
export function LinkList({
  file,
  template,
}: {
  file: FinishedFile
  template: string
}): React.JSX.Element {
  return (
    <ul className="links" aria-label={t.results.preview}>
      {LINK_FORMATS.map((format) => {
        const text = formatLink(format, { name: file.name, outputs: file.outputs }, { template })
        return (
          <li key={format} className="links__item">
            <span className="links__label">{t.formats[format]}</span>
            <pre className="links__text" data-format={format} tabIndex={0}>
              {text}
            </pre>
            <button
              type="button"
              className="button button--small"
              aria-label={`${t.actions.copy} ${t.formats[format]}`}
              onClick={() => void copyLinks([file.id], format)}
            >
              <Icon name="copy" size={16} />
              {t.actions.copy}
            </button>
          </li>
        )
      })}
    </ul>
  )
}
