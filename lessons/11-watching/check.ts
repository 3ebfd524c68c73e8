// Lesson 11: Prometheus fired ReplicaDown for app2, and it resolved once app2 was back.
import { type Checkpoint, NotYet } from '../../tools/lab/src/workshop/lessons.ts'

const VICTIM = 'app2'

const checkpoint: Checkpoint = {
  expects: `Prometheus fired ReplicaDown for ${VICTIM}, and resolved it once ${VICTIM} was back.`,
  async verify({ prometheus, since }) {
    const alert = `ALERTS{alertname="ReplicaDown",alertstate="firing",replica="${VICTIM}"}`
    const firing = (await prometheus.range(alert, since)).flatMap((series) => series.values)
    if (firing.length === 0)
      throw new NotYet(
        `ReplicaDown has not fired for ${VICTIM} since the lesson began: make kill s=${VICTIM}, and wait 30 s`,
      )
    if ((await prometheus.instant(alert)).length > 0)
      throw new NotYet(`ReplicaDown is still firing: make start s=${VICTIM}`)
    const first = Math.min(...firing.map(([at]) => at))
    const last = Math.max(...firing.map(([at]) => at))
    return `ReplicaDown fired for ${VICTIM} at ${new Date(first * 1000).toISOString().slice(11, 19)} and was last firing ${Math.round(last - first)} s later; resolved now`
  },
}
export default checkpoint
