import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { parse } from 'yaml'
import { dashboardJson } from '../../grafana/src/build.ts'
import { DATASOURCE } from '../../grafana/src/load-balancing.ts'
import { repoRoot } from '../../tools/lab/src/paths.ts'

const grafana = (...path: string[]) => join(repoRoot, 'grafana', ...path)

/** Every datasource reference anywhere in a dashboard (panels, targets, variables). */
function datasourceRefs(node: unknown, found: Array<{ type?: string; uid?: string }> = []) {
  if (Array.isArray(node)) for (const item of node) datasourceRefs(item, found)
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'datasource' && value && typeof value === 'object') found.push(value)
      else datasourceRefs(value, found)
    }
  }
  return found
}

describe('Grafana dashboards and provisioning', () => {
  it('commits exactly the JSON the dashboard code produces (run make dashboards)', () => {
    assert.equal(readFileSync(grafana('dashboards/load-balancing.json'), 'utf8'), dashboardJson())
  })

  it('points every panel, query and variable at the provisioned datasource', () => {
    const [source] = parse(
      readFileSync(grafana('provisioning/datasources/prometheus.yml'), 'utf8'),
    ).datasources
    assert.equal(source.uid, DATASOURCE.uid)
    assert.equal(source.type, DATASOURCE.type)
    for (const file of readdirSync(grafana('dashboards'))) {
      const dashboard = JSON.parse(readFileSync(grafana('dashboards', file), 'utf8'))
      assert.match(dashboard.uid, /^[a-z0-9-]{1,40}$/, `${file}: stable uid`)
      const refs = datasourceRefs(dashboard)
      assert.ok(refs.length > 10, file)
      for (const ref of refs) assert.deepEqual(ref, DATASOURCE, file)
    }
  })

  it('provisions the dashboards folder Grafana loads from', () => {
    const { apiVersion, providers } = parse(
      readFileSync(grafana('provisioning/dashboards/lb-lab.yml'), 'utf8'),
    )
    assert.equal(apiVersion, 1)
    assert.equal(providers[0].type, 'file')
    assert.equal(providers[0].options.path, '/var/lib/grafana/dashboards')
  })
})
