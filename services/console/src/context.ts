// What the console's handlers and its snapshot share: the configuration and the live parts.
import type { ConsoleConfig } from './config.ts'
import type { History } from './history.ts'
import type { LabState } from './lab-state.ts'
import type { LoadGenerator } from './load.ts'
import type { Media } from './media.ts'
import type { Probes } from './probes.ts'
import type { Traffic } from './stats.ts'
import type { LessonView } from './view.ts'

export interface Context {
  config: ConsoleConfig
  traffic: Traffic
  media: Media
  probes: Probes
  load: LoadGenerator
  state: () => LabState | undefined
  listeners: Set<() => void>
  history: History
  /** Told of each new sample: the event streams send it on. */
  historyListeners: Set<() => void>
  /** The lesson in progress, as last told (none until `make lesson`; gone with a console restart). */
  lesson: { current: LessonView | null }
}
