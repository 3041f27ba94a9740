// Shipboard client runtime loader (see wasm/README.md): checklists and the live layer.
import init, { start } from './shipboard_widget.js';

if (document.querySelector('[data-checklist]')) {
  const css = document.createElement('link');
  css.rel = 'stylesheet';
  css.href = new URL('./checklist.css', import.meta.url).href;
  document.head.append(css);
}

init({ module_or_path: new URL('./shipboard_widget_bg.wasm', import.meta.url) })
  .then(() => start())
  .catch((err) => console.warn('Shipboard client runtime did not load:', err));
