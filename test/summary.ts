// The end of `make test`: the k6 figures each mode measured (test/k6 keeps them), side by side.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { repoRoot } from '../tools/lab/src/paths.ts'

const results = join(repoRoot, 'loadtests/results')
const lines = ['', 'Measured with k6 in both modes (make test):']
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
  for (const mode of ['native', 'docker']) {
    const file = join(results, `report-${mode}-${name}.txt`)
    const report = existsSync(file) ? readFileSync(file, 'utf8').trimEnd().split('\n') : ['(not run)']
    report.forEach((line, i) => {
      lines.push(`    ${i === 0 ? mode.padEnd(7) : ' '.repeat(7)} ${line.trim()}`)
    })
  }
}
console.log(lines.join('\n'))
