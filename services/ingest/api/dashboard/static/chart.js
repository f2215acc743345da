// Rate charts as inline SVG: seed 002's safe / warning / danger bands behind a line of
// one rate per bucket. No library, no inline styles (the CSP allows none): colours come
// from classes in app.css.

const NS = 'http://www.w3.org/2000/svg';
const W = 640;
const H = 220;
const PAD = { left: 52, right: 12, top: 10, bottom: 28 };

function el(name, attrs = {}, text = null) {
  const node = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== null) node.textContent = text;
  return node;
}

export function percent(rate, digits = 2) {
  return `${(rate * 100).toFixed(digits)} %`;
}

function label(start, bucket) {
  const iso = new Date(start).toISOString(); // the window's dates are above the charts
  return bucket === 'hour' ? `${iso.slice(5, 10)} ${iso.slice(11, 13)}h` : iso.slice(5, 10);
}

// The y axis: tall enough for the data, never so tall that the bands vanish (an hour with
// one bounce and nothing delivered is 100 %): such points sit on the top edge, marked.
function scale(points, rateOf, bands) {
  const top = Math.max(...points.map(rateOf), 0);
  const dangerFrom = bands[bands.length - 1].from;
  return Math.min(Math.max(top * 1.15, dangerFrom * 1.4), dangerFrom * 3);
}

function drawBands(svg, bands, y, yMax) {
  for (const band of bands) {
    const upper = Math.min(band.to ?? yMax, yMax);
    if (band.from >= yMax) continue;
    svg.append(el('rect', {
      x: PAD.left, width: W - PAD.left - PAD.right,
      y: y(upper), height: y(band.from) - y(upper), class: `band band-${band.level}`,
    }, null));
    svg.lastChild.append(el('title', {}, `${band.level}: ${band.text}`));
  }
}

function drawAxes(svg, points, bands, x, y, yMax, bucket) {
  const ticks = [0, ...bands.slice(1).map((b) => b.from), yMax].filter((v) => v <= yMax);
  for (const t of ticks) {
    svg.append(el('line', { x1: PAD.left, x2: W - PAD.right, y1: y(t), y2: y(t), class: 'grid' }));
    svg.append(el('text', { x: PAD.left - 6, y: y(t) + 4, class: 'tick', 'text-anchor': 'end' },
      percent(t, t > 0 && t < 0.01 ? 2 : 1)));
  }
  const every = Math.max(1, Math.ceil(points.length / 6));
  points.forEach((p, i) => {
    const last = i === points.length - 1;
    if (i % every !== 0 && !last) return;
    if (!last && points.length - 1 - i < every * 0.8) return; // would crowd the last label
    const anchor = i === 0 ? 'start' : last ? 'end' : 'middle';
    svg.append(el('text', { x: x(i), y: H - 8, class: 'tick', 'text-anchor': anchor },
      label(p.start, bucket)));
  });
}

function drawLine(svg, points, rateOf, detail, x, y, yMax, bucket) {
  const at = (p) => y(Math.min(rateOf(p), yMax));
  let d = '';
  let pen = 'M';
  points.forEach((p, i) => {
    if (p.sent === 0 && rateOf(p) === 0) { pen = 'M'; return; }
    d += `${pen}${x(i).toFixed(1)},${at(p).toFixed(1)} `;
    pen = 'L';
  });
  svg.append(el('path', { d: d.trim(), class: 'line' }));
  points.forEach((p, i) => {
    if (p.sent === 0 && rateOf(p) === 0) return;
    const dot = el('circle', {
      cx: x(i), cy: at(p), r: rateOf(p) > yMax ? 5 : 3.5,
      class: rateOf(p) > yMax ? 'point off-scale' : 'point',
      'data-testid': 'point', 'data-start': p.start, 'data-value': rateOf(p),
    });
    dot.append(el('title', {}, `${label(p.start, bucket)}: ${percent(rateOf(p))} (${detail(p)})`));
    svg.append(dot);
  });
}

// Draw `points` (the series route's) into `figure`, replacing any earlier chart.
export function rateChart(figure, { points, bucket, rateOf, detail, bands, title }) {
  figure.querySelector('svg')?.remove();
  const yMax = scale(points, rateOf, bands);
  const x = (i) => PAD.left + (points.length < 2 ? 0.5 : i / (points.length - 1))
    * (W - PAD.left - PAD.right);
  const y = (v) => PAD.top + (1 - v / yMax) * (H - PAD.top - PAD.bottom);
  const svg = el('svg', {
    viewBox: `0 0 ${W} ${H}`, role: 'img', class: 'chart', 'data-testid': 'chart-svg',
    'aria-label': `${title}, ${points.length} ${bucket} buckets`,
  });
  drawBands(svg, bands, y, yMax);
  drawAxes(svg, points, bands, x, y, yMax, bucket);
  drawLine(svg, points, rateOf, detail, x, y, yMax, bucket);
  if (points.every((p) => p.sent === 0 && rateOf(p) === 0)) {
    svg.append(el('text', { x: (W + PAD.left) / 2, y: H / 2, class: 'empty', 'text-anchor': 'middle' },
      'nothing sent in this window'));
  }
  figure.append(svg);
  figure.setAttribute('aria-busy', 'false');
  figure.dataset.points = String(points.length);
}
