import { en, type Catalogue } from './en'

/** The UI strings. One language for now; a second one is another catalogue chosen here. */
export const t: Catalogue = en
