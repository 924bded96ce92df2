// Sync folders: the folder -> destination pairs kept online (shared with `upshot sync`), each with
// its state, a preview of the next pass (the dry run) and the controls to run, pause or forget it.

import { useEffect, useState } from 'react'
import type { SyncPairView, SyncPreview } from '../../../../shared/api'
import { ConfirmDialog } from '../../components/ConfirmDialog'
import { EmptyState } from '../../components/EmptyState'
import { Icon } from '../../components/Icon'
import { t } from '../../i18n'
import { unwrap, upshot } from '../../lib/api'
import { formatDate } from '../../lib/format'
import { toast } from '../../state/toasts'
import { attempt } from '../queue/actions'
import { SyncPairForm } from './SyncPairForm'
import { SyncPlan } from './SyncPlan'

export function SyncView(props: { onOpenHistory(folder: string): void }): React.JSX.Element {
  const [pairs, setPairs] = useState<SyncPairView[] | null>(null)
  const [adding, setAdding] = useState(false)
  const [plans, setPlans] = useState<Record<string, SyncPreview | 'loading'>>({})
  const [forgetting, setForgetting] = useState<SyncPairView | null>(null)

  useEffect(() => {
    const off = upshot.on('sync', setPairs)
    void attempt(async () => setPairs(await unwrap(upshot.listSyncPairs())))
    return off
  }, [])

  const refresh = async (): Promise<void> => {
    const next = await attempt(() => unwrap(upshot.listSyncPairs()))
    if (next) setPairs(next)
  }
  const closePlan = (id: string): void =>
    setPlans((p) => {
      const next = { ...p }
      delete next[id]
      return next
    })
  const preview = async (id: string): Promise<void> => {
    setPlans((p) => ({ ...p, [id]: 'loading' }))
    const plan = await attempt(() => unwrap(upshot.previewSyncPair(id)))
    if (plan) setPlans((p) => ({ ...p, [id]: plan }))
    else closePlan(id)
  }
  const act = async (run: () => Promise<unknown>, done?: string): Promise<void> => {
    const ok = await attempt(run)
    if (ok !== undefined && done) toast(done)
    await refresh()
  }
  const run = (id: string): Promise<void> => {
    closePlan(id)
    return act(() => unwrap(upshot.runSyncPair(id)).then(() => true), t.sync.started)
  }

  return (
    <section className="view view--settings" aria-label={t.sync.label}>
      <div className="settings">
        <div className="settings__head">
          <div>
            <h2 className="settings__title">{t.sync.title}</h2>
            <p className="settings__hint">{t.sync.hint}</p>
          </div>
          {!adding && (
            <button
              type="button"
              className="button button--primary"
              onClick={() => setAdding(true)}
            >
              <Icon name="plus" size={16} />
              {t.sync.add}
            </button>
          )}
        </div>
        {adding && (
          <SyncPairForm
            onDone={(added) => {
              setAdding(false)
              if (added) {
                toast(t.sync.added)
                void refresh()
              }
            }}
          />
        )}
        {pairs !== null && pairs.length === 0 && !adding && (
          <EmptyState icon="folder" title={t.sync.emptyTitle} hint={t.sync.emptyHint} />
        )}
        <ul className="dests" aria-label={t.sync.label}>
          {(pairs ?? []).map((p) => {
            const plan = plans[p.id]
            const name = basename(p.folder)
            const filters = t.sync.filters(p.include.join(', '), p.exclude.join(', '))
            return (
              <li
                key={p.id}
                className="card sync-pair"
                data-testid="sync-pair"
                data-activity={p.activity}
                data-up-to-date={p.upToDate}
              >
                <div className="dest">
                  <div className="dest__main">
                    <div className="dest__title">
                      <Icon name="folder" size={18} />
                      <strong className="sync-pair__name">{name}</strong>
                      <span className={`badge badge--${activityBadge(p)}`}>
                        {t.sync.activity[p.activity]}
                      </span>
                      {p.upToDate && <span className="badge badge--done">{t.sync.upToDate}</span>}
                      {p.pending > 0 && (
                        <span className="badge badge--uploading">{t.sync.pending(p.pending)}</span>
                      )}
                      {p.errors > 0 && (
                        <span className="badge badge--failed">{t.sync.errors(p.errors)}</span>
                      )}
                    </div>
                    <p className="dest__detail" title={p.folder}>
                      {p.folder}
                    </p>
                    <p className="sync-pair__meta">
                      {t.sync.to(p.destinationName, p.preset)}
                      {filters && <> · {filters}</>}
                    </p>
                    <p className="sync-pair__meta" data-testid="sync-counts">
                      {p.lastRunAt === null
                        ? t.sync.neverRun
                        : `${t.sync.files(p.files)} · ${t.sync.lastRun(formatDate(p.lastRunAt))}` +
                          (p.lastResult && !p.lastResult.error
                            ? ` (${t.sync.lastPass(p.lastResult)})`
                            : '')}
                    </p>
                    {p.message && (
                      <p className="sync-pair__message" role="note">
                        <Icon name="alert" size={16} />
                        {p.message}
                      </p>
                    )}
                  </div>
                  <div className="dest__actions" role="group" aria-label={t.sync.actions(p.folder)}>
                    <button
                      type="button"
                      className="button button--small"
                      disabled={plan === 'loading'}
                      onClick={() => void preview(p.id)}
                    >
                      <Icon name="search" size={16} />
                      {t.sync.preview}
                    </button>
                    <button
                      type="button"
                      className={`button button--small${p.lastRunAt === null ? ' button--primary' : ''}`}
                      disabled={p.activity === 'syncing'}
                      onClick={() => void run(p.id)}
                    >
                      <Icon name="retry" size={16} />
                      {t.sync.run}
                    </button>
                    {p.activity === 'paused' ? (
                      <button
                        type="button"
                        className="button button--small"
                        onClick={() => void act(() => unwrap(upshot.resumeSyncPair(p.id)))}
                      >
                        <Icon name="play" size={16} />
                        {t.sync.resume}
                      </button>
                    ) : (
                      <button
                        type="button"
                        className="button button--small"
                        onClick={() => void act(() => unwrap(upshot.pauseSyncPair(p.id)))}
                      >
                        <Icon name="pause" size={16} />
                        {t.sync.pause}
                      </button>
                    )}
                    <button
                      type="button"
                      className="button button--small"
                      onClick={() => props.onOpenHistory(p.folder)}
                    >
                      <Icon name="clear" size={16} />
                      {t.sync.history}
                    </button>
                    <button
                      type="button"
                      className="icon-button icon-button--danger"
                      aria-label={`${t.sync.forget} ${p.folder}`}
                      title={t.sync.forget}
                      onClick={() => setForgetting(p)}
                    >
                      <Icon name="trash" />
                    </button>
                  </div>
                </div>
                {plan && plan !== 'loading' && (
                  <SyncPlan
                    plan={plan}
                    name={name}
                    onRun={() => void run(p.id)}
                    onClose={() => closePlan(p.id)}
                  />
                )}
              </li>
            )
          })}
        </ul>
      </div>
      {forgetting && (
        <ConfirmDialog
          title={t.sync.forgetTitle}
          body={t.sync.forgetBody}
          confirm={t.sync.forget}
          onConfirm={() => {
            const id = forgetting.id
            setForgetting(null)
            closePlan(id)
            void act(() => unwrap(upshot.removeSyncPair(id)).then(() => true), t.sync.forgotten)
          }}
          onCancel={() => setForgetting(null)}
        />
      )}
    </section>
  )
}

function activityBadge(p: SyncPairView): string {
  switch (p.activity) {
    case 'syncing':
      return 'uploading'
    case 'watching':
      return 'processing'
    case 'waiting':
    case 'stopped':
      return 'failed'
    case 'paused':
      return 'paused'
    default:
      return 'canceled'
  }
}

function basename(folder: string): string {
  const parts = folder.split(/[\\/]/).filter(Boolean)
  return parts[parts.length - 1] ?? folder
}
