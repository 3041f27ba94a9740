// Shipboard checklist widget loader: adds the widget's stylesheet, instantiates the
// WebAssembly module (wasm-bindgen --target web glue, built by wasm/build.sh) and enhances
// every [data-checklist] section. Without JavaScript or WebAssembly the server-rendered
// checkboxes still work; they just are not saved.
import init, { start } from './shipboard_widget.js';

const css = document.createElement('link');
css.rel = 'stylesheet';
css.href = new URL('./checklist.css', import.meta.url).href;
document.head.append(css);

init({ module_or_path: new URL('./shipboard_widget_bg.wasm', import.meta.url) })
  .then(() => start())
  .catch((err) => console.warn('Shipboard checklist widget did not load:', err));
