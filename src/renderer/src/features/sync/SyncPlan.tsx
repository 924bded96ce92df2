// The dry run of a sync pair: what the next pass would upload, rename, leave alone and what
// remote objects belong to files gone from the folder.

import type { ReactNode } from 'react'
import type { SyncPreview } from '../../../../shared/api'
import { Icon } from '../../components/Icon'
import { t } from '../../i18n'
import { formatBytes } from '../../lib/format'

export function SyncPlan(props: {
  plan: SyncPreview
  name: string
  onRun(): void
  onClose(): void
}): React.JSX.Element {
  const p = props.plan
  const nothing =
    p.uploadCount === 0 && p.rename.length === 0 && p.gone.length === 0 && p.problems.length === 0
  return (
    <div className="sync-plan" role="region" aria-label={t.sync.plan.title(props.name)}>
      <div className="sync-plan__counts" data-testid="sync-plan-counts">
        <span className="chip chip--strong">{t.sync.plan.upload(p.uploadCount)}</span>
        <span className="chip">{t.sync.plan.unchanged(p.unchanged)}</span>
        {p.rename.length > 0 && <span className="chip">{t.sync.plan.rename(p.rename.length)}</span>}
        {p.gone.length > 0 && <span className="chip">{t.sync.plan.gone(p.gone.length)}</span>}
        <span className="chip">{t.sync.plan.delete(p.delete.length)}</span>
        {p.problems.length > 0 && (
          <span className="chip chip--bad">{t.sync.plan.problems(p.problems.length)}</span>
        )}
      </div>
      {nothing && <p className="muted sync-plan__nothing">{t.sync.plan.nothing}</p>}
      <Section
        title={t.sync.plan.upload(p.uploadCount)}
        shown={p.upload.length}
        total={p.uploadCount}
      >
        {p.upload.map((u) => (
          <li key={u.path} data-testid="sync-plan-upload">
            <span className="mono">{u.path}</span>
            <span className="chip">{t.sync.plan.reasons[u.reason]}</span>
          </li>
        ))}
      </Section>
      <Section title={t.sync.plan.rename(p.rename.length)} shown={p.rename.length}>
        {p.rename.map((r) => (
          <li key={r.to}>
            <span className="mono">
              {r.from} → {r.to}
            </span>
          </li>
        ))}
      </Section>
      <Section title={t.sync.plan.gone(p.gone.length)} shown={p.gone.length}>
        {p.gone.map((g) => (
          <li key={g}>
            <span className="mono">{g}</span>
          </li>
        ))}
      </Section>
      <Section title={t.sync.plan.delete(p.delete.length)} shown={p.delete.length}>
        {p.delete.map((d) => (
          <li key={d.key}>
            <span className="mono">{d.key}</span>
            <span className="muted">{formatBytes(d.bytes)}</span>
          </li>
        ))}
      </Section>
      {p.delete.length > 0 && <p className="form__hint">{t.sync.plan.deleteNote}</p>}
      <Section title={t.sync.plan.problems(p.problems.length)} shown={p.problems.length}>
        {p.problems.map((e) => (
          <li key={e.path}>
            <span className="mono">{e.path}</span>
            <span className="history__error">{e.message}</span>
          </li>
        ))}
      </Section>
      <div className="form__actions">
        {!nothing && (
          <button type="button" className="button button--primary" onClick={props.onRun}>
            <Icon name="upload" size={16} />
            {t.sync.run}
          </button>
        )}
        <button type="button" className="button" onClick={props.onClose}>
          {t.sync.plan.close}
        </button>
      </div>
    </div>
  )
}

function Section(props: {
  title: string
  shown: number
  total?: number
  children: ReactNode
}): React.JSX.Element | null {
  if (props.shown === 0) return null
  const more = (props.total ?? props.shown) - props.shown
  return (
    <div className="sync-plan__section">
      <h3 className="sync-plan__title">{props.title}</h3>
      <ul className="sync-plan__list">
        {props.children}
        {more > 0 && <li className="muted">{t.sync.plan.more(more)}</li>}
      </ul>
    </div>
  )
}
