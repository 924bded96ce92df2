import { useThumbnail } from '../state/thumbnails'
import { Icon } from './Icon'

export function Thumb({ id, size = 44 }: { id: string; size?: number }): React.JSX.Element {
  const url = useThumbnail(id)
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
