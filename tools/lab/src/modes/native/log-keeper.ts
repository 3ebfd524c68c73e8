// Native mode's log-keeper service: every few seconds, rotates each log under the state folder
// that has passed its cap (log-rotation.ts). Started and stopped by the lab like any service.
//   node log-keeper.ts <state folder> <max bytes> <interval ms>
import { setTimeout as sleep } from 'node:timers/promises'
import { logsUnder, rotateIfOver } from './log-rotation.ts'

const [stateRoot, maxBytes, intervalMs] = process.argv.slice(2)
const max = Number(maxBytes)
const every = Number(intervalMs)
if (!stateRoot || !(max > 0) || !(every > 0)) {
  console.error('usage: log-keeper.ts <state folder> <max bytes> <interval ms>')
  process.exit(2)
}

// Rotation is synchronous, so the handler runs between two rotations, never inside one.
process.on('SIGTERM', () => process.exit(0))
console.log(`log-keeper: capping the logs under ${stateRoot} at ${max} bytes, checked every ${every} ms`)
for (;;) {
  for (const file of logsUnder(stateRoot)) {
    try {
      if (rotateIfOver(file, max)) console.log(`log-keeper: rotated ${file}`)
    } catch (err) {
      console.error(`log-keeper: ${file}: ${(err as Error).message}`)
    }
  }
  await sleep(every)
}
