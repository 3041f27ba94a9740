// Shipboard search loader (see wasm/README.md): shows the search box of partials/search.html
// and loads the search module (shipboard_search.js + .wasm) the first time the box is used,
// so pages that are not searched load nothing more. `/` focuses the box.
const box = document.querySelector('[data-search]');
const input = box && box.querySelector('input');
if (input) {
  box.querySelector('.search-fallback').hidden = true;
  box.querySelector('.search-box').hidden = false;
  const get = (url) => fetch(url).then((r) => (r.ok ? r.text() : null)).catch(() => null);
  let loading = null;
  const load = () => {
    loading = loading || import('./shipboard_search.js')
      .then((m) => m.default({ module_or_path: new URL('./shipboard_search_bg.wasm', import.meta.url) })
        .then(() => m.start(box, get)))
      .catch(() => {
        box.querySelector('[role=status]').textContent = 'Search is unavailable.';
        box.querySelector('.search-pop').hidden = false;
      });
  };
  input.addEventListener('focus', load);
  input.addEventListener('input', load);
  document.addEventListener('keydown', (e) => {
    if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
    if (e.target.closest && e.target.closest('input, textarea, select, [contenteditable]')) return;
    e.preventDefault();
    input.focus();
  });
}
