/** The XML/JSON writers contract (`./writers.ts`) run against `src/represent`'s writers. */
import { toJson, toJsonParts } from '../../src/represent/json.js';
import { toXml, toXmlParts } from '../../src/represent/xml.js';
import { writersContract } from './writers.js';

writersContract('src/represent', () => ({ toXml, toJson, toXmlParts, toJsonParts }));
