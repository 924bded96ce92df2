import type { Preset } from './types'

/** The default preset, after the seed design: four WebP variants at quality 80. */
export const WEB_PRESET: Preset = {
  name: 'web',
  variants: [
    { name: 'thumb', fit: 'cover', width: 320, height: 180, position: 'attention', format: 'webp', quality: 80 },
    { name: 'preview', fit: 'cover', width: 640, height: 360, position: 'attention', format: 'webp', quality: 80 },
    { name: 'overlay', fit: 'inside', width: 1280, height: 720, format: 'webp', quality: 80 },
    { name: 'full', fit: 'original', format: 'webp', quality: 80 },
  ],
}
