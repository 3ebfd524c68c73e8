// The replica contract's environment is data (contract/replica-env.json). Each replica checks its
// own configuration against it (services/app/test/config.test.ts, tests/test_config.py); here,
// what the lab gives the replicas.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { REPLICA_ENV } from '../../tools/lab/src/contract.ts'
import { exampleEnv } from '../../tools/lab/src/env.ts'

describe("the replica contract's environment", () => {
  it("is documented in .env.example: every variable .env sets, with the contract's default, secrets marked as examples", () => {
    const example = exampleEnv()
    const problems = Object.entries(REPLICA_ENV).flatMap(([name, rule]) => {
      if (rule.from !== 'env') return []
      const value = example.get(name)
      if (value === undefined) return [`${name}: not in .env.example`]
      if (rule.secret)
        return value.includes('change-me') ? [] : [`${name}: an example secret must say change-me`]
      if (rule.default !== undefined && String(rule.default) !== value)
        return [`${name}: ${value} in .env.example, ${rule.default} in the contract`]
      return []
    })
    assert.deepEqual(problems, [])
  })
})
