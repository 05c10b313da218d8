/**
 * The shape of a resource-type declaration. Each EM resource type is declared once (one file
 * per type); filter validation, SQL, XML, JSON, links and routes are all derived from it.
 */

/** A raw stored value: enums are ordinals, booleans 0/1, DateTimes canonical text, UIDs bare GUIDs. */
export type RawValue = string | number | null;
export type Row = Record<string, RawValue>;

/** How a field appears in EM documents. */
export interface RenderDecl {
  readonly name: string;
  readonly as: 'element' | 'attribute';
  /**
   * .NET class depth of the member (0 = the base class holding most fields). JSON lists the
   * most derived class's members first (as .NET reflection does); XML lists base first.
   */
  readonly layer?: number;
}

/** What every field declares, whatever its kind. */
interface FieldBase {
  /** Property name in a stored row (camelCase). */
  readonly key: string;
  /** May be absent (null): the element is omitted when it is. */
  readonly optional?: boolean;
  /** Names accepted by `filter`, `sortAsc`, `sortDesc` (case-insensitive); none = not filterable. */
  readonly filter?: readonly string[];
  /** How the field is rendered; absent = never rendered (filter-only or link-derived). */
  readonly render?: RenderDecl;
}

/**
 * Where a field's value lives: a column of the type's own table (stored: the DDL, writes and
 * imports follow from it), or an SQL expression over the joins of the type's FROM clause
 * (read only: another type's column, e.g. the server's name).
 */
export type FieldSource = { readonly column: string; readonly joined?: never } | { readonly joined: string; readonly column?: never };

export type PlainField = FieldBase & FieldSource & {

  readonly kind: 'string' | 'int' | 'long' | 'bool' | 'datetime';
};

export type EnumField = FieldBase & FieldSource & {
  readonly kind: 'enum';
  /** Members in ordinal order (the order `<`, `>` and sorting use). */
  readonly members: readonly string[];
};

export type UidField = FieldBase & FieldSource & {
  readonly kind: 'uid';
  /** The kind in `urn:veeam:<Kind>:<guid>`. */
  readonly uidKind: string;
  /**
   * A stored UID of another declared type's kind refers to that type's row, and the store
   * enforces it (a foreign key) unless this is set: the row may outlive its target, as EM keeps
   * the sessions of a deleted job.
   */
  readonly mayDangle?: true;
};

/** A field of a type, by kind: the parts a kind needs are required for it and absent for others. */
export type FieldDecl = PlainField | EnumField | UidField;

export type ScalarKind = FieldDecl['kind'];

/** A field that is rendered. */
export type RenderedField = FieldDecl & { readonly render: RenderDecl };

/** A link, declared as data: `{key}` in `href` is replaced by the row's value (`{id}` = own GUID). */
export interface LinkDecl {
  readonly rel: string;
  readonly type?: string;
  readonly href: string;
  /** Row key whose value is the link's Name. */
  readonly name?: string;
  /** Only for rows where this holds (e.g. job links that depend on the job type). */
  readonly when?: (row: Row) => boolean;
}

/** A collection of another type nested under one item: `/{collection}/{ID}/{path}`. */
export interface ChildCollection {
  readonly path: string;
  readonly type: string;
  /** Row key in the child type that holds the parent's GUID. */
  readonly parentKey: string;
}

export interface TypeDecl {
  /** Query type name and entity `Type` attribute, e.g. `ReplicaJobSession`. */
  readonly name: string;
  /** The entity's element name where EM's differs from `name` (`<NASJob Type="NasJob">`). */
  readonly element?: string;
  /** Kind in the type's UIDs. */
  readonly uidKind: string;
  /** Wrapper element of a list of entities, also its JSON (.NET plural) property name. */
  readonly listElement: string;
  /** Path segment of the key-resource collection under `{B}`. */
  readonly collection: string;
  /**
   * Main table and the FROM clause (main table aliased `t`) with LEFT JOINs for link-derived
   * fields (foreign keys guarantee the parent; a LEFT JOIN makes the table alone equivalent
   * whenever no joined column is used, which the SQL compiler exploits).
   */
  readonly table: string;
  readonly from: string;
  /** All fields; `id` and `name` are required and render as the `UID` and `Name` attributes. */
  readonly fields: readonly FieldDecl[];
  /**
   * Query indexes of the type's table, each a list of field keys (string fields compare
   * case-insensitively, as filters do). The unique index on `id` is implied.
   */
  readonly indexes?: readonly (readonly string[])[];
  /**
   * Indexes compared exactly (byte order), for another type's join on these columns: a join
   * of two stored columns compares them as stored, which a case-insensitive index cannot serve.
   */
  readonly exactIndexes?: readonly (readonly string[])[];
  /** Default order and tie-break (row keys, ascending). */
  readonly defaultSort: readonly string[];
  readonly links: { readonly entity: readonly LinkDecl[]; readonly reference: readonly LinkDecl[] };
  /** Collections list only rows whose this DateTime field is within the recent window (§4.6). */
  readonly windowField?: string;
  /** Only Portal Administrators may read it (jobs). */
  readonly adminOnly?: boolean;
  readonly children?: readonly ChildCollection[];
  /**
   * A row of this type may be created from a link alone (a session's `Up …Reference` to a
   * server or job a captured document does not contain): the values that differ from the
   * kind defaults ('' / 0 / first enum member / null).
   */
  readonly fromLink?: Readonly<Row>;
}

/**
 * Another type's rows under a path of their own, only those whose enum fields hold the given
 * members (`/agents/backupSessions`: the BackupJobSessions of agent jobs): the routes
 * `/{path}` and `/{path}/{ID}` answer as the type's own collection and items do.
 */
export interface ViewDecl {
  readonly path: string;
  readonly type: string;
  /** Enum field key → the member every row of the view has. */
  readonly where: Readonly<Record<string, string>>;
}
