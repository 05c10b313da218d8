import type { Cursor, Store } from './store.js';

/**
 * The store with its reads of query rows timed: `observe` hears the seconds each `query` and
 * `revisedPage` took, and for each `cursor` the time spent opening and reading it (told when it closes), not the
 * time its reader spent between reads (a slow client would otherwise show as a slow store).
 * A decorator, so that neither store implementation knows about metrics; every other method
 * is the store's own.
 */
export function timedStore(store: Store, observe: (operation: 'query' | 'cursor', seconds: number) => void): Store {
  const now = () => process.hrtime.bigint();
  /** A read answered at once, timed as a query. */
  const asQuery = <A extends unknown[], R>(read: (...args: A) => Promise<R>) => async (...args: A): Promise<R> => {
    const start = now();
    try {
      return await read(...args);
    } finally {
      observe('query', Number(now() - start) / 1e9);
    }
  };
  const query = asQuery(store.query.bind(store));
  const revisedPage = asQuery(store.revisedPage.bind(store));
  const cursor: Store['cursor'] = async (plan, options) => {
    let spent = 0n;
    const timed = async <T>(fn: () => Promise<T>): Promise<T> => {
      const start = now();
      try {
        return await fn();
      } finally {
        spent += now() - start;
      }
    };
    let inner: Cursor;
    try {
      inner = await timed(() => store.cursor(plan, options));
    } catch (e) {
      observe('cursor', Number(spent) / 1e9);
      throw e;
    }
    let closed = false;
    return {
      get total() {
        return inner.total;
      },
      next: () => timed(() => inner.next()),
      close: () => {
        if (!closed) {
          closed = true;
          observe('cursor', Number(spent) / 1e9);
        }
        inner.close();
      },
    };
  };
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'query') return query;
      if (prop === 'cursor') return cursor;
      if (prop === 'revisedPage') return revisedPage;
      const value = Reflect.get(target, prop, target);
      // Bound, so that methods reaching private fields run on the store itself, not the proxy.
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
