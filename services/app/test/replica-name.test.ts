import assert from 'node:assert/strict'
import { test } from 'node:test'
import { replicaIdFromContainerName } from '../src/replica-name.ts'

test('a scaled Compose container is named for its service and number, as native mode names replicas', () => {
  assert.equal(replicaIdFromContainerName('lb-lab-app-3.lb-lab_backend'), 'app3')
  assert.equal(replicaIdFromContainerName('lb-lab-py-12.lb-lab_backend'), 'py12')
  // A project copied under another name still yields the service's replica names.
  assert.equal(replicaIdFromContainerName('shop-app-1'), 'app1')
})

test('an address Compose did not name (a container ID, a plain host) gives no replica name', () => {
  assert.equal(replicaIdFromContainerName('f648cb85c95d'), undefined)
  assert.equal(replicaIdFromContainerName('localhost'), undefined)
})
