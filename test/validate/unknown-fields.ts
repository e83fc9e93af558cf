/**
 * Unknown fields, found with the upstream models' own TypeScript interfaces. The CRD schemas
 * behind the models accept fields they do not define (the API server prunes them without a word:
 * `containerConcurency`, `scrapeTimout`), so the models' `validate()` alone misses typos. The
 * interfaces are generated from the same schemas and list every field, so walking an object
 * against its interface (TypeScript's checker, one program for all kinds) finds each field the
 * schema does not know, at any depth. Maps (`labels`, index signatures) and free-form values
 * (`any`, `unknown`) are not walked.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { isRecord } from './model.js';
import type { ModelEntry } from './schemas/models.js';

const HERE = dirname(fileURLToPath(import.meta.url));
/** A virtual file beside this one, so that its imports resolve from the repository's node_modules. */
const ENTRY = join(HERE, '__model_interfaces__.ts');
/** The global types the interfaces use, instead of TypeScript's full lib (seconds faster). */
const LIB = join(HERE, '__model_lib__.d.ts');
const LIB_SOURCE = `interface Array<T> { length: number; [n: number]: T }
interface ReadonlyArray<T> { readonly length: number; readonly [n: number]: T }
interface Boolean {} interface Function {} interface CallableFunction {} interface NewableFunction {}
interface IArguments {} interface Number {} interface Object {} interface RegExp {} interface String {}
interface Symbol {} type Record<K extends keyof any, T> = { [P in K]: T };
type Partial<T> = { [P in keyof T]?: T[P] }; type Pick<T, K extends keyof T> = { [P in K]: T[P] };
type Omit<T, K extends keyof any> = Pick<T, Exclude<keyof T, K>>; type Exclude<T, U> = T extends U ? never : T;`;

export type FieldChecker = (key: string, value: unknown) => string[];

/** One TypeScript program over the interfaces of every model; returns a checker by kind. */
export function createFieldChecker(entries: Readonly<Record<string, ModelEntry>>): FieldChecker {
  const keys = Object.keys(entries);
  const source = keys.map((k, i) => `import type { I${entries[k]!.name} as T${i} } from '${entries[k]!.module}';\nexport type M${i} = T${i};`).join('\n');
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
    noLib: true,
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  const virtual = new Map([
    [ENTRY, source],
    [LIB, LIB_SOURCE],
  ]);
  host.getSourceFile = (name, language, ...rest) => {
    const text = virtual.get(name);
    return text !== undefined ? ts.createSourceFile(name, text, language) : getSourceFile.call(host, name, language, ...rest);
  };
  host.fileExists = (name) => virtual.has(name) || fileExists.call(host, name);
  host.readFile = (name) => virtual.get(name) ?? readFile.call(host, name);
  const program = ts.createProgram([LIB, ENTRY], options, host);
  const checker = program.getTypeChecker();
  const file = program.getSourceFile(ENTRY);
  if (file === undefined) throw new Error('unknown-fields: the model interfaces did not load');
  const types = new Map<string, ts.Type>();
  for (const statement of file.statements) {
    if (!ts.isTypeAliasDeclaration(statement)) continue;
    const index = Number(statement.name.text.slice(1));
    types.set(keys[index]!, checker.getTypeAtLocation(statement.name));
  }

  return (key, value) => {
    const type = types.get(key);
    if (type === undefined) return [];
    const found: string[] = [];
    walk(checker, value, type, [], found);
    return found;
  };
}

function walk(checker: ts.TypeChecker, value: unknown, type: ts.Type, path: string[], found: string[]): void {
  if (value === null || typeof value !== 'object') return;
  const candidates = members(checker, checker.getNonNullableType(type));
  if (candidates === undefined) return;
  if (Array.isArray(value)) {
    const element = candidates.map((t) => checker.getIndexTypeOfType(t, ts.IndexKind.Number)).find((t) => t !== undefined);
    if (element !== undefined) value.forEach((v, i) => walk(checker, v, element, [...path, String(i)], found));
    return;
  }
  if (!isRecord(value)) return;
  const objects = candidates.filter((t) => checker.getIndexTypeOfType(t, ts.IndexKind.Number) === undefined);
  if (objects.length === 0) return;
  // A map: walk its values with the map's value type.
  const mapValue = objects.map((t) => checker.getIndexTypeOfType(t, ts.IndexKind.String)).find((t) => t !== undefined);
  if (mapValue !== undefined) {
    for (const [k, v] of Object.entries(value)) walk(checker, v, mapValue, [...path, k], found);
    return;
  }
  const known = new Map<string, ts.Type>();
  for (const t of objects) for (const p of checker.getPropertiesOfType(t)) if (!known.has(p.name)) known.set(p.name, checker.getTypeOfSymbol(p));
  if (known.size === 0) return;
  for (const [k, v] of Object.entries(value)) {
    const fieldType = known.get(k);
    if (fieldType === undefined) found.push(`${path.join('.') || '(root)'}: unknown field "${k}"`);
    else walk(checker, v, fieldType, [...path, k], found);
  }
}

/** The object types a value of this type may be; undefined when anything goes. */
function members(checker: ts.TypeChecker, type: ts.Type): ts.Type[] | undefined {
  if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return undefined;
  const all = type.isUnion() ? type.types : [type];
  if (all.some((t) => t.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown))) return undefined;
  const objects = all.filter((t) => t.flags & ts.TypeFlags.Object || t.isIntersection());
  // `object` or `{}` (x-kubernetes-preserve-unknown-fields) has no properties: free-form.
  if (objects.some((t) => checker.getPropertiesOfType(t).length === 0 && checker.getIndexInfosOfType(t).length === 0)) return undefined;
  return objects;
}
