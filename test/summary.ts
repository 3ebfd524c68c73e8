// The end of `make test`: the k6 figures each mode and engine measured (test/k6 keeps them),
// side by side. What runs once (the overload, natively) has one line.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { repoRoot } from '../tools/lab/src/paths.ts'

const results = join(repoRoot, 'loadtests/results')
const lines = ['', 'Measured with k6 (make test), by run mode and engine:']
const RUNS = ['native', 'native-haproxy', 'docker']
for (const name of [
  'distribution',
  'failover',
  'sessions',
  'rollout-TypeScript',
  'rollout-Python',
  'overload-TypeScript',
  'overload-Python',
]) {
  lines.push(`  ${name}`)
  for (const run of RUNS) {
    const file = join(results, `report-${run}-${name}.txt`)
    if (!existsSync(file)) continue
    readFileSync(file, 'utf8')
      .trimEnd()
      .split('\n')
      .forEach((line, i) => {
        lines.push(`    ${i === 0 ? run.padEnd(14) : ' '.repeat(14)} ${line.trim()}`)
      })
  }
}
console.log(lines.join('\n'))
