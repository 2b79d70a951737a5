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
          warning: '#9A5B00', // dark enough for text on white and white on it (5.4:1, WCAG AA)
          error: '#C62828',
          info: '#1565C0',
          background: '#F7F7F4',
        },
        // Vuetify's 0.6 makes secondary text and field labels #7a7a7a: 4.3:1 on white, below WCAG AA's 4.5:1.
        variables: { 'medium-emphasis-opacity': 0.7 },
      },
    },
  },
  defaults: {
    VBtn: { style: 'text-transform: none; letter-spacing: 0;' },
  },
})
