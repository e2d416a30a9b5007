// Small shared pieces: how API errors are shown to people.
import { CombinedGraphQLErrors } from '@apollo/client/errors';

interface FieldError {
  path: Array<string | number>;
  message: string;
}

/** Turns an Apollo error into words: field errors of BAD_USER_INPUT per field, RATE_LIMITED with its wait, else the message. */
export function describeError(error: unknown): string {
  if (CombinedGraphQLErrors.is(error)) {
    return error.errors
      .map((e) => {
        const code = e.extensions?.code;
        const fieldErrors = e.extensions?.fieldErrors as FieldError[] | undefined;
        if (code === 'BAD_USER_INPUT' && fieldErrors?.length) return fieldErrors.map((f) => `${f.path.join('.')}: ${f.message}`).join('; ');
        if (code === 'RATE_LIMITED') return `Too many requests: try again in ${String(e.extensions?.retryAfter ?? 'a few')} seconds.`;
        if (code === 'FORBIDDEN') return `Not allowed: ${e.message}`;
        return e.message;
      })
      .join(' ');
  }
  return error instanceof Error ? error.message : String(error);
}

export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <p role="alert" className="error">
      {describeError(error)}
    </p>
  );
}
