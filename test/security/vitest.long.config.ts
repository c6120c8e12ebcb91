import { defineConfig } from 'vitest/config';

/**
 * Configuration of the long fuzzing run only (`test/security/fuzz.long.ts`), which `npm test` never
 * picks up: `FUZZ_RUNS=100000 npx vitest run --config test/security/vitest.long.config.ts`.
 */
export default defineConfig({
  test: {
    include: ['test/security/fuzz.long.ts'],
    environment: 'node',
    testTimeout: 4 * 60 * 60 * 1000,
    hookTimeout: 60_000,
  },
});
