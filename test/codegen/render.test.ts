import { describe, expect, it } from 'vitest';
import { py, pyIdent, render } from '../../src/codegen/index.js';
import { TlorcError } from '../../src/errors/index.js';

const expectTemplateError = (f: () => unknown, message: RegExp) => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(TlorcError);
    expect((e as TlorcError).code).toBe('TLORC_CODEGEN_TEMPLATE');
    expect((e as TlorcError).message).toMatch(message);
    return;
  }
  throw new Error('expected a TLORC_CODEGEN_TEMPLATE error');
};

describe('render(): logic-less templates', () => {
  it('inserts literals and identifiers', () => {
    expect(render('x = {{a}}\ny = keras.{{b}}()\n', { a: py('hi'), b: pyIdent('MobileNet') })).toBe('x = "hi"\ny = keras.MobileNet()\n');
  });

  it('keeps or drops sections on booleans, removing standalone tag lines', () => {
    const t = 'a\n{{#yes}}\n  kept\n{{/yes}}\n{{^yes}}\n  dropped\n{{/yes}}\n{{#no}}\n  dropped\n{{/no}}\nb\n';
    expect(render(t, { yes: true, no: false })).toBe('a\n  kept\nb\n');
    expect(render('f({{#x}}a=1{{/x}}{{^x}}b=2{{/x}})', { x: false })).toBe('f(b=2)');
  });

  it('nests sections', () => {
    const t = '{{#a}}\nA\n{{#b}}\nAB\n{{/b}}\n{{/a}}\n';
    expect(render(t, { a: true, b: true })).toBe('A\nAB\n');
    expect(render(t, { a: true, b: false })).toBe('A\n');
    expect(render(t, { a: false, b: true })).toBe('');
  });

  it('re-indents multi-line values to the line they are inserted in', () => {
    const v = py(Array.from({ length: 12 }, (_, i) => `a-rather-long-string-${i}`));
    const out = render('def f():\n    X = {{v}}\n', { v });
    expect(out.split('\n')[1]).toBe('    X = [');
    expect(out.split('\n')[2]).toBe('        "a-rather-long-string-0",');
    expect(out.split('\n').at(-2)).toBe('    ]');
  });

  it('refuses a multi-line value inside a comment', () => {
    const v = py(Array.from({ length: 12 }, (_, i) => `a-rather-long-string-${i}`));
    expectTemplateError(() => render('# {{v}}\n', { v }), /inside a comment/);
  });

  it('throws on unknown variables, unused keys, wrong kinds, bad tags and unbalanced sections', () => {
    expectTemplateError(() => render('{{a}}', {}), /unknown variable "a"/);
    expectTemplateError(() => render('{{#a}}x{{/a}}', {}), /unknown variable "a"/);
    // a name in a section that is not taken is still checked
    expectTemplateError(() => render('{{#no}}{{missing}}{{/no}}', { no: false }), /unknown variable "missing"/);
    expectTemplateError(() => render('x', { extra: true }), /never uses: extra/);
    expectTemplateError(() => render('{{a}}', { a: true }), /needs a PyLiteral/);
    expectTemplateError(() => render('{{#a}}{{/a}}', { a: py(1) }), /needs a boolean/);
    expectTemplateError(() => render('{{#a}}x', { a: true }), /never closed/);
    expectTemplateError(() => render('x{{/a}}', { a: true }), /closes no section/);
    expectTemplateError(() => render('{{#a}}{{#b}}{{/a}}{{/b}}', { a: true, b: true }), /closes \{\{#b\}\}/);
    expectTemplateError(() => render('{{ a }}', { a: py(1) }), /no tag/);
    expectTemplateError(() => render('{{> partial}}', {}), /no tag/);
    expectTemplateError(() => render('f"{{x}}"', {}), /unknown variable "x"/);
    expectTemplateError(() => render('{{a}} {{#a}}{{/a}}', { a: true }), /both as a value and as a section/);
  });

  it('refuses values that are not serializer output (defence in depth)', () => {
    expectTemplateError(() => render('{{a}}', { a: 'x\u2028y' as never }), /not serializer output/);
  });

  it('does not re-scan inserted values', () => {
    expect(render('{{a}}', { a: py('{{b}}') })).toBe('"{{b}}"');
  });

  it('reports the template line of a problem', () => {
    expectTemplateError(() => render('a\nb\n{{missing}}\n', {}, 'tpl'), /^tpl:3: /);
  });
});
