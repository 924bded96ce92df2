import type { CleanupReport } from '../../../../shared/cleanup'
import { Icon } from '../../components/Icon'
import { t } from '../../i18n'

/** Long lists are cut: the total says how many there were. */
const SHOWN = 20

export type CleanupOutcome = { report: CleanupReport } | { error: string }

export function CleanupResult({ outcome }: { outcome: CleanupOutcome }): React.JSX.Element {
  if ('error' in outcome) {
    return (
      <div className="connection connection--failed" role="status" data-testid="cleanup-report">
        <p className="connection__summary">{t.settings.cleanup.failed}</p>
        <p className="connection__check">{outcome.error}</p>
      </div>
    )
  }
  const { report } = outcome
  const s = report.summary
  return (
    <div
      className={`connection connection--${s.failed ? 'failed' : 'ok'}`}
      role="status"
      data-testid="cleanup-report"
    >
      <p className="connection__summary">
        {t.settings.cleanup.summary(s.aborted, s.kept, s.failed)}
      </p>
      {report.uploads.length > 0 && (
        <ul className="connection__checks">
          {report.uploads.slice(0, SHOWN).map((u) => (
            <li
              key={u.uploadId}
              className={`connection__check connection__check--${u.status === 'failed' ? 'failed' : 'ok'}`}
            >
              <Icon
                name={u.status === 'aborted' ? 'check' : u.status === 'failed' ? 'x' : 'alert'}
                size={16}
              />
              <span>
                <strong>{t.settings.cleanup.status[u.status]}</strong>: {u.key}
                {u.error ? ` — ${u.error.message}` : ''}
              </span>
            </li>
          ))}
          {report.uploads.length > SHOWN && (
            <li className="connection__check">
              {t.settings.cleanup.more(report.uploads.length - SHOWN)}
            </li>
          )}
        </ul>
      )}
    </div>
  )
}
