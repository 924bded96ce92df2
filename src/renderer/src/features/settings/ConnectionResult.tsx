import type { ConnectionReport } from '../../../../shared/api'
import { Icon } from '../../components/Icon'
import { t } from '../../i18n'

export function ConnectionResult({ report }: { report: ConnectionReport }): React.JSX.Element {
  return (
    <div
      className={`connection connection--${report.ok ? 'ok' : 'failed'}`}
      role="status"
      data-testid="connection-report"
    >
      <p className="connection__summary">{report.ok ? t.settings.testOk : t.settings.testFailed}</p>
      <ul className="connection__checks">
        {report.checks.map((c) => {
          const skipped = c.status === 'skip'
          const warned = c.status === 'warn'
          const look = skipped || warned ? 'warn' : c.ok ? 'ok' : c.optional ? 'warn' : 'failed'
          return (
            <li key={c.label} className={`connection__check connection__check--${look}`}>
              <Icon
                name={skipped || warned ? 'alert' : c.ok ? 'check' : c.optional ? 'alert' : 'x'}
                size={16}
              />
              <span>
                <strong>{c.label}</strong>
                {skipped
                  ? ` (${t.settings.notChecked})`
                  : c.optional && !c.ok
                    ? ` (${t.settings.optional})`
                    : ''}
                : {c.detail}
              </span>
            </li>
          )
        })}
      </ul>
    </div>
  )
}
