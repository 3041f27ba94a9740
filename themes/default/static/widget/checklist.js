// Shipboard client runtime loader (see wasm/README.md): checklists and the live layer.
// "Copy as Markdown", "Record ticks" and the announcement texts' "Copy" buttons load the
// export module (export/) when first pressed.
import init, { start } from './shipboard_widget.js';

const here = (p) => new URL(p, import.meta.url);
if (document.querySelector('[data-checklist]')) {
  const css = document.createElement('link');
  css.rel = 'stylesheet';
  css.href = here('./checklist.css').href;
  document.head.append(css);
}

let exports;
for (const b of document.querySelectorAll('[data-copy]')) b.hidden = false;
document.addEventListener('click', (e) => {
  const b = e.target.closest && e.target.closest('[data-cw-copy], [data-cw-record], [data-copy]');
  const s = b && (b.hasAttribute('data-copy') ? b : b.closest('[data-checklist]'));
  if (!s) return;
  exports = exports || import('./export/shipboard_export.js')
    .then((m) => m.default({ module_or_path: here('./export/shipboard_export_bg.wasm') }).then(() => m));
  const run = (m) => (b.hasAttribute('data-copy') ? m.copy_text(b)
    : b.hasAttribute('data-cw-record') ? m.record_ticks(s) : m.copy_markdown(s));
  exports.then(run)
    .catch((err) => console.warn('Shipboard export did not load:', err));
});

init({ module_or_path: here('./shipboard_widget_bg.wasm') })
  .then(() => {
    start();
    for (const b of document.querySelectorAll('[data-cw-record]')) b.hidden = false;
  })
  .catch((err) => console.warn('Shipboard client runtime did not load:', err));
