// The image pipeline's public API: read a source once, then make its staged outputs.
export {
  getPreset,
  presetFingerprint,
  presetKeyTag,
  PRESET_NAMES,
  DEFAULT_PRESET,
  WEB_PRESET,
} from '../presets'
export { watermarkApplies, watermarkBox, WATERMARK_MIN_WIDTH } from './watermark'
export { snapshotSource, MAX_IMAGE_BYTES, type SnapshotOptions } from './source'
export {
  makeOutputs,
  imageWorkInFlight,
  EXT_OF,
  MIME_OF,
  type MakeOutputsOptions,
} from './variants'
export { stopSvgRenderers } from './svg-render'
export { sniffBytes, SNIFF_BYTES } from './sniff'
export { sanitizeSvg } from './svg'
export { planVariant, coverSize } from './geometry'
