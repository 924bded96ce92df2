// The encoder settings the curves compare, each at a range of qualities. `variants` limits a
// family to the sizes where it is worth its time (effort 6 on a 4 MP picture is not a candidate
// for a preset that must stay near today's CPU time); the large variants get fewer, closer
// qualities around the preset's own, because butteraugli on them is slow.
const Q_WEBP = [60, 68, 75, 80, 85, 90]
const Q_WEBP_LARGE = [70, 75, 80, 85]
const Q_AVIF = [35, 45, 52, 60, 68]
const Q_AVIF_LARGE = [40, 50, 60]
const SMALL = ['thumb', 'preview']
const LARGE = ['overlay', 'full']
const ALL = [...SMALL, ...LARGE]

export const FAMILIES = [
  { id: 'webp-e2', settings: { format: 'webp', effort: 2 }, variants: LARGE },
  { id: 'webp-e4', settings: { format: 'webp', effort: 4 }, variants: ALL },
  { id: 'webp-e6', settings: { format: 'webp', effort: 6 }, variants: SMALL },
  {
    id: 'webp-e2-sharpyuv',
    settings: { format: 'webp', effort: 2, smartSubsample: true },
    variants: LARGE,
  },
  {
    id: 'webp-e4-sharpyuv',
    settings: { format: 'webp', effort: 4, smartSubsample: true },
    variants: ['thumb', 'preview', 'overlay'],
  },
  {
    id: 'webp-e6-sharpyuv',
    settings: { format: 'webp', effort: 6, smartSubsample: true },
    variants: SMALL,
  },
  {
    id: 'webp-e4-photo',
    settings: { format: 'webp', effort: 4, preset: 'photo' },
    variants: SMALL,
  },
  {
    id: 'webp-e6-sharpyuv-sharpen',
    settings: { format: 'webp', effort: 6, smartSubsample: true, sharpen: 0.5 },
    variants: ['thumb'],
  },
  {
    id: 'avif-e2',
    settings: { format: 'avif', effort: 2 },
    variants: ['thumb', 'preview', 'overlay'],
  },
  { id: 'avif-e0', settings: { format: 'avif', effort: 0 }, variants: ['full'] },
  { id: 'avif-e4', settings: { format: 'avif', effort: 4 }, variants: SMALL },
  {
    id: 'avif-e2-444',
    settings: { format: 'avif', effort: 2, chroma: '4:4:4' },
    variants: [...SMALL, 'overlay'],
  },
]

/** The qualities a family is measured at for a variant. */
export function qualitiesOf(family, variant) {
  const large = LARGE.includes(variant)
  if (family.settings.format === 'avif') return large ? Q_AVIF_LARGE : Q_AVIF
  return large ? Q_WEBP_LARGE : Q_WEBP
}

export const familyById = (id) => FAMILIES.find((f) => f.id === id)
