// What one photo became under a preset: each variant as it came out of the pipeline (scaled down
// by the main process to a data: URL), with its dimensions, bytes and whether it is watermarked.

import type { PresetPreview } from '../../../../shared/presets'
import { Icon } from '../../components/Icon'
import { t } from '../../i18n'
import { formatBytes } from '../../lib/format'

export function PresetPreviewResult(props: {
  preview: PresetPreview
  onClose(): void
}): React.JSX.Element {
  const p = props.preview
  const title = t.settings.presets.previewTitle(p.preset, p.source)
  return (
    <div className="preset-result" role="region" aria-label={title} data-testid="preset-preview">
      <div className="preset-result__head">
        <strong>{title}</strong>
        <button
          type="button"
          className="icon-button"
          aria-label={t.settings.presets.closePreview}
          title={t.settings.presets.closePreview}
          onClick={props.onClose}
        >
          <Icon name="x" />
        </button>
      </div>
      <ul className="preset-result__list">
        {p.variants.map((v) => (
          <li
            key={`${v.name}.${v.format}`}
            className="preset-result__item"
            data-testid="preset-preview-variant"
            data-variant={v.name}
          >
            <div className="preset-result__image">
              {v.url ? (
                <img src={v.url} alt={`${v.name} (${v.format})`} />
              ) : (
                <Icon name="file" size={28} />
              )}
            </div>
            <div className="preset-result__text">
              <strong>{v.name}</strong>
              <span className="chip chip--format">{v.format.toUpperCase()}</span>
              {v.marked && <span className="chip">{t.settings.presets.watermarked}</span>}
            </div>
            <div className="preset-result__meta">
              <span data-testid="preset-preview-size">
                {v.width !== null && v.height !== null ? `${v.width} × ${v.height}` : '—'}
              </span>
              <span>{formatBytes(v.bytes)}</span>
            </div>
          </li>
        ))}
      </ul>
    </div>
  )
}
