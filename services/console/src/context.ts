// What the console's handlers and its snapshot share: the configuration and the live parts.
import type { ConsoleConfig } from './config.ts'
import type { LabState } from './lab-state.ts'
import type { LoadGenerator } from './load.ts'
import type { Media } from './media.ts'
import type { Probes } from './probes.ts'
import type { Traffic } from './stats.ts'

export interface Context {
  config: ConsoleConfig
  traffic: Traffic
  media: Media
  probes: Probes
  load: LoadGenerator
  state: () => LabState | undefined
  listeners: Set<() => void>
}
