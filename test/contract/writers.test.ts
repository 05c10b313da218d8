/**
 * The XML/JSON writers contract (`./writers.ts`) run against `src/represent`'s writers. The
 * contract's expected bytes are the spec's examples, laid out as the help pages print them, so
 * XML is written here in that style; the profiles' own style (EM's serializer order, `xsd` and
 * `xsi` on the root) is held by the golden files `test/golden/P-xml-*.json`.
 */
import { DOCUMENTED_STYLE } from '../../src/profile/xml-style.js';
import type { Document } from '../../src/represent/model.js';
import { toJson, toJsonParts } from '../../src/represent/json.js';
import { toXml, toXmlParts } from '../../src/represent/xml.js';
import { writersContract } from './writers.js';

writersContract('src/represent', () => ({
  toXml: (doc: Document) => toXml(doc, DOCUMENTED_STYLE),
  toJson,
  toXmlParts: (doc: Document) => toXmlParts(doc, DOCUMENTED_STYLE),
  toJsonParts,
}));
