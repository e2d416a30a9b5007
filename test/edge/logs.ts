import { startTestApp, type TestApp } from '../helpers/app';
import { createTestNetwork, type TestNetwork } from '../helpers/factories';

/**
 * The "unexpected error" lines the server writes (LOG_LEVEL=error) while a test runs: the edge tests assert
 * that nothing a client sends is logged as unexpected. Other lines pass through untouched.
 */
export function captureUnexpected(): { lines: string[]; restore(): void } {
  const lines: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = String(chunk);
    if (text.includes('"unexpected error"')) {
      lines.push(text);
      return true;
    }
    return write(chunk, ...(rest as []));
  });
  return { lines, restore: () => spy.mockRestore() };
}

/**
 * The shared setup of edge test files: a test app (LOG_LEVEL=error) with one network, and a check after each test
 * that nothing was logged as unexpected. Call it at the top of the file; its hooks run before the file's own.
 */
export function watchedEdgeApp(): { readonly app: TestApp; readonly net: TestNetwork } {
  const state = {} as { app: TestApp; net: TestNetwork; logs: ReturnType<typeof captureUnexpected> };
  beforeAll(async () => {
    state.app = await startTestApp({ LOG_LEVEL: 'error' });
    state.net = await createTestNetwork(state.app);
    state.logs = captureUnexpected();
  });
  afterAll(async () => {
    state.logs.restore();
    await state.app.stop();
  });
  afterEach(() => {
    expect(state.logs.lines).toEqual([]);
  });
  return state;
}
