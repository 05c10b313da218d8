import type { Entity, Platform } from './types.js';

/**
 * The storage chain's query types as the client sees them (em-api.md §5.7–5.11,
 * docs/em-surface/storage.md): repositories, backups, restore points, VM restore points and
 * backup files. Pure data; `types.ts` folds them into `QUERY_FIELDS`, `LIST_ELEMENTS` and
 * `EntityOf`.
 */

export type StorageQueryType = 'Repository' | 'Backup' | 'RestorePoint' | 'VmRestorePoint' | 'BackupFile';

export const REPOSITORY_KINDS = [
  'WindowsLocal', 'LinuxLocal', 'Cifs', 'Nfs', 'DDBoost', 'HPStoreOnce', 'ExaGrid', 'Cloud', 'ExtendableRepository',
] as const;
export const BACKUP_ALGORITHMS = ['Full', 'Incremental', 'ReversedIncremental', 'SyntheticFull'] as const;
export const POINT_TYPES = ['Full', 'Increment', 'ReverseIncrement'] as const;
export const BACKUP_FILE_TYPES = ['vbk', 'vib', 'vrb'] as const;
const STORAGE_PLATFORMS = ['VMware', 'HyperV', 'vCloud', 'CustomPlatform'] as const;

const ON_SERVER = { BackupServerUid: 'uid', BackupServerName: 'string' } as const;

export const STORAGE_QUERY_FIELDS = {
  Repository: { Name: 'string', UID: 'uid', Capacity: 'long', FreeSpace: 'long', Kind: REPOSITORY_KINDS, ...ON_SERVER },
  Backup: {
    Name: 'string', UID: 'uid', Platform: STORAGE_PLATFORMS, ...ON_SERVER, RepositoryUid: 'uid', RepositoryName: 'string',
    JobUid: 'uid', JobName: 'string',
  },
  RestorePoint: {
    Name: 'string', UID: 'uid', BackupDateUTC: 'datetime', BackupDate: 'datetime', CreationTime: 'datetime',
    BackupUid: 'uid', BackupName: 'string', JobSessionUid: 'uid', JobUid: 'uid', ...ON_SERVER,
  },
  VmRestorePoint: {
    Name: 'string', UID: 'uid', VmDisplayName: 'string', CreationTime: 'datetime', CreationTimeUTC: 'datetime', VmName: 'string',
    Algorithm: BACKUP_ALGORITHMS, PointType: POINT_TYPES, Type: POINT_TYPES, HierarchyObjRef: 'string',
    RestorePointUid: 'uid', RestorePointId: 'uid', RestorePointName: 'string', BackupFileUid: 'uid', BackupUid: 'uid', JobUid: 'uid', ...ON_SERVER,
  },
  BackupFile: {
    Name: 'string', UID: 'uid', FilePath: 'string', BackupSize: 'long', DataSize: 'long', CreationTimeUTC: 'datetime', CreationTime: 'datetime',
    FileType: BACKUP_FILE_TYPES, BackupUid: 'uid', BackupName: 'string', RepositoryUid: 'uid', JobUid: 'uid', ...ON_SERVER,
  },
} as const satisfies Record<StorageQueryType, Record<string, string | readonly string[]>>;

export const STORAGE_LIST_ELEMENTS = {
  Repository: 'Repositories',
  Backup: 'Backups',
  RestorePoint: 'RestorePoints',
  VmRestorePoint: 'VmRestorePoints',
  BackupFile: 'BackupFiles',
} as const satisfies Record<StorageQueryType, string>;

export interface Repository extends Entity {
  Capacity: number;
  FreeSpace: number;
  Kind: (typeof REPOSITORY_KINDS)[number];
}
export interface Backup extends Entity {
  Platform: Platform;
}
export interface RestorePoint extends Entity {
  BackupDateUTC: string;
}
export interface VmRestorePoint extends Entity {
  VmDisplayName: string;
  CreationTimeUTC: string;
  VmName: string;
  Algorithm: (typeof BACKUP_ALGORITHMS)[number];
  PointType: (typeof POINT_TYPES)[number];
  HierarchyObjRef: string;
}
export interface BackupFile extends Entity {
  FilePath: string;
  BackupSize: number;
  DataSize: number;
  CreationTimeUtc: string;
  FileType: (typeof BACKUP_FILE_TYPES)[number];
}

export interface StorageEntityOf {
  Repository: Repository;
  Backup: Backup;
  RestorePoint: RestorePoint;
  VmRestorePoint: VmRestorePoint;
  BackupFile: BackupFile;
}
