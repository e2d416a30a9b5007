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
