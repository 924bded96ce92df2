import type { ReactNode } from 'react'
import { Icon, type IconName } from './Icon'

export function EmptyState(props: {
  icon: IconName
  title: string
  hint: string
  children?: ReactNode
}): React.JSX.Element {
  return (
    <div className="empty">
      <div className="empty__icon">
        <Icon name={props.icon} size={34} />
      </div>
      <h2 className="empty__title">{props.title}</h2>
      <p className="empty__hint">{props.hint}</p>
      {props.children}
    </div>
  )
}
