// Charts as standalone SVG, for the figures make bench writes (docs/scaling.svg, docs/engines.svg):
// no plotting dependency for a few lines or bars and their axes.

export interface Series {
  name: string
  color: string
  points: Array<[x: number, y: number]>
}

const xmlText = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;')

/** A nice round step for an axis reaching `max` in about `ticks` steps. */
function step(max: number, ticks: number): number {
  const raw = max / ticks
  const magnitude = 10 ** Math.floor(Math.log10(raw))
  return ([1, 2, 5, 10].find((m) => m * magnitude >= raw) ?? 10) * magnitude
}

const [width, height, left, right, top, bottom] = [640, 400, 70, 150, 40, 50]

/** A y axis from 0 past the largest value, in round steps. */
function yScale(values: number[]): { yStep: number; yMax: number } {
  const yStep = step(Math.max(...values, 1), 5)
  return { yStep, yMax: Math.ceil(Math.max(...values, 1) / yStep) * yStep }
}

/** The picture every chart starts with: its title and the y axis's grid lines and labels. */
function frame(title: string, yMax: number, yStep: number, py: (y: number) => number): string[] {
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12" role="img" aria-labelledby="chart-title">`,
    `<title id="chart-title">${xmlText(title)}</title>`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15">${xmlText(title)}</text>`,
  ]
  for (let y = 0; y <= yMax; y += yStep) {
    out.push(
      `<line x1="${left}" x2="${width - right}" y1="${py(y)}" y2="${py(y)}" stroke="#ddd"/>`,
      `<text x="${left - 8}" y="${py(y) + 4}" text-anchor="end">${y}</text>`,
    )
  }
  return out
}

export function lineChart(title: string, xLabel: string, yLabel: string, series: Series[]): string {
  const xs = series.flatMap((s) => s.points.map(([x]) => x))
  const ys = series.flatMap((s) => s.points.map(([, y]) => y))
  const [xMin, xMax] = [Math.min(...xs), Math.max(...xs)]
  const { yStep, yMax } = yScale(ys)
  const px = (x: number) => left + ((x - xMin) / Math.max(xMax - xMin, 1)) * (width - left - right)
  const py = (y: number) => height - bottom - (y / yMax) * (height - top - bottom)
  const out = frame(title, yMax, yStep, py)
  for (let x = xMin; x <= xMax; x++) {
    out.push(`<text x="${px(x)}" y="${height - bottom + 18}" text-anchor="middle">${x}</text>`)
  }
  out.push(
    `<text x="${(left + width - right) / 2}" y="${height - 12}" text-anchor="middle">${xmlText(xLabel)}</text>`,
    `<text transform="translate(18 ${(top + height - bottom) / 2}) rotate(-90)" text-anchor="middle">${xmlText(yLabel)}</text>`,
    `<line x1="${left}" x2="${left}" y1="${top}" y2="${height - bottom}" stroke="black"/>`,
    `<line x1="${left}" x2="${width - right}" y1="${height - bottom}" y2="${height - bottom}" stroke="black"/>`,
  )
  series.forEach((s, i) => {
    const path = s.points.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ')
    out.push(`<polyline points="${path}" fill="none" stroke="${s.color}" stroke-width="2.5"/>`)
    for (const [x, y] of s.points) {
      out.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3.5" fill="${s.color}"/>`)
    }
    const ly = top + 10 + i * 20
    out.push(
      `<line x1="${width - right + 15}" x2="${width - right + 35}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2.5"/>`,
      `<text x="${width - right + 40}" y="${ly + 4}">${xmlText(s.name)}</text>`,
    )
  })
  out.push('</svg>')
  return `${out.join('\n')}\n`
}

export interface BarGroup {
  name: string
  bars: Array<{ name: string; value: number }>
}

/** Grouped bars as a standalone SVG: one group per x label, one bar per series, colors in order. */
export function barChart(title: string, yLabel: string, groups: BarGroup[], colors: string[]): string {
  const names = [...new Set(groups.flatMap((g) => g.bars.map((b) => b.name)))]
  const values = groups.flatMap((g) => g.bars.map((b) => b.value))
  const { yStep, yMax } = yScale(values)
  const py = (y: number) => height - bottom - (y / yMax) * (height - top - bottom)
  const groupWidth = (width - left - right) / Math.max(groups.length, 1)
  const barWidth = (groupWidth * 0.7) / Math.max(names.length, 1)
  const out = frame(title, yMax, yStep, py)
  groups.forEach((group, g) => {
    const x0 = left + g * groupWidth + groupWidth * 0.15
    group.bars.forEach((bar) => {
      const i = names.indexOf(bar.name)
      const x = x0 + i * barWidth
      out.push(
        `<rect x="${x.toFixed(1)}" y="${py(bar.value).toFixed(1)}" width="${(barWidth - 2).toFixed(1)}" height="${(height - bottom - py(bar.value)).toFixed(1)}" fill="${colors[i % colors.length]}"/>`,
      )
    })
    out.push(
      `<text x="${(left + (g + 0.5) * groupWidth).toFixed(1)}" y="${height - bottom + 18}" text-anchor="middle">${xmlText(group.name)}</text>`,
    )
  })
  out.push(
    `<text transform="translate(18 ${(top + height - bottom) / 2}) rotate(-90)" text-anchor="middle">${xmlText(yLabel)}</text>`,
    `<line x1="${left}" x2="${left}" y1="${top}" y2="${height - bottom}" stroke="black"/>`,
    `<line x1="${left}" x2="${width - right}" y1="${height - bottom}" y2="${height - bottom}" stroke="black"/>`,
  )
  names.forEach((name, i) => {
    const ly = top + 10 + i * 20
    out.push(
      `<rect x="${width - right + 15}" y="${ly - 6}" width="20" height="12" fill="${colors[i % colors.length]}"/>`,
      `<text x="${width - right + 40}" y="${ly + 4}">${xmlText(name)}</text>`,
    )
  })
  out.push('</svg>')
  return `${out.join('\n')}\n`
}
