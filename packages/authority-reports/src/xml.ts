/**
 * A small, strict XML 1.0 writer for the CyberTipline documents. No parser lives here: the
 * documents are built, never read (the server parses NCMEC's small responses itself).
 *
 * Escaping (XML 1.0 §2.4, §3.3.3): `&` `<` `>` in text; additionally `"` and the whitespace
 * characters tab, LF and CR as character references in attribute values (attribute-value
 * normalisation would otherwise turn them into spaces), and CR as `&#13;` in text (end-of-line
 * handling, §2.11, would otherwise turn CRLF into LF). Characters XML 1.0 cannot carry at all
 * (§2.2 Char: C0 controls other than tab/LF/CR, U+FFFE, U+FFFF, lone surrogates) are replaced
 * by U+FFFD, so hostile content can never break the document; `replacedCharacters` counts them.
 */

/** Characters outside the XML 1.0 `Char` production (lone surrogates handled separately). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching the forbidden controls is the point
const NOT_XML_CHAR = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Replace what XML 1.0 cannot represent with U+FFFD (lone surrogates included). */
export function toXmlChars(s: string): string {
  return s.replace(NOT_XML_CHAR, '\ufffd').replace(LONE_SURROGATE, '\ufffd');
}

export function escapeText(s: string): string {
  return toXmlChars(s).replace(/[&<>\r]/g, (c) => {
    switch (c) {
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      default:
        return '&#13;';
    }
  });
}

export function escapeAttribute(s: string): string {
  return toXmlChars(s).replace(/[&<>"\t\n\r]/g, (c) => {
    switch (c) {
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '"':
        return '&quot;';
      case '\t':
        return '&#9;';
      case '\n':
        return '&#10;';
      default:
        return '&#13;';
    }
  });
}

/** An element: name, attributes (in order), and either text or child elements. */
export interface XmlElement {
  readonly name: string;
  readonly attributes?: ReadonlyArray<readonly [string, string]>;
  readonly children?: ReadonlyArray<XmlElement>;
  readonly text?: string;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*(:[A-Za-z_][A-Za-z0-9_.-]*)?$/;

/** `<name>text</name>`. */
export function el(name: string, text: string, attributes?: ReadonlyArray<readonly [string, string]>): XmlElement {
  return attributes === undefined ? { name, text } : { name, text, attributes };
}

/** `<name>children…</name>`; undefined children are dropped (optional elements). */
export function parent(
  name: string,
  children: ReadonlyArray<XmlElement | undefined | ReadonlyArray<XmlElement>>,
  attributes?: ReadonlyArray<readonly [string, string]>,
): XmlElement {
  const flat: XmlElement[] = [];
  for (const c of children) {
    if (c === undefined) continue;
    if (Array.isArray(c)) flat.push(...(c as XmlElement[]));
    else flat.push(c as XmlElement);
  }
  return attributes === undefined ? { name, children: flat } : { name, children: flat, attributes };
}

function write(e: XmlElement, indent: string, out: string[]): void {
  if (!NAME.test(e.name)) throw new Error(`bad XML name ${e.name}`);
  let open = `<${e.name}`;
  for (const [k, v] of e.attributes ?? []) {
    if (!NAME.test(k)) throw new Error(`bad XML attribute name ${k}`);
    open += ` ${k}="${escapeAttribute(v)}"`;
  }
  if (e.text !== undefined) {
    out.push(`${indent}${open}>${escapeText(e.text)}</${e.name}>`);
    return;
  }
  const children = e.children ?? [];
  if (children.length === 0) {
    out.push(`${indent}${open}/>`);
    return;
  }
  out.push(`${indent}${open}>`);
  for (const c of children) write(c, `${indent}  `, out);
  out.push(`${indent}</${e.name}>`);
}

/** The document as UTF-8 text with an XML declaration, two-space indented, LF line ends. */
export function serializeXml(root: XmlElement): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  write(root, '', out);
  return `${out.join('\n')}\n`;
}
