// Typed operations from the API's schema (the client contract, schema/schema.graphql at the repository root):
// `npm run codegen` rewrites src/gql/ from the graphql(`…`) documents in src/. The output is committed, so the
// build is one command (vite build). Run it again after changing an operation or when the schema changes.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: '../../schema/schema.graphql',
  documents: ['src/**/*.{ts,tsx}', '!src/gql/**'],
  ignoreNoDocuments: true,
  generates: {
    './src/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        scalars: { DateTime: 'string', JSON: 'unknown' },
        enumsAsTypes: true,
        useTypeImports: true,
      },
    },
  },
};

export default config;
