import { defineConfig } from 'vitest/config';

export default defineConfig({
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  test: {
    environment: 'node',
    // tokens.test.ts reads styles.css as text (?raw); let Vite load it.
    css: { include: [/styles\.css/] },
    include: ['src/**/*.test.ts'],
  },
});
