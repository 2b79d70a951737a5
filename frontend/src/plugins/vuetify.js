import 'vuetify/styles'
import { createVuetify } from 'vuetify'
import { aliases, mdi } from 'vuetify/iconsets/mdi-svg'
import { en, ja } from 'vuetify/locale'

// Components are imported on use by vite-plugin-vuetify (tree-shaken); icons are inline SVG paths from @mdi/js,
// so no icon font is downloaded.
export const vuetify = createVuetify({
  icons: { defaultSet: 'mdi', aliases, sets: { mdi } },
  locale: { locale: 'ja', fallback: 'en', messages: { ja, en } },
  theme: {
    defaultTheme: 'umaseri',
    themes: {
      umaseri: {
        dark: false,
        colors: {
          primary: '#1B5E20', // turf green
          secondary: '#6D4C41',
          success: '#2E7D32',
          warning: '#B26A00',
          error: '#C62828',
          info: '#1565C0',
          background: '#F7F7F4',
        },
      },
    },
  },
  defaults: {
    VBtn: { style: 'text-transform: none; letter-spacing: 0;' },
  },
})
