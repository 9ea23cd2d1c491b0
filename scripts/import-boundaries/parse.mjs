// Lists the imports of one TypeScript/JavaScript source file: static imports and re-exports, `import x =
// require()`, dynamic `import()` and `typeof import()` types. Parsed with TypeScript's own parser (no type
// checking), so comments and strings that merely look like imports are not counted.
import ts from 'typescript';

/**
 * @typedef {{ specifier: string, line: number, typeOnly: boolean, dynamic: boolean, names: string[] }} ImportSite
 * names: the exported names used ('default' for a default import, '*' where the whole module is taken:
 * namespace imports, `export *`, dynamic `import()`); empty for a side-effect-only `import 'x'`.
 * @param {string} fileName used for the script kind (.ts, .tsx, .mts, .js …) and nothing else
 * @param {string} text the file's contents
 * @returns {ImportSite[]}
 */
export function importsOf(fileName, text) {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false);
  /** @type {ImportSite[]} */
  const sites = [];
  const add = (node, literal, typeOnly, dynamic, names) => {
    if (!literal || !ts.isStringLiteralLike(literal)) return; // import(variable): nothing to check statically
    const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
    sites.push({ specifier: literal.text, line, typeOnly, dynamic, names });
  };
  const visit = (node) => {
    if (ts.isImportDeclaration(node)) {
      add(node, node.moduleSpecifier, isTypeOnlyImport(node.importClause), false, importedNames(node.importClause));
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier) {
      const clause = node.exportClause;
      const names = clause && ts.isNamedExports(clause) ? clause.elements.map((e) => (e.propertyName ?? e.name).text) : ['*'];
      add(node, node.moduleSpecifier, node.isTypeOnly, false, names);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node, node.moduleReference.expression, node.isTypeOnly, false, ['*']);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(node, node.arguments[0], false, true, ['*']);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node, node.argument.literal, true, false, [leftmostName(node.qualifier)]);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return sites;
}

// `import type { A }` and `import { type A, type B }` load nothing at run time.
function isTypeOnlyImport(clause) {
  if (!clause) return false; // `import './side-effect.js'`
  if (clause.isTypeOnly) return true;
  const bindings = clause.namedBindings;
  return !clause.name && bindings !== undefined && ts.isNamedImports(bindings) && bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly);
}

function importedNames(clause) {
  if (!clause) return [];
  const names = clause.name ? ['default'] : [];
  const bindings = clause.namedBindings;
  if (bindings && ts.isNamespaceImport(bindings)) names.push('*');
  else if (bindings) names.push(...bindings.elements.map((e) => (e.propertyName ?? e.name).text));
  return names;
}

// `import('x').A.B` uses the export A; bare `typeof import('x')` takes the whole module.
function leftmostName(qualifier) {
  if (!qualifier) return '*';
  while (ts.isQualifiedName(qualifier)) qualifier = qualifier.left;
  return qualifier.text;
}
