// The run modes, a row each: what `MODE=` names (mode.ts picks one) to the object that does its
// verbs (run-mode.ts). A new mode is a folder beside these, and a row here.
import type { Mode } from '../mode.ts'
import { dockerMode } from './docker/index.ts'
import { k8sMode } from './k8s/index.ts'
import { nativeMode } from './native/index.ts'
import type { RunMode } from './run-mode.ts'

export const RUN_MODES: Record<Mode, RunMode> = { native: nativeMode, docker: dockerMode, k8s: k8sMode }
