import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { stateRoot } from './paths.ts'

export const MODES = ['native', 'docker', 'k8s'] as const
export type Mode = (typeof MODES)[number]

/** Where `up` records the mode it started, so every later verb acts on that stack. */
const modeFile = () => join(stateRoot, 'mode')

export function dockerAnswers(): boolean {
  return spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 10_000 }).status === 0
}

export function rememberedMode(): Mode | undefined {
  if (!existsSync(modeFile())) return undefined
  const mode = readFileSync(modeFile(), 'utf8').trim()
  return (MODES as readonly string[]).includes(mode) ? (mode as Mode) : undefined
}

export function rememberMode(mode: Mode): void {
  mkdirSync(stateRoot, { recursive: true })
  writeFileSync(modeFile(), `${mode}\n`)
}

export function forgetMode(): void {
  rmSync(modeFile(), { force: true })
}

/**
 * MODE=native|docker decides; otherwise the mode the last `up` recorded (a Docker engine started
 * later must not send `make kill s=app2` to a stack that does not exist); otherwise Docker when
 * an engine answers. `up` passes `stillRunning` so that a stack that is down is chosen afresh.
 */
export async function chooseMode(
  requested: string | undefined,
  stillRunning: (mode: Mode) => Promise<boolean> = async () => true,
): Promise<{ mode: Mode; why: string }> {
  if (requested) {
    if (!(MODES as readonly string[]).includes(requested)) {
      throw new Error(`MODE=${requested}: use MODE=native, MODE=docker or MODE=k8s`)
    }
    return { mode: requested as Mode, why: 'MODE' }
  }
  const remembered = rememberedMode()
  if (remembered && (await stillRunning(remembered))) return { mode: remembered, why: 'remembered' }
  return dockerAnswers()
    ? { mode: 'docker', why: 'a Docker engine answers' }
    : { mode: 'native', why: 'no Docker engine answers' }
}
