// The dashboard: every number comes from the management API, fetched with the key kept in
// this tab's sessionStorage (typed into the form, or brought in the #key= fragment, which
// never reaches the server and is cleared from the address bar at once).
import { percent, rateChart } from './chart.js';

const STORE = 'bounceflow.key';
const WINDOWS = { '24h': ['hour', 24], '7d': ['day', 7], '30d': ['day', 30], '90d': ['day', 90] };
const BOUNCES_EVERY = 5000; // ms: the latest bounces refresh live
const ALL_EVERY = 60000; // ms: everything else
const BOUNCE_BANDS = [
  { from: 0, to: 0.02, level: 'safe', text: 'below 2 %' },
  { from: 0.02, to: 0.05, level: 'warning', text: '2–5 %' },
  { from: 0.05, to: null, level: 'danger', text: 'above 5 %' },
];
const COMPLAINT_BANDS = [
  { from: 0, to: 0.001, level: 'safe', text: 'below 0.10 %' },
  { from: 0.001, to: 0.003, level: 'warning', text: '0.10–0.30 %' },
  { from: 0.003, to: null, level: 'danger', text: 'above 0.30 %' },
];
const $ = (id) => document.querySelector(`[data-testid="${id}"]`);
const int = (n) => Number(n).toLocaleString('en-US');
const timers = [];

class Refused extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.error?.code;
  }
}

function takeFragmentKey() {
  const match = /^#key=([^&]+)/.exec(window.location.hash);
  if (!match) return;
  sessionStorage.setItem(STORE, decodeURIComponent(match[1]));
  window.history.replaceState(null, '', window.location.pathname + window.location.search);
}

async function api(path) {
  const response = await fetch(path, {
    headers: { Authorization: `Bearer ${sessionStorage.getItem(STORE)}` },
    cache: 'no-store',
    credentials: 'omit',
  });
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new Refused(response.status, body);
  return body.data;
}

function span() {
  const [bucket, count] = WINDOWS[$('window').value];
  const unit = bucket === 'hour' ? 3600e3 : 86400e3;
  const until = new Date(Math.ceil(Date.now() / unit) * unit);
  const since = new Date(until.getTime() - count * unit);
  return { bucket, since: iso(since), until: iso(until) };
}

function setValue(id, value, text) {
  const node = $(id);
  node.dataset.value = String(value);
  node.textContent = text;
}

function badge(node, level, text = level) {
  const tag = document.createElement('span');
  tag.className = `badge badge-${level}`;
  tag.textContent = text;
  node.append(' ', tag);
}

const iso = (date) => date.toISOString().replace('.000Z', 'Z');
const when = (stamp) => stamp.replace('T', ' ');

function renderTotals(stats) {
  for (const k of ['sent', 'delivered', 'hard', 'soft', 'complaints']) {
    setValue(`kpi-${k}`, stats[k], int(stats[k]));
  }
  setValue('kpi-hard-rate', stats.hard_bounce_rate, percent(stats.hard_bounce_rate));
  badge($('kpi-hard-rate'), stats.bounce_status);
  setValue('kpi-complaint-rate', stats.complaint_rate, percent(stats.complaint_rate));
  badge($('kpi-complaint-rate'), stats.complaint_status);
}

function table(node, head, rows) {
  const thead = document.createElement('thead');
  const tr = thead.insertRow();
  for (const h of head) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = h;
    tr.append(th);
  }
  const tbody = document.createElement('tbody');
  for (const { key, cells } of rows) {
    const row = tbody.insertRow();
    row.dataset.key = key;
    for (const cell of cells) {
      const td = row.insertCell();
      // a cell is its text, or { text, level, tag } for a text with a coloured badge
      td.textContent = typeof cell === 'string' ? cell : cell.text;
      if (cell.level) {
        badge(td, cell.level, cell.tag);
        td.className = 'status';
      }
    }
  }
  if (!rows.length) tbody.insertRow().insertCell().textContent = 'nothing in this window';
  node.replaceChildren(thead, tbody);
}

function renderBreakdown(by, data) {
  // without deliveries (not recorded per campaign) there are counts but no rates
  const known = data.delivered_known;
  const rate = (value, level) => (known ? { text: percent(value), level } : '—');
  const rows = data.groups.map((g) => ({
    key: g.key ?? '',
    cells: [g.key ?? '(none)', known ? int(g.delivered) : '—', int(g.hard), int(g.soft),
      int(g.complaints), rate(g.hard_bounce_rate, g.bounce_status),
      rate(g.complaint_rate, g.complaint_status)],
  }));
  table($(`breakdown-${by}`), [by === 'source' ? 'provider' : by.replace('_', ' '), 'delivered',
    'hard', 'soft', 'complaints', 'hard rate', 'complaint rate'], rows);
  const note = $(`breakdown-${by}-note`);
  if (note) {
    note.textContent = known ? '' : 'Deliveries are not recorded by this grouping: '
      + 'bounce and complaint counts only, no rates.';
  }
}

const unrecorded = new Set(); // groupings the server said it cannot make (asked once)

async function loadBreakdown(by, s) {
  if (unrecorded.has(by)) return;
  const q = `by=${by}&since=${s.since}&until=${s.until}&limit=10`;
  try {
    renderBreakdown(by, await api(`/api/v1/stats/breakdown?${q}`));
  } catch (err) {
    if (by !== 'domain' || err.code !== 'not_recorded') throw err;
    unrecorded.add(by);
    $('breakdown-domain').replaceChildren();
    $('breakdown-domain-note').textContent = 'Not recorded yet: events carry no sending domain.';
  }
}

function renderSeries(series) {
  const common = { points: series.points, bucket: series.bucket };
  rateChart($('chart-bounce'), {
    ...common, bands: BOUNCE_BANDS, title: 'Hard bounce rate',
    rateOf: (p) => p.hard_bounce_rate, detail: (p) => `${p.hard} hard of ${p.sent} sent`,
  });
  rateChart($('chart-complaint'), {
    ...common, bands: COMPLAINT_BANDS, title: 'Complaint rate',
    rateOf: (p) => p.complaint_rate, detail: (p) => `${p.complaints} of ${p.delivered} delivered`,
  });
}

async function loadSubscribers() {
  for (const status of ['active', 'bounced', 'unsubscribed']) {
    const page = await api(`/api/v1/subscribers?status=${status}&limit=1`);
    setValue(`subscribers-${status}`, page.total, int(page.total));
  }
}

function renderEndpoints(data) {
  table($('endpoints'), ['endpoint', 'pending', 'retrying', 'dead-lettered', 'health'],
    data.endpoints.map((e) => ({
      key: String(e.id),
      cells: [`#${e.id} ${e.origin}`, int(e.pending), int(e.pending_retries), int(e.failed), {
        text: e.health === 'failing' ? `since ${when(e.failing_since)}` : e.disabled_reason ?? '',
        level: { healthy: 'safe', failing: 'warning', disabled: 'danger' }[e.health],
        tag: e.health,
      }],
    })));
}

async function loadBounces() {
  const page = await api('/api/v1/bounces?limit=10');
  table($('latest-bounces'), ['when', 'email', 'type', 'provider', 'campaign', 'diagnostic'],
    page.bounces.map((b) => ({
      key: String(b.id),
      cells: [when(b.created_at), b.email, b.bounce_type, b.source, b.campaign_name ?? '',
        b.diagnostic_code ?? ''],
    })));
  $('latest-bounces').dataset.total = String(page.total);
  $('updated').textContent = `updated ${new Date().toLocaleTimeString('en-GB')}`;
}

async function loadAll() {
  const s = span();
  const q = `since=${s.since}&until=${s.until}`;
  $('since').textContent = s.since;
  $('until').textContent = s.until;
  $('board').dataset.since = s.since;
  $('board').dataset.until = s.until;
  $('board').dataset.bucket = s.bucket;
  const [stats, series, endpoints] = await Promise.all([
    api(`/api/v1/stats?${q}`), api(`/api/v1/stats/series?${q}&bucket=${s.bucket}`),
    api(`/api/v1/stats/endpoint-health?${q}`),
  ]);
  renderTotals(stats);
  renderSeries(series);
  renderEndpoints(endpoints);
  for (const by of ['source', 'campaign', 'recipient_domain', 'domain']) await loadBreakdown(by, s);
  await loadSubscribers();
  await loadBounces();
  $('board').dataset.loaded = String(Number($('board').dataset.loaded ?? 0) + 1);
}

function stop() {
  while (timers.length) clearInterval(timers.pop());
}

function logout(message = '') {
  stop();
  sessionStorage.removeItem(STORE);
  $('board').hidden = true;
  $('controls').hidden = true;
  $('login').hidden = false;
  $('login-error').textContent = message;
}

function guarded(load) {
  return () => load().then(() => { $('error').textContent = ''; }).catch((err) => {
    if (err instanceof Refused && err.status === 401) logout('That API key was refused.');
    else $('error').textContent = `Could not load: ${err.message}`;
  });
}

function open() {
  $('login').hidden = true;
  $('board').hidden = false;
  $('controls').hidden = false;
  stop();
  guarded(loadAll)();
  timers.push(setInterval(() => { if (!document.hidden) guarded(loadBounces)(); }, BOUNCES_EVERY));
  timers.push(setInterval(() => { if (!document.hidden) guarded(loadAll)(); }, ALL_EVERY));
}

function main() {
  takeFragmentKey();
  $('login-form').addEventListener('submit', (event) => {
    event.preventDefault();
    sessionStorage.setItem(STORE, $('key-input').value.trim());
    $('key-input').value = '';
    open();
  });
  $('logout').addEventListener('click', () => logout());
  $('window').addEventListener('change', guarded(loadAll));
  if (sessionStorage.getItem(STORE)) open();
}

main();
