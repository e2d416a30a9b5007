import { getSchema } from '../../src/app/schema';
import { SECRET_FIELDS } from '../../src/modules/auth/api-key.resolver';
import { canonicalJson, parseIdempotencyKey, requestHash } from '../../src/modules/idempotency/idempotency-key';

/** The pure parts of idempotent retries: the header's rules and what counts as the same request. */

describe('parseIdempotencyKey', () => {
  test.each(['a', 'k'.repeat(255), '3fa85f64-5717-4562-b3fc-2c963f66afa6', ' spaces and ~ symbols! '])('accepts %j', (key) => {
    expect(parseIdempotencyKey(key)).toBe(key);
  });

  test.each(['', 'k'.repeat(256), 'tab\there', 'new\nline', 'nul\u0000', 'del\u007f', 'clé', 'emoji 🙂'])(
    'refuses %j with BAD_USER_INPUT naming the header',
    (key) => {
      expect(() => parseIdempotencyKey(key)).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT', message: expect.stringContaining('Idempotency-Key') }));
    },
  );
});

describe('requestHash', () => {
  const q = 'mutation($input: CreateMemberInput!) { createMember(input: $input) { id } }';

  test('variables are compared as canonical JSON: key order does not matter, values do', () => {
    const h = requestHash(q, null, { input: { displayName: 'A', email: 'a@x' } });
    expect(requestHash(q, null, { input: { email: 'a@x', displayName: 'A' } })).toBe(h);
    expect(requestHash(q, null, { input: { displayName: 'B', email: 'a@x' } })).not.toBe(h);
    expect(requestHash(q, null, { input: { displayName: 'A', email: 'a@x', role: 'MEMBER' } })).not.toBe(h);
  });

  test('the operation text and name count; no variables is the same as {}', () => {
    const h = requestHash(q, null, {});
    expect(requestHash(q, undefined, undefined)).toBe(h);
    expect(requestHash(q, 'Create', {})).not.toBe(h);
    expect(requestHash(`${q} `, null, {})).not.toBe(h);
  });

  test('canonicalJson sorts keys at every level and keeps array order', () => {
    expect(canonicalJson({ b: [{ y: 1, x: 2 }, 3], a: null })).toBe('{"a":null,"b":[{"x":2,"y":1},3]}');
    expect(canonicalJson({ a: 1, b: undefined })).toBe('{"a":1}');
  });
});

test('the secret fields exist in the schema (a rename must not silently drop them)', async () => {
  const schema = await getSchema();
  for (const name of SECRET_FIELDS) {
    const [type, field] = name.split('.');
    const t = schema.getType(type) as { getFields?: () => Record<string, unknown> } | undefined;
    expect(t?.getFields?.()[field]).toBeDefined();
  }
  expect(SECRET_FIELDS.size).toBe(2);
});
