// The browser face's chooser for paths on the core's computer: the face asks for a choice
// (requestChoice) where the window would open a native dialog; <PathChooser> shows it and
// answers. One choice at a time; asking again cancels the one open.

import { useSyncExternalStore } from 'react'
import type { BrowsePurpose, ChosenPath } from '../../../shared/api'

/** 'browser': the user would rather send the files from the browser (upload-folder only). */
export type Choice = ChosenPath | null | 'browser'

export interface ChoiceRequest {
  id: number
  purpose: BrowsePurpose
  answer(choice: Choice): void
}

let current: ChoiceRequest | null = null
let nextId = 1
const listeners = new Set<() => void>()

function set(next: ChoiceRequest | null): void {
  current = next
  for (const fn of listeners) fn()
}

export function requestChoice(purpose: 'upload-folder'): Promise<Choice>
export function requestChoice(
  purpose: Exclude<BrowsePurpose, 'upload-folder'>,
): Promise<ChosenPath | null>
export function requestChoice(purpose: BrowsePurpose): Promise<Choice> {
  current?.answer(null)
  return new Promise((resolve) => {
    const request: ChoiceRequest = {
      id: nextId++,
      purpose,
      answer(choice) {
        if (current === request) set(null)
        resolve(choice)
      },
    }
    set(request)
  })
}

export function useChoiceRequest(): ChoiceRequest | null {
  return useSyncExternalStore(
    (fn) => {
      listeners.add(fn)
      return () => listeners.delete(fn)
    },
    () => current,
  )
}
