import { useThumbnail } from '../state/thumbnails'
import { Icon } from './Icon'

/** `ready`: the job is done, so a preview that failed before (a file fixed and retried) is asked again. */
export function Thumb({
  id,
  size = 44,
  ready = false,
}: {
  id: string
  size?: number
  ready?: boolean
}): React.JSX.Element {
  const url = useThumbnail(id, ready)
  return (
    <div className={`thumb thumb--${size}`} aria-hidden="true">
      {url ? (
        <img src={url} alt="" width={size} height={size} />
      ) : (
        <Icon name="image" size={Math.round(size / 2.2)} />
      )}
    </div>
  )
}
