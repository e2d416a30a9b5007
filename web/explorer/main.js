// The explorer's browser code (bundled into dist/explorer by scripts/build-explorer.mjs; served at `/` by src/http/explorer.ts).
// GraphiQL with the schema from /schema.graphql (docs without a credential and without an introspection request), the
// headers from the editor sent over HTTP and, as connectionParams, to subscriptions over graphql-ws on the same path.
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import { buildSchema } from 'graphql';
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';
import 'graphiql/style.css';
import './page.css';

const settings = JSON.parse(document.getElementById('explorer-settings').textContent);
const endpoint = new URL(settings.endpoint, window.location.href);
const subscriptionUrl = new URL(endpoint);
subscriptionUrl.protocol = endpoint.protocol === 'https:' ? 'wss:' : 'ws:';

const base = createGraphiQLFetcher({ url: endpoint.href, subscriptionUrl: subscriptionUrl.href });

/** Header names in lower case: the server reads `connectionParams.authorization`, and HTTP does not mind. */
function lowerCaseKeys(headers) {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]));
}
const fetcher = (params, options) => base(params, { ...options, headers: lowerCaseKeys(options?.headers) });

// `?query=…&variables=…&operationName=…` open that operation (links in docs and tests); otherwise the example.
const params = new URLSearchParams(window.location.search);
const fromUrl = (name) => params.get(name) ?? undefined;

async function start() {
  const root = createRoot(document.getElementById('explorer'));
  let schema;
  try {
    const res = await fetch(new URL(settings.schema, window.location.href), { headers: { accept: 'text/plain' } });
    if (res.ok) schema = buildSchema(await res.text());
  } catch {
    schema = undefined; // GraphiQL then introspects through the fetcher (with the headers' credential).
  }
  root.render(
    createElement(GraphiQL, {
      fetcher,
      schema,
      defaultQuery: settings.query,
      query: fromUrl('query'),
      variables: fromUrl('variables'),
      operationName: fromUrl('operationName'),
      headers: settings.headers,
      defaultHeaders: settings.headers,
      shouldPersistHeaders: false,
      isHeadersEditorEnabled: true,
      defaultEditorToolsVisibility: fromUrl('variables') ? 'variables' : 'headers',
    }),
  );
}

void start();
