// docs/api.yaml is valid YAML shaped as OpenAPI 3, and documents every route the server declares
// in its route tables (server/api/*.c), with the same method.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function declaredRoutes() {
  const dir = path.join(root, 'server', 'api');
  const routes = [];
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.c'))) {
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    for (const m of text.matchAll(/\{\s*HTTP_METHOD_([A-Z]+),\s*"(\/api\/v1\/[^"]*)"/g)) {
      routes.push({ method: m[1].toLowerCase(), path: m[2], file: f });
    }
  }
  return routes;
}

test('docs/api.yaml is OpenAPI 3', () => {
  const doc = YAML.parse(fs.readFileSync(path.join(root, 'docs', 'api.yaml'), 'utf8'));
  assert.match(String(doc.openapi), /^3\./);
  assert.ok(doc.info && doc.info.title);
  assert.ok(doc.paths && typeof doc.paths === 'object');
});

test('every declared route is documented with its method', () => {
  const doc = YAML.parse(fs.readFileSync(path.join(root, 'docs', 'api.yaml'), 'utf8'));
  const routes = declaredRoutes();
  assert.ok(routes.length > 10, 'route tables found');
  // Path parameters may be named anything in the document: compare shapes.
  const shape = (p) => p.replace(/\{[^}]+\}/g, '{}');
  const documented = new Map();
  for (const [p, item] of Object.entries(doc.paths)) {
    documented.set(shape(p), new Set(Object.keys(item).filter((k) => k !== 'parameters')));
  }
  const missing = routes.filter((r) => !(documented.get(shape(r.path)) || new Set()).has(r.method))
    .map((r) => `${r.method.toUpperCase()} ${r.path} (${r.file})`);
  assert.deepEqual(missing, [], `routes missing from docs/api.yaml:\n${missing.join('\n')}`);
});
