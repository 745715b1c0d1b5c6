// GraphQL Code Generator: typed documents from src/operations.graphql, offline,
// against the committed schema of the API (../../schema.graphql).
//
// `typescript-operations` alone: since its v6 it emits the enums and input types
// that the operations use, so adding the `typescript` plugin to the same output
// would declare them a second time (duplicate enum declarations). `typed-document-node`
// turns each operation into a TypedDocumentNode that urql accepts.
//
// The top-level `extensions.code` values are the schema's `enum ErrorCode`, which
// no field returns, so no operation reaches it: a second output takes it (and only
// the enums) from the `typescript` plugin, as a const object a client can check
// a received code against at run time.
import type { CodegenConfig } from "@graphql-codegen/cli";

const config: CodegenConfig = {
  schema: "../../schema.graphql",
  documents: ["src/operations.graphql"],
  generates: {
    "src/generated/graphql.ts": {
      plugins: ["typescript-operations", "typed-document-node"],
      config: {
        // A scalar without a mapping fails the run instead of becoming `any`.
        strictScalars: true,
        scalars: {
          // ISO 8601 text with a time zone, e.g. "2025-01-31T12:00:00+00:00".
          DateTime: "string",
          // Only the deprecated `payload` fields have it; the client selects `claims`.
          GenericScalar: "never",
        },
        enumType: "string-literal",
        useTypeImports: true,
        // ESM: the generated file imports with explicit extensions where needed.
        emitLegacyCommonJSImports: false,
      },
    },
    "src/generated/error-codes.ts": {
      plugins: ["typescript"],
      config: { onlyEnums: true, enumsAsConst: true },
    },
  },
};

export default config;
