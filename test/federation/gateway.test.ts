import fs from 'node:fs';
import path from 'node:path';
import { composeServices } from '@apollo/composition';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { NetworkRole } from '../../src/modules/members/member.entity';
import { startTestApp, type GqlResult, type TestApp } from '../helpers/app';
import { activePartnership, createTestNetwork, invitedJointEvent, type TestNetwork } from '../helpers/factories';
import { ok } from '../helpers/gql';

/**
 * Composing with another graph: a partner CRM subgraph (a fixture) adds `JointEvent.partnerNotes`. Our
 * committed subgraph SDL composes with it (@apollo/composition), an in-process @apollo/gateway serves the
 * supergraph on loopback and forwards the caller's `Authorization` to both subgraphs, and one query reads
 * a joint event across both — with our authorization applied: A (the host) sees it, C (unrelated) does not.
 */

const PARTNER_CRM_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

  type JointEvent @key(fields: "id") {
    id: ID!
    partnerNotes: String
  }
`;

type Running = { url: string; stop(): Promise<void> };

let app: TestApp;
let a: TestNetwork;
let b: TestNetwork;
let c: TestNetwork;
let aAdmin: string;
let eventId: string;
let crm: Running;
let gateway: Running;
/** What the partner CRM was asked for, with the Authorization header it received. */
const crmCalls: Array<{ ids: string[]; authorization: string | undefined }> = [];

async function startCrm(): Promise<Running> {
  const server = new ApolloServer<{ authorization?: string }>({
    schema: buildSubgraphSchema({
      typeDefs: parse(PARTNER_CRM_SDL),
      resolvers: {
        JointEvent: {
          __resolveReference(ref: { id: string }, ctx: { authorization?: string }) {
            crmCalls.push({ ids: [ref.id], authorization: ctx.authorization });
            return { id: ref.id, partnerNotes: `CRM notes for ${ref.id}` };
          },
        },
      } as never,
    }),
    plugins: [ApolloServerPluginInlineTraceDisabled()],
  });
  const { url } = await startStandaloneServer(server, {
    listen: { port: 0, host: '127.0.0.1' },
    context: async ({ req }) => ({ authorization: req.headers.authorization }),
  });
  return { url, stop: () => server.stop() };
}

async function startGateway(supergraphSdl: string): Promise<Running> {
  const gw = new ApolloGateway({
    supergraphSdl,
    buildService: ({ url }) =>
      new RemoteGraphQLDataSource<{ authorization?: string }>({
        url,
        willSendRequest({ request, context }) {
          if (context.authorization) request.http?.headers.set('authorization', context.authorization);
        },
      }),
  });
  const server = new ApolloServer<{ authorization?: string }>({ gateway: gw });
  const { url } = await startStandaloneServer(server, {
    listen: { port: 0, host: '127.0.0.1' },
    context: async ({ req }) => ({ authorization: req.headers.authorization }),
  });
  return { url, stop: () => server.stop() };
}

async function viaGateway<T>(query: string, variables: Record<string, unknown>, credential?: string): Promise<GqlResult<T>> {
  const res = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(credential ? { authorization: `Bearer ${credential}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: GqlResult<T>['errors'] };
  return { status: res.status, data: body.data, errors: body.errors };
}

beforeAll(async () => {
  app = await startTestApp();
  a = await createTestNetwork(app, 'Network A');
  b = await createTestNetwork(app, 'Network B');
  c = await createTestNetwork(app, 'Network C');
  aAdmin = (await a.member(NetworkRole.ADMIN)).token;
  const bAdmin = (await b.member(NetworkRole.ADMIN)).token;
  const aGroup = ok(
    await app.gql<{ createGroup: { id: string } }>(
      `mutation($input: CreateGroupInput!) { createGroup(input: $input) { id } }`,
      { input: { name: 'Alpha grief', objectives: ['Support'], topics: ['grief'], norms: ['Confidentiality'], format: 'ONLINE', visibility: 'NETWORK' } },
      a.adminKey,
    ),
  ).createGroup.id;
  await activePartnership(app, aAdmin, { slug: b.slug, admin: bAdmin }, ['JOINT_EVENTS']);
  eventId = await invitedJointEvent(app, aAdmin, aGroup, b);

  crm = await startCrm();
  const composed = composeServices([
    {
      name: 'peer-networks',
      typeDefs: parse(fs.readFileSync(path.join(__dirname, '..', '..', 'schema', 'subgraph.graphql'), 'utf8')),
      url: `http://127.0.0.1:${app.server.port}/graphql`,
    },
    { name: 'partner-crm', typeDefs: parse(PARTNER_CRM_SDL), url: crm.url },
  ]);
  expect(composed.errors).toBeUndefined();
  gateway = await startGateway(composed.supergraphSdl!);
});
afterAll(async () => {
  await gateway?.stop();
  await crm?.stop();
  await app.stop();
});

const EVENT = `query($id: ID!) { node(id: $id) { id ... on JointEvent { title status host { id slug } participants { network { id } status } partnerNotes } } }`;

test('composition: our subgraph SDL and the partner CRM compose into one supergraph with JointEvent from both', () => {
  const composed = composeServices([
    {
      name: 'peer-networks',
      typeDefs: parse(fs.readFileSync(path.join(__dirname, '..', '..', 'schema', 'subgraph.graphql'), 'utf8')),
      url: 'http://peer.example/graphql',
    },
    { name: 'partner-crm', typeDefs: parse(PARTNER_CRM_SDL), url: 'http://crm.example/graphql' },
  ]);
  expect(composed.errors).toBeUndefined();
  expect(composed.supergraphSdl).toMatch(/type JointEvent implements Node[\s\S]*?partnerNotes: String/);
});

test("one query across both subgraphs with A's credential: our fields and the partner's notes", async () => {
  crmCalls.length = 0;
  const res = await viaGateway<{ node: Record<string, any> }>(EVENT, { id: eventId }, aAdmin);
  expect(ok(res).node).toEqual({
    id: eventId,
    title: 'Grief circle together',
    status: 'SCHEDULED',
    host: { id: a.globalId, slug: a.slug },
    participants: [
      { network: { id: a.globalId }, status: 'ACCEPTED' },
      { network: { id: b.globalId }, status: 'INVITED' },
    ],
    partnerNotes: `CRM notes for ${eventId}`,
  });
  // The gateway forwarded the caller's credential to the subgraphs.
  expect(crmCalls).toEqual([{ ids: [eventId], authorization: `Bearer ${aAdmin}` }]);
});

test("C's credential: our authorization applies through the gateway (null, and the partner is not asked)", async () => {
  crmCalls.length = 0;
  const res = await viaGateway<{ node: unknown }>(EVENT, { id: eventId }, c.adminKey);
  expect(ok(res).node).toBeNull();
  expect(crmCalls).toEqual([]);
});

test('jointEvents through the gateway: each network sees its own list, with the notes', async () => {
  const LIST = `{ jointEvents(first: 10) { nodes { id title partnerNotes } } }`;
  const forA = ok(await viaGateway<{ jointEvents: { nodes: unknown[] } }>(LIST, {}, aAdmin)).jointEvents.nodes;
  expect(forA).toEqual([{ id: eventId, title: 'Grief circle together', partnerNotes: `CRM notes for ${eventId}` }]);
  expect(ok(await viaGateway<{ jointEvents: { nodes: unknown[] } }>(LIST, {}, c.adminKey)).jointEvents.nodes).toEqual([]);
});

test('no credential: UNAUTHENTICATED from our subgraph, passed through', async () => {
  const res = await viaGateway<{ node: unknown }>(EVENT, { id: eventId });
  expect(res.data?.node ?? null).toBeNull();
  expect(res.errors?.[0].extensions.code).toBe('UNAUTHENTICATED');
});
