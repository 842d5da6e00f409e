/**
 * A strict parser of the Prometheus text exposition format 0.0.4 (what `GET /metrics` serves), for
 * tests: any line it cannot read, a sample before its family's `# TYPE`, a family split in two, a
 * repeated series, or a histogram whose buckets are not cumulative is an error naming the line.
 * https://prometheus.io/docs/instrumenting/exposition_formats/
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  /** The sample's own name (`x_bucket`, `x_sum`… for a histogram `x`). */
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: MetricType;
  help: string;
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set<MetricType>(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const SUFFIXES: Record<MetricType, string[]> = { counter: [''], gauge: [''], untyped: [''], histogram: ['_bucket', '_sum', '_count'], summary: ['', '_sum', '_count'] };

function parseValue(raw: string, where: string): number {
  if (raw === '+Inf') return Infinity;
  if (raw === '-Inf') return -Infinity;
  if (raw === 'NaN') return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(raw)) throw new Error(`${where}: not a number: '${raw}'`);
  return Number(raw);
}

/** `{a="x",b="y\"z"}` from position `i` (at the `{`); returns the labels and the index after `}`. */
function parseLabels(line: string, i: number, where: string): [Record<string, string>, number] {
  const labels: Record<string, string> = {};
  i++; // {
  for (;;) {
    if (line[i] === '}') return [labels, i + 1];
    const eq = line.indexOf('=', i);
    if (eq < 0) throw new Error(`${where}: label without '='`);
    const name = line.slice(i, eq);
    if (!LABEL_NAME.test(name)) throw new Error(`${where}: bad label name '${name}'`);
    if (line[eq + 1] !== '"') throw new Error(`${where}: label value of '${name}' is not quoted`);
    let value = '';
    let j = eq + 2;
    for (;;) {
      const c = line[j];
      if (c === undefined) throw new Error(`${where}: unterminated label value of '${name}'`);
      if (c === '"') break;
      if (c === '\\') {
        const n = line[j + 1];
        if (n === 'n') value += '\n';
        else if (n === '\\' || n === '"') value += n;
        else throw new Error(`${where}: bad escape '\\${n ?? ''}' in label '${name}'`);
        j += 2;
      } else {
        value += c;
        j++;
      }
    }
    if (Object.hasOwn(labels, name)) throw new Error(`${where}: label '${name}' repeated`);
    labels[name] = value;
    i = j + 1;
    if (line[i] === ',') i++;
    else if (line[i] !== '}') throw new Error(`${where}: expected ',' or '}' after label '${name}'`);
  }
}

const seriesKey = (name: string, labels: Record<string, string>): string => `${name}{${Object.keys(labels).sort().map((k) => `${k}=${JSON.stringify(labels[k])}`).join(',')}}`;

/** Parses the whole text; throws on the first thing that is not valid exposition text. */
export function parsePrometheusText(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const seen = new Set<string>();
  const typed = new Set<string>();
  let current: Family | undefined;
  const lines = text.split('\n');
  if (lines.at(-1) !== '') throw new Error('the text does not end with a line feed');
  lines.pop();
  lines.forEach((line, n) => {
    const where = `line ${n + 1}`;
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!m) return; // a plain comment
      const [, kind, name = '', rest = ''] = m;
      if (!METRIC_NAME.test(name)) throw new Error(`${where}: bad metric name '${name}'`);
      let family = families.get(name);
      if (family && family !== current) throw new Error(`${where}: family '${name}' appears twice`);
      if (!family) {
        family = { name, type: 'untyped', help: '', samples: [] };
        families.set(name, family);
        current = family;
      }
      if (kind === 'TYPE') {
        if (!TYPES.has(rest as MetricType)) throw new Error(`${where}: unknown type '${rest}'`);
        if (family.samples.length > 0) throw new Error(`${where}: TYPE of '${name}' after its samples`);
        if (typed.has(name)) throw new Error(`${where}: TYPE of '${name}' repeated`);
        typed.add(name);
        family.type = rest as MetricType;
      } else family.help = rest;
      return;
    }
    const nameEnd = line.search(/[{ ]/);
    if (nameEnd <= 0) throw new Error(`${where}: not a sample: '${line}'`);
    const name = line.slice(0, nameEnd);
    if (!METRIC_NAME.test(name)) throw new Error(`${where}: bad metric name '${name}'`);
    let labels: Record<string, string> = {};
    let i = nameEnd;
    if (line[i] === '{') [labels, i] = parseLabels(line, i, where);
    if (line[i] !== ' ') throw new Error(`${where}: expected a space before the value`);
    const [rawValue = '', timestamp, extra] = line.slice(i + 1).split(' ');
    if (extra !== undefined || (timestamp !== undefined && !/^-?\d+$/.test(timestamp))) throw new Error(`${where}: trailing text after the value`);
    const value = parseValue(rawValue, where);
    let family = current && SUFFIXES[current.type].some((s) => `${current?.name}${s}` === name) ? current : undefined;
    const owner = [...families.values()].find((f) => SUFFIXES[f.type].some((x) => `${f.name}${x}` === name));
    if (!family && !owner) {
      // a sample with no HELP or TYPE line is an untyped family of its own
      family = { name, type: 'untyped', help: '', samples: [] };
      families.set(name, family);
      current = family;
    }
    if (!family) throw new Error(`${where}: sample '${name}' outside its family (a family's samples come together, after its TYPE)`);
    const key = seriesKey(name, labels);
    if (seen.has(key)) throw new Error(`${where}: series ${key} repeated`);
    seen.add(key);
    family.samples.push({ name, labels, value });
  });
  for (const f of families.values()) if (f.type === 'histogram') checkHistogram(f);
  return families;
}

export interface HistogramSeries {
  labels: Record<string, string>;
  /** [upper bound, cumulative count], in increasing bound order, ending with +Inf. */
  buckets: Array<[number, number]>;
  sum: number;
  count: number;
}

/** The series of a histogram family, each checked: `le` increasing, counts cumulative, +Inf = _count. */
export function histogramSeries(f: Family): HistogramSeries[] {
  const groups = new Map<string, HistogramSeries>();
  for (const s of f.samples) {
    const { le, ...rest } = s.labels;
    const key = seriesKey('', rest);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { labels: rest, buckets: [], sum: NaN, count: NaN }));
    if (s.name.endsWith('_bucket')) {
      if (le === undefined) throw new Error(`${f.name}: a bucket without 'le'`);
      g.buckets.push([parseValue(le, `${f.name} le`), s.value]);
    } else if (s.name.endsWith('_sum')) g.sum = s.value;
    else g.count = s.value;
  }
  return [...groups.values()];
}

function checkHistogram(f: Family): void {
  for (const g of histogramSeries(f)) {
    const what = `${f.name}${seriesKey('', g.labels)}`;
    if (Number.isNaN(g.count) || Number.isNaN(g.sum)) throw new Error(`${what}: _sum or _count missing`);
    g.buckets.forEach(([le, count], i) => {
      const prev = g.buckets[i - 1];
      if (prev && !(le > prev[0])) throw new Error(`${what}: bucket bounds not increasing (${prev[0]} then ${le})`);
      if (prev && count < prev[1]) throw new Error(`${what}: bucket counts not cumulative (${prev[1]} then ${count} at le=${le})`);
    });
    const last = g.buckets.at(-1);
    if (!last || last[0] !== Infinity) throw new Error(`${what}: no +Inf bucket`);
    if (last[1] !== g.count) throw new Error(`${what}: +Inf bucket ${last[1]} differs from _count ${g.count}`);
  }
}

/** The value of one series (labels matched exactly), or undefined. */
export function sampleValue(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const f of families.values()) {
    for (const s of f.samples) if (s.name === name && seriesKey('', s.labels) === seriesKey('', labels)) return s.value;
  }
  return undefined;
}
