// The lesson in progress, as the lab's CLI reports it (`make lesson n=`, `make check`): checked
// field by field, since anyone on this machine may POST it; the page shows it as it is told.
import type { LessonView } from './view.ts'

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** The lesson, or what is wrong with the body (a 400's message). */
export function parseLesson(body: unknown): LessonView | string {
  if (!isRecord(body)) return 'the body must be an object: {n, title, startedAt, check}'
  const { n, title, startedAt, check } = body
  if (!Number.isInteger(n) || (n as number) < 1 || (n as number) > 99)
    return 'n must be a lesson number, 1 to 99'
  if (typeof title !== 'string' || title.length === 0 || title.length > 120)
    return 'title must be 1 to 120 characters'
  if (typeof startedAt !== 'number' || !Number.isFinite(startedAt)) return 'startedAt must be a time in ms'
  if (check === null || check === undefined) return { n: n as number, title, startedAt, check: null }
  if (
    !isRecord(check) ||
    typeof check.passed !== 'boolean' ||
    typeof check.said !== 'string' ||
    check.said.length > 1000
  )
    return 'check must be {passed: boolean, said: at most 1000 characters, at}'
  const at = typeof check.at === 'number' && Number.isFinite(check.at) ? check.at : Date.now()
  return { n: n as number, title, startedAt, check: { passed: check.passed, said: check.said, at } }
}
