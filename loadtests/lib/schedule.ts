/// <reference types="k6" />
// The disruption schedule a runner (loadtests/run.ts) passes in: epoch milliseconds per event,
// e.g. -e AT_kill=1795...  Requests are tagged with the phase they were sent in.

export function eventTime(name: string): number {
  const value = Number(__ENV[`AT_${name}`])
  if (!Number.isFinite(value))
    throw new Error(`AT_${name} is not set: run this script through loadtests/run.ts`)
  return value
}

/** The phase a moment falls in: the last event at or before it, or "before". */
export function phaseAt(now: number, events: string[]): string {
  let phase = 'before'
  for (const name of events) if (now >= eventTime(name)) phase = name
  return phase
}
