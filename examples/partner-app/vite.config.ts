import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// `npm run dev` serves the app with hot reload on :5173 and forwards /auth to the token backend (npm start, :4100).
export default defineConfig({
  plugins: [react()],
  server: { proxy: { '/auth': 'http://127.0.0.1:4100' } },
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1500 },
});
