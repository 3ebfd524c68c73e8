// Native mode's log-keeper service: every few seconds, rotates each log under the state folder
// that has passed its cap (log-rotation.ts). Started and stopped by the lab like any service.
// Given a port and a file, it also appends each datagram it gets there to that file, one line
// each: HAProxy's access log (it clears O_APPEND on a file it writes to, which rotation needs).
//   node log-keeper.ts <state folder> <max bytes> <interval ms> [<udp port> <file>]
import { createSocket } from 'node:dgram'
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs'
import { dirname } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { logsUnder, rotateIfOver } from './log-rotation.ts'

const [stateRoot, maxBytes, intervalMs, syslogPort, syslogFile] = process.argv.slice(2)
const max = Number(maxBytes)
const every = Number(intervalMs)
if (!stateRoot || !(max > 0) || !(every > 0)) {
  console.error('usage: log-keeper.ts <state folder> <max bytes> <interval ms>')
  process.exit(2)
}

if (syslogPort && syslogFile) {
  // Opened for appending, and each line written whole: a rotation never leaves a hole or half a line.
  mkdirSync(dirname(syslogFile), { recursive: true })
  const fd = openSync(syslogFile, 'a')
  const socket = createSocket('udp4')
  socket.on('message', (message) => {
    const line = message.toString('utf8').replace(/\n?$/, '\n')
    writeSync(fd, line)
  })
  socket.on('error', (err) => {
    console.error(`log-keeper: syslog on 127.0.0.1:${syslogPort}: ${err.message}`)
    process.exit(1)
  })
  socket.bind(Number(syslogPort), '127.0.0.1')
  process.on('exit', () => closeSync(fd))
  console.log(`log-keeper: appending the datagrams to 127.0.0.1:${syslogPort} to ${syslogFile}`)
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
