// The web app: the public map (index.html), the agency editor (editor.html) and the admin pages (admin.html), one
// Vite build. The server serves web/dist at `/`; in development the Vite server forwards the API paths to a server
// started with `npm start` on port 3000.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const apiServer = 'http://127.0.0.1:3000';
const page = (name: string) => fileURLToPath(new URL(name, import.meta.url));

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // MapLibre alone is about 1 MB minified: it is one chunk by design, not a sign of a bloated app.
    chunkSizeWarningLimit: 1500,
    rollupOptions: {
      input: { main: page('index.html'), editor: page('editor.html'), admin: page('admin.html'), layer: page('layer.html'), dashboard: page('dashboard.html') },
    },
  },
  server: {
    proxy: {
      '/api': apiServer,
      '/tiles': apiServer,
      '/styles': apiServer,
      '/ogc': apiServer,
    },
  },
});
