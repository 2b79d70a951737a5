import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import vuetify from 'vite-plugin-vuetify'
import { VitePWA } from 'vite-plugin-pwa'

const FRAMEWORK = /node_modules\/(@vue|vue|vue-router|pinia|vue-i18n|@intlify)\//

// Built assets are served by Django (WhiteNoise) at the site root, on the same origin as the API and socket.
export default defineConfig({
  plugins: [
    vue(),
    vuetify({ autoImport: true }),
    VitePWA({
      // A new version never reloads the page by itself (that could happen mid-auction); App.vue offers a reload.
      registerType: 'prompt',
      injectRegister: false,
      includeAssets: ['favicon.svg', 'icons/apple-touch-icon.png'],
      manifest: {
        name: '競走馬セリ Umaseri',
        short_name: '競走馬セリ',
        description: '競走馬のライブオークション / Live racehorse auctions',
        lang: 'ja',
        start_url: '/auctions',
        scope: '/',
        display: 'standalone',
        background_color: '#F7F7F4',
        theme_color: '#1B5E20',
        icons: [
          { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: '/icons/icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      workbox: {
        // Only the app shell (built JS, CSS, icons) is cached. Never the API, the socket, the admin or uploads:
        // prices and bids always come from the network.
        globPatterns: ['**/*.{js,css,html,svg,png,woff2}'],
        navigateFallback: '/index.html',
        navigateFallbackDenylist: [
          /^\/api\//,
          /^\/ws\//,
          /^\/admin/,
          /^\/static\//,
          /^\/media\//,
          /^\/healthz/,
        ],
        runtimeCaching: [],
        cleanupOutdatedCaches: true,
      },
    }),
  ],
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    rollupOptions: {
      output: {
        // The framework changes less often than the app: its own chunk stays cached across deploys. Vuetify is
        // left to Rollup, so each lazy route carries the components only it uses and the first load stays small.
        manualChunks(id) {
          if (!id.includes('node_modules')) return undefined
          return FRAMEWORK.test(id) ? 'framework' : undefined
        },
      },
    },
  },
  server: {
    proxy: {
      '/api': 'http://127.0.0.1:8000',
      '/healthz': 'http://127.0.0.1:8000',
      '/media': 'http://127.0.0.1:8000',
      '/admin': 'http://127.0.0.1:8000',
      '/static': 'http://127.0.0.1:8000',
      '/ws': { target: 'ws://127.0.0.1:8000', ws: true },
    },
  },
  test: {
    include: ['src/**/*.test.js'],
    environment: 'node',
    // Vuetify's components import their CSS; let Vite handle them instead of Node.
    server: { deps: { inline: ['vuetify'] } },
  },
})
