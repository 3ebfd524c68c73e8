// Writes the dashboards' JSON from their code: `make dashboards`.
import { writeFileSync } from 'node:fs'
import { loadBalancingDashboard } from './load-balancing.ts'

export const dashboardJson = () => `${JSON.stringify(loadBalancingDashboard(), null, 2)}\n`

if (import.meta.main) {
  const target = new URL('../dashboards/load-balancing.json', import.meta.url)
  writeFileSync(target, dashboardJson())
  console.log(`wrote ${target.pathname}`)
}
