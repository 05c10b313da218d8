/**
 * How the console talks to the server: the EM API with the logon's token in the
 * `X-RestSvcSessionId` header (kept in memory only: a reload logs off), the control plane
 * with the admin token as a Bearer, and the event stream read with fetch() so it can carry
 * the token header (EventSource cannot send headers).
 */

export interface Credentials {
  token: string;
  user: string;
  adminToken?: string;
}

let creds: Credentials | undefined;
/**
 * The password, kept in this module's memory only (never stored): moving the server's clock
 * past the 15-minute idle timeout expires every logon session, as EM would, and the console
 * logs on again by itself rather than throwing its user out at each clock advance.
 */
let relogon: (() => Promise<void>) | undefined;

export const credentials = () => creds;
export const hasAdmin = () => !!creds?.adminToken;

export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

const b64 = (s: string) => btoa(String.fromCharCode(...new TextEncoder().encode(s)));

export async function logOn(user: string, password: string, adminToken?: string): Promise<Credentials> {
  const res = await fetch('/api/sessionMngr/?v=latest', { method: 'POST', headers: { Authorization: `Basic ${b64(`${user}:${password}`)}` } });
  const token = res.headers.get('X-RestSvcSessionId');
  if (res.status !== 201 || !token) throw new ApiError(res.status, `logon failed (${res.status}): ${await errorText(res)}`);
  creds = { token, user, adminToken: adminToken || undefined };
  relogon = async () => void (await logOn(user, password, adminToken));
  return creds;
}

async function errorText(res: Response): Promise<string> {
  const text = await res.text();
  return /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? (/"(?:Message|error)"\s*:\s*"([^"]*)"/.exec(text)?.[1] ?? text.slice(0, 200));
}

/** A raw EM API answer (the explorer shows it as is). */
export async function emFetch(url: string, json: boolean): Promise<{ status: number; contentType: string; body: string; ms: number }> {
  const t0 = performance.now();
  const ask = () => fetch(url, { headers: { 'X-RestSvcSessionId': creds?.token ?? '', Accept: json ? 'application/json' : 'application/xml' } });
  let res = await ask();
  if (res.status === 401 && relogon) {
    await renewLogon();
    res = await ask();
  }
  const body = await res.text();
  return { status: res.status, contentType: res.headers.get('Content-Type') ?? '', body, ms: Math.round(performance.now() - t0) };
}

/** One logon for all the requests that found the session expired at the same moment. */
let renewing: Promise<void> | undefined;
function renewLogon(): Promise<void> {
  renewing ??= relogon!().finally(() => (renewing = undefined));
  return renewing;
}

/** Strips the byte-order mark EM may put before JSON. */
const parseJson = (text: string) => JSON.parse(text.replace(/^\uFEFF/, ''));

export async function emJson<T = any>(path: string): Promise<T> {
  const r = await emFetch(path, true);
  if (r.status !== 200) throw new ApiError(r.status, `${path}: ${r.status} ${r.body.slice(0, 200)}`);
  return parseJson(r.body) as T;
}

export type Entity = Record<string, any>;

/** The EM query URL (what the explorer shows and the estate view asks). */
export function queryUrl(type: string, opts: { filter?: string; sortAsc?: string; sortDesc?: string; format?: string; pageSize?: number; page?: number } = {}): string {
  const p = new URLSearchParams({ type });
  p.set('format', opts.format ?? 'Entities');
  if (opts.filter) p.set('filter', opts.filter);
  if (opts.sortAsc) p.set('sortAsc', opts.sortAsc);
  if (opts.sortDesc) p.set('sortDesc', opts.sortDesc);
  if (opts.pageSize) p.set('pageSize', String(opts.pageSize));
  if (opts.page) p.set('page', String(opts.page));
  return `/api/query?${p.toString()}`;
}

/** The entities of a query answer in JSON: `Entities.{List}.{List}`. */
export function entitiesOf(doc: any, listElement: string): Entity[] {
  const list = doc?.Entities?.[listElement]?.[listElement];
  return Array.isArray(list) ? list : [];
}

/** Every page of a query (the estate view counts whole sets; the pages are large). */
export async function queryAll(type: string, listElement: string, opts: { filter?: string; sortAsc?: string; sortDesc?: string; max?: number } = {}): Promise<Entity[]> {
  const out: Entity[] = [];
  const pageSize = 1000;
  for (let page = 1; ; page++) {
    const doc = await emJson(queryUrl(type, { ...opts, pageSize, page }));
    out.push(...entitiesOf(doc, listElement));
    const pages = doc?.PagingInfo?.PagesCount ?? 1;
    if (page >= pages || (opts.max !== undefined && out.length >= opts.max)) return out;
  }
}

export async function admin<T = any>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const res = await fetch(`/admin/v1${path}`, {
    method: init.method ?? 'GET',
    headers: { Authorization: `Bearer ${creds?.adminToken ?? ''}`, ...(init.body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  const value = text ? JSON.parse(text) : undefined;
  if (!res.ok) throw new ApiError(res.status, value?.error ?? `${res.status}`);
  return value as T;
}

export interface ClockState {
  now: string;
  speed: number;
  frozen: boolean;
}

/**
 * Reads the server's event stream until `signal` aborts, calling `on` per event; reconnects
 * after a pause when the stream drops (a server restart, a network blip).
 */
export async function events(on: (event: string, data: any) => void, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    try {
      const res = await fetch('/console/events', { headers: { 'X-RestSvcSessionId': creds?.token ?? '' }, signal });
      if (res.status === 401 && relogon) await renewLogon();
      if (!res.ok || !res.body) throw new Error(`events: ${res.status}`);
      on('open', null);
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let cut;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          let name = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('event:')) name = line.slice(6).trim();
            else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
          }
          if (data.length) on(name, JSON.parse(data.join('\n')));
        }
      }
    } catch {
      if (signal.aborted) return;
    }
    on('closed', null);
    await new Promise((r) => setTimeout(r, 2000));
  }
}

export const fmtTime = (iso: string | null | undefined) => (iso ? iso.replace('T', ' ').replace(/(\.\d+)?Z$/, 'Z') : '—');
/** An instant as EM's filter language writes it. */
export const filterInstant = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
export const guidOf = (uid: string) => uid.slice(uid.lastIndexOf(':') + 1);
