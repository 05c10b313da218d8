/**
 * How an EM version lays out its XML beyond the elements themselves: the namespace
 * declarations of a document's root and the order of attributes. Elements, their order and
 * their values are the same in every style; JSON is not affected at all.
 *
 * A profile row points at one of these (`WireProfile.xmlStyle`); the XML writer compiles a
 * style once and reuses the attribute order per node shape, so the lookups cost nothing on the
 * hot path. Evidence for each value: docs/em-surface/profile-pxml.md.
 */
export interface XmlStyle {
  /** A name for messages and docs. */
  readonly name: string;
  /** What the root element declares, written as is (each declaration with its leading space). */
  readonly rootNamespaces: string;
  /**
   * Whether the root's declarations come after its own attributes (`<Error Message=… StatusCode=…
   * xmlns=…>`, as EM's serializer writes them) or before them.
   */
  readonly namespacesLast: boolean;
  /**
   * Attribute order by element name: the names listed come first, in that order; an element's
   * other attributes follow in their declared order. `*` applies to every element not listed.
   */
  readonly attributeOrder: Readonly<Record<string, readonly string[]>>;
}

const VEEAM_NS = 'http://www.veeam.com/ent/v1.0';

/**
 * What EM's own serializer writes, in every version with evidence (a 9.5 capture and the
 * v13.1 help pages' dumps agree): the default namespace plus `xsd`/`xsi` on the root, after
 * its attributes; entities `Href, Type, Name, UID`, references `UID, Name, Href, Type`, links
 * `Href, Name, Type, Rel`, paging `PageNum, PageSize, PagesCount`.
 */
export const SERIALIZER_STYLE: XmlStyle = Object.freeze({
  name: 'serializer',
  rootNamespaces: ` xmlns="${VEEAM_NS}" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"`,
  namespacesLast: true,
  attributeOrder: Object.freeze({
    Link: ['Href', 'Name', 'Type', 'Rel'],
    Ref: ['UID', 'Name', 'Href', 'Type'],
    EntityRef: ['UID', 'Name', 'Href', 'Type'],
    PagingInfo: ['PageNum', 'PageSize', 'PagesCount'],
    '*': ['Href', 'Type', 'Name', 'UID'],
  }),
});


/**
 * The layout of our spec's examples (em-api.md §1.3, §7), taken from the help pages'
 * hand-formatted samples: only the default namespace, first on the root; attributes as each
 * node declares them (`Type, Href, Name, UID`; links `Rel, Type, Href, Name`). No profile uses
 * it — no EM writes it — but the writers' contract checks the spec's examples byte for byte in it.
 */
export const DOCUMENTED_STYLE: XmlStyle = Object.freeze({
  name: 'documented',
  rootNamespaces: ` xmlns="${VEEAM_NS}"`,
  namespacesLast: false,
  attributeOrder: Object.freeze({}),
});
