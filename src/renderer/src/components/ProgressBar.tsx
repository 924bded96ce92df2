import { percent } from '../lib/format'

export function ProgressBar(props: {
  done: number
  total: number
  label: string
  tone?: 'active' | 'done' | 'failed' | 'paused'
  size?: 'small' | 'large'
}): React.JSX.Element {
  const value = Math.round(percent(props.done, props.total))
  return (
    <div
      className={`progress progress--${props.tone ?? 'active'} progress--${props.size ?? 'small'}`}
      role="progressbar"
      aria-label={props.label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={value}
    >
      {/* React sets styles through the CSSOM, which the CSP allows (markup style="" it does not). */}
      <div className="progress__fill" style={{ width: `${percent(props.done, props.total)}%` }} />
    </div>
  )
}
