import { dismiss, useToasts } from '../state/toasts'
import { t } from '../i18n'
import { Icon } from './Icon'

export function Toasts(): React.JSX.Element {
  const toasts = useToasts()
  return (
    <div className="toasts" role="status" aria-live="polite">
      {toasts.map((item) => (
        <div
          key={item.id}
          className={`toast toast--${item.kind}`}
          role={item.kind === 'error' ? 'alert' : undefined}
        >
          <Icon name={item.kind === 'error' ? 'alert' : 'check'} />
          <span className="toast__text">{item.message}</span>
          <button
            type="button"
            className="icon-button"
            aria-label={t.actions.close}
            onClick={() => dismiss(item.id)}
          >
            <Icon name="x" size={16} />
          </button>
        </div>
      ))}
    </div>
  )
}
