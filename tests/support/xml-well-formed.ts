/**
 * XML 1.0 well-formedness for the JUnit report tests, checked by fast-xml-parser: the
 * validator's syntax checks, plus exactly one root element. Returns the problems found (empty
 * when the document is well formed).
 */
import { XMLParser, XMLValidator } from "fast-xml-parser";

export function xmlProblems(xml: string): string[] {
  const result = XMLValidator.validate(xml);
  if (result !== true) {
    const { code, msg, line, col } = result.err;
    return [`${code} at line ${line}, column ${col}: ${msg}`];
  }
  const top = new XMLParser({ preserveOrder: true, ignoreDeclaration: true }).parse(
    xml,
  ) as object[];
  const roots = top.filter((node) => !Object.keys(node).includes("#text"));
  return roots.length === 1 ? [] : [`${roots.length} root elements`];
}
