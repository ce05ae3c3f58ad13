export { generate, RUNTIME_FILE, type GeneratedScript } from './generate.js';
export { compileCheck } from './compile.js';
export { buildContext, type ScriptPlan, type TemplateId } from './context.js';
export { render, parseTemplate, type TemplateContext, type TemplateValue } from './render.js';
export { py, pyFloat, pyTuple, pyIdent, isPyIdent, type PyLiteral, type PyIdent, type PyInput, type PyFloat, type PyTuple } from './py-literal.js';
