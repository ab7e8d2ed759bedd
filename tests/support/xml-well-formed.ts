/**
 * A small XML 1.0 well-formedness check for the JUnit report test: one root element, balanced
 * and properly nested tags, quoted attributes without duplicates, and only the predefined
 * entities (or character references) in text and attribute values. Returns the problems found.
 */
const NAME = "[A-Za-z_:][-A-Za-z0-9_:.]*";
const ENTITY = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/;
const TOKEN = new RegExp(
  `<\\?xml[^?]*\\?>|<!--[\\s\\S]*?-->|</(${NAME})\\s*>|<(${NAME})((?:\\s+${NAME}\\s*=\\s*(?:"[^"<]*"|'[^'<]*'))*)\\s*(/?)>|<|[^<]+`,
  "y",
);
const ATTRIBUTE = new RegExp(`(${NAME})\\s*=\\s*(?:"([^"<]*)"|'([^'<]*)')`, "g");

export function xmlProblems(xml: string): string[] {
  const problems: string[] = [];
  const stack: string[] = [];
  let roots = 0;
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < xml.length) {
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(xml);
    if (!m) return [...problems, `cannot tokenize at offset ${at}`];
    const [token, close, open, attributes, selfClosing] = m;
    if (token === "<") {
      problems.push(`stray "<" at offset ${at}`);
    } else if (close) {
      const top = stack.pop();
      if (top !== close) problems.push(`</${close}> at offset ${at} closes <${top ?? "nothing"}>`);
    } else if (open) {
      if (stack.length === 0) roots += 1;
      const seen = new Set<string>();
      for (const a of (attributes ?? "").matchAll(ATTRIBUTE)) {
        if (seen.has(a[1])) problems.push(`attribute ${a[1]} repeated on <${open}>`);
        seen.add(a[1]);
        if (ENTITY.test(a[2] ?? a[3] ?? "")) problems.push(`unescaped "&" in ${open}@${a[1]}`);
      }
      if (!selfClosing) stack.push(open);
    } else if (!token.startsWith("<")) {
      if (ENTITY.test(token)) problems.push(`unescaped "&" in text at offset ${at}`);
      if (stack.length === 0 && token.trim() !== "")
        problems.push(`text outside the root at offset ${at}`);
    }
  }
  if (stack.length > 0) problems.push(`unclosed <${stack.join("> <")}>`);
  if (roots !== 1) problems.push(`${roots} root elements`);
  return problems;
}
