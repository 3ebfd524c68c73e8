// The workshop's pages, read without a stack: each lesson folder has the shape a trainer and
// test/lessons rely on, and every command its shell blocks type exists (a renamed make target or
// a traffic option that changed would otherwise rot a page until someone stood in front of a room).
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { pathToFileURL } from 'node:url'
import { repoRoot } from '../../tools/lab/src/paths.ts'
import { type Checkpoint, lessons, shellBlocks } from '../../tools/lab/src/workshop/lessons.ts'
import { parseTraffic } from '../../tools/lab/src/workshop/traffic.ts'

const SECTIONS = ['Steps', 'Watch', 'Think', 'Checkpoint', 'Put it back']
/** The targets `make help` lists (the `## ` comments of the Makefile). */
const TARGETS = new Set(
  [...readFileSync(join(repoRoot, 'Makefile'), 'utf8').matchAll(/^([a-z][a-z -]*):.*## /gm)].flatMap((m) =>
    (m[1] as string).trim().split(/\s+/),
  ),
)

describe('the workshop pages', () => {
  const all = lessons()

  it('numbers each lesson once, from 1', () => {
    const numbers = all.map((l) => l.n)
    assert.equal(numbers[0], 1)
    assert.deepEqual(numbers, [...new Set(numbers)])
  })

  for (const lesson of all) {
    describe(`lesson ${lesson.n}: ${lesson.title}`, () => {
      it('has a goal, its time, and the sections in order', () => {
        assert.match(lesson.page, /^\*\*Goal:\*\* [\s\S]+? About \d+ minutes\.$/m)
        const found = [...lesson.page.matchAll(/^## (.+)$/gm)].map((m) => m[1])
        assert.deepEqual(found, SECTIONS)
      })

      it('checks itself with make check n=<its number>, and its checkpoint says what it expects', async () => {
        assert.deepEqual(shellBlocks(lesson.page, 'Checkpoint'), [`make check n=${lesson.n}`])
        const checkpoint = (await import(pathToFileURL(join(lesson.folder, 'check.ts')).href))
          .default as Checkpoint
        assert.ok(checkpoint.expects.endsWith('.'), checkpoint.expects)
        assert.equal(typeof checkpoint.verify, 'function')
      })

      it('types only make targets that exist, with traffic options make traffic takes', () => {
        const blocks = [...shellBlocks(lesson.page, 'Steps'), ...shellBlocks(lesson.page, 'Put it back')]
        assert.ok(shellBlocks(lesson.page, 'Steps').length > 0, 'no steps')
        for (const block of blocks)
          for (const [, target = '', args = ''] of block.matchAll(
            /\bmake (?:-s )?([a-z][a-z-]*)([^;&|\n]*)/g,
          )) {
            assert.ok(TARGETS.has(target), `make ${target}: not a target of make help`)
            if (target === 'traffic')
              assert.doesNotThrow(() =>
                parseTraffic(
                  // Upper-case: the lab's variables (SETS=go), for make's environment, not options.
                  args
                    .trim()
                    .split(/\s+/)
                    .map((arg) => arg.replace(/^'(.*)'$/, '$1'))
                    // A shell variable ($url) holds what the page made before: a path here.
                    .map((arg) => arg.replace(/\$\{?(\w+)\}?/g, '/$1'))
                    .filter((arg) => arg && !/^[A-Z_]+=/.test(arg)),
                ),
              )
          }
      })
    })
  }
})
