import { useEffect, useRef } from 'react'
import { t } from '../i18n'

/** A modal <dialog>: focus moves in, Escape cancels, the confirm button says what happens. */
export function ConfirmDialog(props: {
  title: string
  body: string
  confirm: string
  onConfirm(): void
  onCancel(): void
}): React.JSX.Element {
  const ref = useRef<HTMLDialogElement>(null)
  useEffect(() => {
    const dialog = ref.current
    if (dialog && !dialog.open) dialog.showModal()
  }, [])
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby="confirm-title"
      aria-describedby="confirm-body"
      onCancel={(e) => {
        e.preventDefault()
        props.onCancel()
      }}
    >
      <h2 id="confirm-title" className="dialog__title">
        {props.title}
      </h2>
      <p id="confirm-body" className="dialog__body">
        {props.body}
      </p>
      <div className="dialog__actions">
        <button type="button" className="button" onClick={props.onCancel} autoFocus>
          {t.actions.cancel}
        </button>
        <button type="button" className="button button--danger" onClick={props.onConfirm}>
          {props.confirm}
        </button>
      </div>
    </dialog>
  )
}
