import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

// Built assets are served by Django (WhiteNoise) at the site root, on the same origin as the API and socket.
export default defineConfig({
  plugins: [vue()],
  base: '/',
  build: { outDir: 'dist', emptyOutDir: true },
  server: {
    proxy: {
      '/api': 'http://127.0.0.1:8000',
      '/healthz': 'http://127.0.0.1:8000',
      '/ws': { target: 'ws://127.0.0.1:8000', ws: true },
    },
  },
})
