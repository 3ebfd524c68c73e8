// GET /api/whoami (routes/whoami.ts).
import { Type } from 'typebox'

const Whoami = Type.Object({
  replica: Type.String(),
  pid: Type.Integer(),
  uptimeSeconds: Type.Number(),
  // The caller's address as the replica sees it: nginx's X-Forwarded-For, trusted only from the proxy.
  clientIp: Type.String(),
})

export const whoamiSchemas = {
  get: { response: { 200: Whoami } },
}
