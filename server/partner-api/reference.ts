/**
 * `GET /api/v1/docs`: a browsable reference rendered on the server from the OpenAPI document itself (no script,
 * nothing fetched from elsewhere), so it always says what the served document says.
 */

interface Doc {
  info: { title: string; version: string; description?: string };
  paths?: Record<string, Record<string, unknown> | undefined>;
  components?: { schemas?: Record<string, unknown> };
}

interface Operation {
  operationId?: string;
  summary?: string;
  description?: string;
  parameters?: { name: string; in: string; required?: boolean; description?: string; schema?: unknown }[];
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: unknown }> }>;
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const code = (value: unknown) => `<pre><code>${escape(JSON.stringify(value, null, 2))}</code></pre>`;

function renderOperation(method: string, path: string, op: Operation): string {
  const params = (op.parameters ?? [])
    .map((p) => `<tr><td><code>${escape(p.name)}</code></td><td>${escape(p.in)}</td><td>${p.required ? 'yes' : 'no'}</td><td>${escape(p.description ?? '')}</td></tr>`)
    .join('');
  const responses = Object.entries(op.responses ?? {})
    .map(([status, r]) => {
      const schema = r.content?.['application/json']?.schema;
      return `<details><summary><strong>${escape(status)}</strong> ${escape(r.description ?? '')}</summary>${schema ? code(schema) : ''}</details>`;
    })
    .join('');
  return `<section id="${escape(op.operationId ?? `${method}-${path}`)}">
<h2><span class="method">${escape(method.toUpperCase())}</span> <code>${escape(path)}</code></h2>
<p><strong>${escape(op.summary ?? '')}</strong></p><p>${escape(op.description ?? '')}</p>
<p>Authorization: <code>Bearer idk_live_…</code></p>
${params ? `<table><thead><tr><th>Parameter</th><th>In</th><th>Required</th><th>Description</th></tr></thead><tbody>${params}</tbody></table>` : ''}
<h3>Responses</h3>${responses}
</section>`;
}

export function referencePage(document: unknown): string {
  const doc = document as Doc;
  const operations = Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
    Object.entries(item ?? {}).map(([method, op]) => renderOperation(method, path, op as Operation)),
  );
  const schemas = Object.entries(doc.components?.schemas ?? {})
    .map(([name, schema]) => `<details><summary><code>${escape(name)}</code></summary>${code(schema)}</details>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(doc.info.title)}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#1b1f24}
pre{background:#f4f6f8;padding:.75rem;overflow:auto;border-radius:4px}table{border-collapse:collapse;width:100%}
td,th{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:left}.method{background:#0b57d0;color:#fff;padding:0 .4rem;border-radius:3px}
section{border-top:1px solid #d0d7de;margin-top:1.5rem}summary{cursor:pointer}
</style></head><body>
<h1>${escape(doc.info.title)} <small>${escape(doc.info.version)}</small></h1>
<p>${escape(doc.info.description ?? '')}</p>
<p>The machine-readable document: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a> (OpenAPI 3.1).</p>
<p>Every answer of an endpoint carries <code>RateLimit-Limit</code>, <code>RateLimit-Remaining</code> and <code>RateLimit-Reset</code>; a 429 adds <code>Retry-After</code>. Errors are <code>{ "errors": [ { "title", "details" } ] }</code>.</p>
<main>${operations.join('\n')}</main>
<section><h2>Schemas</h2>${schemas}</section>
</body></html>`;
}
