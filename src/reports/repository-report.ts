import type { Store } from '../store/store.js';
import { declaredType, rowsOf } from './figures.js';

/** One `Period` of `GET /reports/summary/repository`: a repository's space, in bytes. */
export interface RepositorySpace {
  readonly name: string;
  /** -1 when EM cannot read it (then FreeSpace is -1 too). */
  readonly capacity: number;
  readonly freeSpace: number;
  readonly backupSize: number;
}

/**
 * Every repository (`query?type=Repository`, in its default order) with its capacity and free
 * space; its backup size is the space in use, capacity less free space, as every documented
 * example and captured answer has it (0 where the capacity is unknown, -1).
 */
export async function repositorySpace(store: Store): Promise<RepositorySpace[]> {
  const type = declaredType('Repository');
  if (!type) return [];
  return (await rowsOf(store, { type })).map((r) => {
    const capacity = Number(r.capacity), freeSpace = Number(r.freeSpace);
    return { name: r.name as string, capacity, freeSpace, backupSize: capacity < 0 || freeSpace < 0 ? 0 : capacity - freeSpace };
  });
}
