import { createApp } from 'vue'
import { createPinia } from 'pinia'
import App from './App.vue'
import { vuetify } from './plugins/vuetify.js'
import { i18n } from './i18n/index.js'
import { createAppRouter } from './router/index.js'
import { useAuthStore } from './stores/auth.js'
import { startRealtime } from './realtime/index.js'
import './styles.css'

const app = createApp(App)
const pinia = createPinia()
app.use(pinia)
app.use(i18n)
app.use(vuetify)

const auth = useAuthStore()
// Resume the tab's session (if any) before the first route and before the socket picks its identity.
const ready = auth.init()
app.use(createAppRouter(ready))
ready.finally(() => startRealtime())

document.documentElement.lang = i18n.global.locale.value
app.mount('#app')
