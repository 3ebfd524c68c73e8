import { httpError } from './errors.ts'

/**
 * The contract's input policy for JSON bodies (contract/README.md), one check after another in
 * the order the Python replica runs them too, so that both answer a hostile body alike.
 */
export const MAX_DEPTH = 32
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

export function parseJsonBody(contentType: string, raw: Buffer): unknown {
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType)?.[1]
  if (charset !== undefined && charset.toLowerCase() !== 'utf-8') {
    throw httpError(415, `Unsupported Media Type: ${contentType}`)
  }
  if (raw.length === 0)
    throw httpError(400, "Body cannot be empty when content-type is set to 'application/json'")
  let text: string
  try {
    text = utf8.decode(raw)
  } catch {
    throw httpError(400, 'body is not valid UTF-8')
  }
  if (depthOf(text) > MAX_DEPTH) throw httpError(400, `body nests deeper than ${MAX_DEPTH} levels`)
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw httpError(400, 'body is not valid JSON')
  }
  const duplicate = firstDuplicateKey(text)
  if (duplicate !== undefined) throw httpError(400, `body has a duplicate key: ${duplicate}`)
  return value
}

/** The deepest nesting of arrays and objects, counted outside strings (before parsing, so a
 * deep body costs a counter, not a recursion). */
function depthOf(text: string): number {
  let depth = 0
  let deepest = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (inString) {
      if (c === '\\') i++
      else if (c === '"') inString = false
    } else if (c === '"') inString = true
    else if (c === '{' || c === '[') deepest = Math.max(deepest, ++depth)
    else if (c === '}' || c === ']') depth--
  }
  return deepest
}

/** The first key repeated within one object of valid JSON (JSON.parse keeps the last silently). */
function firstDuplicateKey(text: string): string | undefined {
  // One entry per open container: the keys seen so far for an object, undefined for an array.
  const open: Array<Set<string> | undefined> = []
  let expectKey = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (c === '"') {
      let end = i + 1
      while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1
      const keys = open.at(-1)
      if (expectKey && keys) {
        const key = JSON.parse(text.slice(i, end + 1)) as string
        if (keys.has(key)) return key
        keys.add(key)
      }
      expectKey = false
      i = end
    } else if (c === '{') {
      open.push(new Set())
      expectKey = true
    } else if (c === '[') open.push(undefined)
    else if (c === '}' || c === ']') open.pop()
    else if (c === ',') expectKey = open.at(-1) !== undefined
  }
  return undefined
}

/** The contract's rules for a text field, after the schema has checked that it is a string. */
export function checkText(name: string, value: string, maxLength: number): void {
  const length = [...value].length
  if (length < 1 || length > maxLength)
    throw httpError(400, `body/${name} must be 1 to ${maxLength} characters`)
  if (!value.isWellFormed()) throw httpError(400, `body/${name} must be well-formed Unicode`)
  // Control characters (category Cc: C0, DEL, C1) but tab, newline and carriage return.
  if (/(?![\t\n\r])\p{Cc}/u.test(value)) {
    throw httpError(400, `body/${name} must not contain control characters`)
  }
  // Something other than white space and invisible format characters (zero-width space and
  // joiners, word joiner, byte order mark, soft hyphen: Unicode category Cf).
  if (!/[^\s\p{Cf}]/u.test(value)) throw httpError(400, `body/${name} must contain a visible character`)
}
