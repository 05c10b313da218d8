import { useEffect, useState } from 'preact/hooks';
import { emFetch, queryUrl } from './api';

/**
 * The query explorer: the form is built from `/console/registry.json` (the server's model:
 * each query type's filterable fields, their kinds and enum members), so it offers exactly
 * what the server accepts. It shows the EM URL it produced and the answer as EM sent it, with
 * every Href a link that opens that resource here.
 */

interface RegField { name: string; kind: string; members?: string[]; aliases: string[] }
interface RegType { name: string; listElement: string; fields: RegField[]; defaultSort: string[] }
interface Cond { field: string; op: string; value: string }

const OPS = ['==', '!=', '<', '<=', '>', '>='];

/** A value as the filter language wants it: strings quoted, the rest as typed. */
function literal(field: RegField | undefined, value: string): string {
  if (!field || field.kind !== 'string') return value;
  return `"${value.replace(/"/g, '')}"`;
}

export function buildFilter(type: RegType | undefined, conds: Cond[], joiner: string): string {
  return conds
    .filter((c) => c.field && c.value !== '')
    .map((c) => `${c.field}${c.op}${literal(type?.fields.find((f) => f.name === c.field), c.value)}`)
    .join(joiner);
}

/** The answer as text, every `Href` value (XML attribute or JSON property) a link. */
function Linked({ text, follow }: { text: string; follow: (url: string) => void }) {
  const parts: preact.ComponentChildren[] = [];
  const re = /(Href(?:="|"\s*:\s*"))([^"]+)/g;
  let at = 0;
  for (let m; (m = re.exec(text)); ) {
    const start = m.index + m[1].length;
    parts.push(text.slice(at, start));
    const href = m[2].replace(/&amp;/g, '&');
    parts.push(
      <a href={href} onClick={(e) => (e.preventDefault(), follow(href))} data-href>
        {m[2]}
      </a>,
    );
    at = start + m[2].length;
  }
  parts.push(text.slice(at));
  return <pre class="answer" data-testid="explorer-answer">{parts}</pre>;
}

export function ExplorerView() {
  const [types, setTypes] = useState<RegType[]>([]);
  const [typeName, setTypeName] = useState('BackupJobSession');
  const [conds, setConds] = useState<Cond[]>([{ field: '', op: '==', value: '' }]);
  const [joiner, setJoiner] = useState(';');
  const [sortField, setSortField] = useState('');
  const [sortDir, setSortDir] = useState<'sortAsc' | 'sortDesc'>('sortDesc');
  const [format, setFormat] = useState('Entities');
  const [pageSize, setPageSize] = useState('20');
  const [json, setJson] = useState(false);
  const [shown, setShown] = useState<{ url: string; status: number; body: string; ms: number }>();
  const [history, setHistory] = useState<string[]>([]);

  useEffect(() => {
    fetch('/console/registry.json').then((r) => r.json()).then((r) => setTypes(r.types));
  }, []);
  const type = types.find((t) => t.name === typeName);
  const field = (name: string) => type?.fields.find((f) => f.name === name);

  const filter = buildFilter(type, conds, joiner);
  const path = queryUrl(typeName, {
    format,
    filter: filter || undefined,
    [sortDir]: sortField || undefined,
    pageSize: Number(pageSize) || undefined,
  });
  const url = `${location.origin}${path}`;

  const open = async (target: string, remember: boolean) => {
    const r = await emFetch(target, json);
    if (remember && shown) setHistory((h) => [...h, shown.url]);
    setShown({ url: target, status: r.status, body: r.body, ms: r.ms });
  };
  const setCond = (i: number, patch: Partial<Cond>) => setConds((cs) => cs.map((c, j) => (j === i ? { ...c, ...patch } : c)));

  return (
    <div class="explorer">
      <div class="card form">
        <div class="row">
          <label>Type <select value={typeName} onChange={(e) => { setTypeName(e.currentTarget.value); setConds([{ field: '', op: '==', value: '' }]); setSortField(''); }} data-testid="explorer-type">
            {types.map((t) => <option key={t.name} value={t.name}>{t.name}</option>)}
          </select></label>
          <label>Format <select value={format} onChange={(e) => setFormat(e.currentTarget.value)} data-testid="explorer-format">
            {['Entities', 'Refs', 'Entity'].map((f) => <option key={f}>{f}</option>)}
          </select></label>
          <label>Page size <input size={5} value={pageSize} onInput={(e) => setPageSize(e.currentTarget.value)} data-testid="explorer-pagesize" /></label>
          <label><input type="checkbox" checked={json} onChange={(e) => setJson(e.currentTarget.checked)} data-testid="explorer-json" /> JSON</label>
        </div>
        <h4>Filter <select value={joiner} onChange={(e) => setJoiner(e.currentTarget.value)}><option value=";">all of (;)</option><option value=",">any of (,)</option></select></h4>
        {conds.map((c, i) => {
          const f = field(c.field);
          return (
            <div class="row cond" key={i} data-testid={`cond-${i}`}>
              <select value={c.field} onChange={(e) => setCond(i, { field: e.currentTarget.value, value: '' })} data-testid={`cond-field-${i}`}>
                <option value="">(field)</option>
                {type?.fields.map((x) => <option key={x.name} value={x.name}>{x.name} · {x.kind}</option>)}
              </select>
              <select value={c.op} onChange={(e) => setCond(i, { op: e.currentTarget.value })} data-testid={`cond-op-${i}`}>
                {OPS.map((o) => <option key={o}>{o}</option>)}
              </select>
              {f?.kind === 'enum' || f?.kind === 'bool' ? (
                <select value={c.value} onChange={(e) => setCond(i, { value: e.currentTarget.value })} data-testid={`cond-value-${i}`}>
                  <option value="">(value)</option>
                  {(f.kind === 'bool' ? ['true', 'false'] : f.members!).map((m) => <option key={m}>{m}</option>)}
                </select>
              ) : (
                <input value={c.value} onInput={(e) => setCond(i, { value: e.currentTarget.value })} placeholder={f?.kind === 'datetime' ? '2026-12-01T00:00:00Z' : f?.kind === 'uid' ? 'GUID' : 'value'} data-testid={`cond-value-${i}`} />
              )}
              <button class="small" onClick={() => setConds((cs) => (cs.length > 1 ? cs.filter((_, j) => j !== i) : [{ field: '', op: '==', value: '' }]))}>−</button>
            </div>
          );
        })}
        <button class="small" onClick={() => setConds((cs) => [...cs, { field: '', op: '==', value: '' }])} data-testid="cond-add">+ condition</button>
        <div class="row">
          <label>Sort <select value={sortField} onChange={(e) => setSortField(e.currentTarget.value)} data-testid="explorer-sort">
            <option value="">(default: {type?.defaultSort.join(', ')})</option>
            {type?.fields.map((x) => <option key={x.name}>{x.name}</option>)}
          </select></label>
          <select value={sortDir} onChange={(e) => setSortDir(e.currentTarget.value as 'sortAsc' | 'sortDesc')} data-testid="explorer-sortdir">
            <option value="sortAsc">ascending</option>
            <option value="sortDesc">descending</option>
          </select>
        </div>
        <p>EM URL: <code class="url" data-testid="explorer-url">{url}</code></p>
        <button onClick={() => { setHistory([]); void open(path, false); }} data-testid="explorer-run">Run</button>
      </div>
      {shown && (
        <div class="card">
          <div class="row">
            {history.length > 0 && <button class="small" onClick={() => { const back = history[history.length - 1]; setHistory((h) => h.slice(0, -1)); void open(back, false); }}>← back</button>}
            <code data-testid="explorer-shown-url">{shown.url}</code>
            <span class={shown.status < 400 ? 'ok' : 'warn'} data-testid="explorer-status">{shown.status}</span>
            <span class="muted">{shown.ms} ms, {shown.body.length} chars</span>
          </div>
          <Linked text={shown.body} follow={(href) => void open(href, true)} />
        </div>
      )}
    </div>
  );
}
