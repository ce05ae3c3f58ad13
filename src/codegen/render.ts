/**
 * A tiny logic-less template renderer, strict on purpose:
 *
 *   {{name}}             inserts a PyLiteral or a PyIdent
 *   {{#flag}}…{{/flag}}  keeps the block when the boolean is true
 *   {{^flag}}…{{/flag}}  keeps the block when the boolean is false
 *
 * and nothing else: no loops, no expressions, no partials, no escapes. `{{` anywhere else is an
 * error. A section tag alone on its line removes that whole line, so templates stay readable.
 * A referenced name missing from the context, a context key no tag references, a value of the
 * wrong kind (boolean in a value tag, value in a section) or an unbalanced section all throw
 * TLORC_CODEGEN_TEMPLATE: templates and context builders cannot drift apart silently.
 */
import { TlorcError } from '../errors/index.js';
import { isPyIdent, type PyIdent, type PyLiteral } from './py-literal.js';

export type TemplateValue = PyLiteral | PyIdent | boolean;
export type TemplateContext = Readonly<Record<string, TemplateValue>>;

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'value'; name: string; line: number }
  | { kind: 'section'; name: string; inverted: boolean; line: number; children: Node[] };

const TAG = /\{\{([#^/]?)([a-z_][a-z0-9_]*)\}\}/y;

const fail = (template: string, line: number, message: string): never => {
  throw new TlorcError('TLORC_CODEGEN_TEMPLATE', `${template}:${line}: ${message}`);
};

/** Parse into a tree, dropping the lines that hold only a section tag. */
export function parseTemplate(source: string, templateName = 'template'): Node[] {
  const root: Node[] = [];
  const stack: { node: Extract<Node, { kind: 'section' }>; }[] = [];
  const current = () => (stack.length ? stack[stack.length - 1]!.node.children : root);
  let text = '';
  let line = 1;
  let i = 0;
  const flush = () => {
    if (text) current().push({ kind: 'text', text });
    text = '';
  };
  while (i < source.length) {
    const open = source.indexOf('{{', i);
    if (open === -1) {
      text += source.slice(i);
      break;
    }
    text += source.slice(i, open);
    line += countNewlines(source, i, open);
    TAG.lastIndex = open;
    const m = TAG.exec(source);
    if (!m) return fail(templateName, line, `"{{" that is no tag: ${JSON.stringify(source.slice(open, open + 30))}`);
    const [whole, sigil, name] = m as unknown as [string, string, string];
    let end = open + whole.length;
    if (sigil) {
      // standalone section line: drop its indentation and its newline
      const lineStart = source.lastIndexOf('\n', open - 1) + 1;
      const nl = source.indexOf('\n', end);
      const lineEnd = nl === -1 ? source.length : nl;
      if (/^[ \t]*$/.test(source.slice(lineStart, open)) && /^[ \t]*$/.test(source.slice(end, lineEnd))) {
        text = text.slice(0, text.length - (open - lineStart));
        if (nl !== -1) {
          end = nl + 1;
          line += 1;
        } else end = lineEnd;
      }
    }
    flush();
    if (sigil === '#' || sigil === '^') {
      const node: Extract<Node, { kind: 'section' }> = { kind: 'section', name, inverted: sigil === '^', line, children: [] };
      current().push(node);
      stack.push({ node });
    } else if (sigil === '/') {
      const top = stack.pop();
      if (!top) fail(templateName, line, `{{/${name}}} closes no section`);
      if (top!.node.name !== name) fail(templateName, line, `{{/${name}}} closes {{${top!.node.inverted ? '^' : '#'}${top!.node.name}}} opened on line ${top!.node.line}`);
    } else current().push({ kind: 'value', name, line });
    i = end;
  }
  flush();
  if (stack.length) fail(templateName, stack[stack.length - 1]!.node.line, `{{#${stack[stack.length - 1]!.node.name}}} is never closed`);
  return root;
}

function countNewlines(s: string, from: number, to: number): number {
  let n = 0;
  for (let k = from; k < to; k++) if (s.charCodeAt(k) === 10) n++;
  return n;
}

/** Every name a template references (in any section, taken or not), with its use. */
function collectNames(nodes: Node[], out: Map<string, { kind: 'value' | 'section'; line: number }>, templateName: string): void {
  for (const n of nodes) {
    if (n.kind === 'text') continue;
    const kind = n.kind === 'value' ? 'value' : 'section';
    const seen = out.get(n.name);
    if (seen && seen.kind !== kind) fail(templateName, n.line, `"${n.name}" is used both as a value and as a section`);
    if (!seen) out.set(n.name, { kind, line: n.line });
    if (n.kind === 'section') collectNames(n.children, out, templateName);
  }
}

const SAFE_LITERAL = /^[\x20-\x7e\n]*$/;

/** Render a template with a context; throws TLORC_CODEGEN_TEMPLATE on any mismatch. */
export function render(source: string, context: TemplateContext, templateName = 'template'): string {
  const tree = parseTemplate(source, templateName);
  const names = new Map<string, { kind: 'value' | 'section'; line: number }>();
  collectNames(tree, names, templateName);
  for (const [name, use] of names) {
    if (!Object.prototype.hasOwnProperty.call(context, name)) fail(templateName, use.line, `unknown variable "${name}"`);
    const v = context[name];
    if (use.kind === 'section' && typeof v !== 'boolean') fail(templateName, use.line, `section "${name}" needs a boolean, got ${typeof v}`);
    if (use.kind === 'value') {
      if (typeof v !== 'string') fail(templateName, use.line, `"${name}" needs a PyLiteral or PyIdent, got ${typeof v}`);
      // defence in depth: serializer output is printable ASCII (newlines only between container items)
      if (!SAFE_LITERAL.test(v as string) && !isPyIdent(v as string)) fail(templateName, use.line, `"${name}" is not serializer output`);
    }
  }
  const unused = Object.keys(context).filter((k) => !names.has(k));
  if (unused.length) fail(templateName, 0, `context keys the template never uses: ${unused.join(', ')}`);

  let out = '';
  const emit = (nodes: Node[]) => {
    for (const n of nodes) {
      if (n.kind === 'text') out += n.text;
      else if (n.kind === 'section') {
        if ((context[n.name] as boolean) !== n.inverted) emit(n.children);
      } else {
        const v = context[n.name] as string;
        if (!v.includes('\n')) out += v;
        else {
          const lineStart = out.lastIndexOf('\n') + 1;
          const before = out.slice(lineStart);
          if (before.includes('#')) fail(templateName, n.line, `multi-line value "${n.name}" inside a comment`);
          const indent = /^[ \t]*/.exec(before)![0];
          out += v.replace(/\n/g, `\n${indent}`);
        }
      }
    }
  };
  emit(tree);
  return out;
}
