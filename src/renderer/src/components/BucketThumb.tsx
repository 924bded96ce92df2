import { useBucketThumbnail } from '../state/bucket-thumbnails'
import { Icon } from './Icon'

/** A Browse row's picture, from the bucket; the file icon when there is none. */
export function BucketThumb({
  dest,
  objectKey,
  size = 44,
}: {
  dest: string | null
  objectKey: string
  size?: number
}): React.JSX.Element {
  const url = useBucketThumbnail(dest, objectKey)
  return (
    <div className={`thumb thumb--${size}`} aria-hidden="true">
      {url ? (
        <img src={url} alt="" width={size} height={size} />
      ) : (
        <Icon name={url === undefined ? 'image' : 'file'} size={Math.round(size / 2.2)} />
      )}
    </div>
  )
}
