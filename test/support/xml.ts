/** Reading EM XML documents in tests: a strict parser and namespace-aware element lookups. */
import { DOMParser } from '@xmldom/xmldom';

export const NS = 'http://www.veeam.com/ent/v1.0';

export function parseXml(text: string): Document {
  const errors: string[] = [];
  const doc = new DOMParser({
    onError: (level: string, msg: string) => {
      if (level !== 'warning') errors.push(msg);
    },
  }).parseFromString(text, 'application/xml') as unknown as Document;
  if (errors.length) throw new Error(`malformed XML: ${errors.join('; ')}\n${text}`);
  return doc;
}

/** Child elements (namespace-aware) of an element with the given local name, in order. */
export function children(el: Element, localName?: string): Element[] {
  const out: Element[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1 && (n as Element).namespaceURI === NS && (!localName || (n as Element).localName === localName)) {
      out.push(n as Element);
    }
  }
  return out;
}

export function child(el: Element, localName: string): Element {
  const found = children(el, localName);
  if (found.length !== 1) throw new Error(`expected one <${localName}> in <${el.localName}>, found ${found.length}`);
  return found[0];
}

export const text = (el: Element, localName: string) => child(el, localName).textContent ?? '';
