// The auctioneer's console (bidding/console.py): fetches the lots' rows again every few seconds and counts the
// clocks down every second in between, on the server's time. Without this script the page still works: it shows
// the state as of its loading, and every act reloads it.
'use strict';
(function () {
  const root = document.getElementById('console');
  if (!root) return;
  const refreshMs = Number(root.dataset.refreshSeconds || 2) * 1000;
  const updated = root.querySelector('.console-updated');
  let offsetMs = 0; // server clock minus this browser's clock

  function format(ms) {
    const total = Math.max(0, Math.ceil(ms / 1000));
    const h = Math.floor(total / 3600);
    const m = Math.floor((total % 3600) / 60);
    const s = total % 60;
    const mm = h ? String(m).padStart(2, '0') : String(m);
    return (h ? h + ':' : '') + mm + ':' + String(s).padStart(2, '0');
  }

  function readOffset() {
    const live = document.getElementById('console-live');
    if (live && live.dataset.serverTimeMs) offsetMs = Number(live.dataset.serverTimeMs) - Date.now();
  }

  function tick() {
    const now = Date.now() + offsetMs;
    for (const clock of root.querySelectorAll('.clock[data-deadline-ms]')) {
      const left = format(Number(clock.dataset.deadlineMs) - now);
      clock.textContent = clock.dataset.prefix ? clock.dataset.prefix + ' ' + left : left;
    }
  }

  async function refresh() {
    try {
      const response = await fetch(root.dataset.liveUrl, {
        credentials: 'same-origin',
        headers: { Accept: 'text/html' },
        cache: 'no-store',
      });
      if (!response.ok || response.redirected) throw new Error(String(response.status));
      const html = await response.text();
      const holder = document.createElement('div');
      holder.innerHTML = html.trim();
      const fresh = holder.querySelector('#console-live');
      const current = document.getElementById('console-live');
      if (!fresh || !current) throw new Error('no rows');
      current.replaceWith(fresh);
      readOffset();
      tick();
      if (updated) {
        updated.classList.remove('stale');
        updated.textContent = root.dataset.textUpdated + ' ' + new Date(Date.now() + offsetMs).toLocaleTimeString();
      }
    } catch (error) {
      if (updated) {
        updated.classList.add('stale');
        updated.textContent = root.dataset.textStale;
      }
    }
  }

  // A withdrawal cannot be undone: ask first.
  root.addEventListener('submit', function (event) {
    const question = event.target.dataset && event.target.dataset.confirm;
    if (question && !window.confirm(question)) event.preventDefault();
  });

  readOffset();
  tick();
  setInterval(tick, 1000);
  setInterval(refresh, refreshMs);
})();
