// Deno entry point: the Effect API and the Promise facade.
export * from "./src/index.ts"
export * as promise from "./src/promise/index.ts"
