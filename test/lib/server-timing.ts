/** A Server-Timing header's entries, by name, in milliseconds (the replicas' instruments use it). */
export function serverTiming(header: string | string[] | number | null | undefined): Record<string, number> {
  return Object.fromEntries(
    String(header ?? '')
      .split(',')
      .map((entry) => /^\s*([\w-]+);dur=([\d.]+)\s*$/.exec(entry))
      .filter((match) => match !== null)
      .map(([, name, ms]) => [name, Number(ms)]),
  )
}
