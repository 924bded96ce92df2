// The same image on each mirror of its destination (OutputReport.mirrors): a fallback URL the
// user can copy if the primary goes away, with whether the copy is there yet.
import type { FinishedFile } from '../../../../shared/api'
import { primaryOutput } from '../../../../shared/links'
import { Icon } from '../../components/Icon'
import { t } from '../../i18n'
import { unwrap, upshot } from '../../lib/api'
import { toast } from '../../state/toasts'
import { attempt } from '../queue/actions'

export function MirrorLinks({ file }: { file: FinishedFile }): React.JSX.Element | null {
  const main = primaryOutput(file.outputs)
  const mirrors = main?.mirrors ?? []
  if (mirrors.length === 0) return null
  const m = t.results.mirrors
  // Through the core like every copy: the window's page has no clipboard permission.
  const copy = async (mirror: string): Promise<void> => {
    const r = await attempt(() => unwrap(upshot.copyLinks([file.id], 'url', mirror)))
    if (r) toast(m.copied(mirror))
  }
  return (
    <section className="mirror-links" aria-label={m.label} data-testid="mirror-links">
      <h3 className="mirror-links__title">{m.label}</h3>
      <ul className="links">
        {mirrors.map((x) => (
          <li key={x.mirror} className="links__item" data-state={x.state}>
            <span className="links__label">
              {x.mirror}
              <span
                className={`badge badge--${x.state === 'done' ? 'done' : x.state === 'failed' ? 'failed' : 'uploading'}`}
              >
                {m.state[x.state]}
              </span>
            </span>
            <pre className="links__text" data-testid="mirror-url" tabIndex={0}>
              {x.url}
            </pre>
            <button
              type="button"
              className="button button--small"
              aria-label={m.copy(x.mirror)}
              onClick={() => void copy(x.mirror)}
            >
              <Icon name="copy" size={16} />
              {t.actions.copy}
            </button>
          </li>
        ))}
      </ul>
    </section>
  )
}
