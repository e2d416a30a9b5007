import { startTestApp, type TestApp } from '../helpers/app';
import { createTestNetwork } from '../helpers/factories';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.stop());

test('viewer answers for an API key', async () => {
  const net = await createTestNetwork(app);
  const res = await app.gql('{ viewer { kind scopes network { slug } } }', {}, net.adminKey);
  expect(res.errors).toBeUndefined();
  expect(res.data).toEqual({ viewer: { kind: 'API_KEY', scopes: ['READ', 'WRITE', 'PERSONAL_DATA', 'ADMIN'], network: { slug: net.slug } } });
});
