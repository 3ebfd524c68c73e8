import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { promisify } from 'node:util'
import { loadLabEnv } from '../../tools/lab/src/env.ts'
import { repoRoot } from '../../tools/lab/src/paths.ts'
import { dockerPrometheus, renderPrometheus } from '../../tools/lab/src/prometheus-config.ts'
import { which } from '../../tools/lab/src/system.ts'

const run = promisify(execFile)
const promtool = (...args: string[]) => {
  const binary = which('promtool')
  if (!binary) throw new Error('promtool not found (make up installs the prometheus package)')
  return run(binary, args, { cwd: join(repoRoot, 'prometheus') })
}

describe('Prometheus configuration', () => {
  it('renders a config promtool accepts, rules included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lb-lab-prom-'))
    try {
      const config = join(dir, 'prometheus.yml')
      // Docker mode's rendering, rules from here.
      const replicas = {
        app: [{ name: 'app1', address: '172.30.57.130:3000' }],
        py: [{ name: 'py1', address: '172.30.57.131:8000' }],
      }
      const placement = {
        ...dockerPrometheus(loadLabEnv({}), replicas),
        rulesDir: join(repoRoot, 'prometheus/rules'),
      }
      writeFileSync(config, renderPrometheus(placement))
      const { stdout } = await promtool('check', 'config', config)
      assert.match(stdout, /SUCCESS: 2 rule files found/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('has alert rules whose unit tests pass (each alert firing and not firing)', async () => {
    await promtool('check', 'rules', 'rules/alerts.yml', 'rules/recording.yml')
    const { stdout } = await promtool('test', 'rules', 'tests/alerts.test.yml')
    assert.match(stdout, /SUCCESS/)
  })
})
