// A list that renders only the rows in view (fixed row height), so a prefix of thousands of
// objects scrolls like a short one; near the end it asks for the next page.
import { useState, type ReactNode } from 'react'

export const ROW_HEIGHT = 48
const OVERSCAN = 8

export function VirtualList<T>(props: {
  items: readonly T[]
  height: number
  label: string
  row(item: T, index: number): ReactNode
  /** Called when the last rows come into view (the next page, if any). */
  onEnd?(): void
}): React.JSX.Element {
  const [top, setTop] = useState(0)
  const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN)
  const last = Math.min(props.items.length, Math.ceil((top + props.height) / ROW_HEIGHT) + OVERSCAN)
  return (
    <div
      className="vlist"
      role="list"
      aria-label={props.label}
      style={{ height: props.height, overflowY: 'auto' }}
      onScroll={(e) => {
        const el = e.currentTarget
        setTop(el.scrollTop)
        if (el.scrollTop + el.clientHeight >= el.scrollHeight - ROW_HEIGHT * 4) props.onEnd?.()
      }}
    >
      <div style={{ height: props.items.length * ROW_HEIGHT, position: 'relative' }}>
        {props.items.slice(first, last).map((item, i) => (
          <div
            key={first + i}
            role="listitem"
            className="vlist__row"
            style={{
              position: 'absolute',
              top: (first + i) * ROW_HEIGHT,
              height: ROW_HEIGHT,
              left: 0,
              right: 0,
            }}
          >
            {props.row(item, first + i)}
          </div>
        ))}
      </div>
    </div>
  )
}
