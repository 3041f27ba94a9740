//! The browser layer of the widget: finds every `[data-checklist]` section, mounts the status
//! controls, restores ticks from `localStorage` and keeps progress, per-phase counts and the
//! "ticked ... by ..." notes up to date. The DOM itself is the in-page state (`checked` plus
//! `data-cw-at` / `data-cw-by` on each checkbox), so the widget keeps working when storage is
//! disabled or full. Nothing here unwraps a value that comes from the page or from storage.
//!
//! An item the page marks `data-done` (a tick recorded in the content repo, or an item the
//! portal verified) is done for everyone: it is never stored, toggled or reset here, and a
//! local tick of the same item and text (not `data-older`) is removed from storage, because
//! it has been recorded. "Copy as Markdown" and "Record ticks" live in a second module
//! (`wasm/export`) that the loader fetches when one of them is pressed.

use alloc::string::String;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, Ordering};

use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, Event, HtmlInputElement, Storage};

use crate::state;

/// Whether `localStorage` could be opened at start (reads work; writes may still fail).
static STORAGE_OK: AtomicBool = AtomicBool::new(false);

/// Controls mounted into each `[data-checklist-status]`; static markup, no page data.
const STATUS_UI: &str = "<progress class=\"checklist-progress\" data-cw-bar max=\"1\" value=\"0\" aria-label=\"Checklist progress\"></progress> \
<p class=\"checklist-count\" data-cw-count role=\"status\" aria-live=\"polite\"></p>\
<p class=\"checklist-actions\"><label class=\"checklist-name\">Your name <input type=\"text\" data-cw-name autocomplete=\"name\" maxlength=\"80\"></label> \
<button type=\"button\" data-cw-copy>Copy as Markdown</button> \
<button type=\"button\" data-cw-reset>Reset</button></p>\
<p class=\"checklist-notice\" data-cw-warn hidden>Ticks are not saved in this browser (storage is disabled or full); they are lost when you leave the page.</p>\
<p class=\"checklist-message\" data-cw-msg role=\"status\" aria-live=\"polite\"></p>\
<textarea class=\"checklist-export\" data-cw-export readonly rows=\"10\" aria-label=\"Checklist as Markdown\" hidden></textarea>";

#[wasm_bindgen]
extern "C" {
    // The globals, bound directly: `web_sys::window()` probes four global objects and an
    // `instanceof`, which costs more glue than the whole status bar.
    #[wasm_bindgen(thread_local_v2, js_name = window)]
    pub(crate) static WINDOW: web_sys::Window;
    #[wasm_bindgen(thread_local_v2, js_namespace = document, js_name = documentElement)]
    pub(crate) static ROOT: Element;
}

/// Enhances every checklist on the page. Safe to call twice: mounted sections are skipped.
pub fn start_checklists() {
    let root = ROOT.with(Element::clone);
    let writable = probe_storage();
    let handler = Closure::<dyn FnMut(JsValue)>::new(on_event);
    for section in all(&root, "[data-checklist]") {
        if section.has_attribute("data-checklist-ready") {
            continue;
        }
        mount(&section);
        restore(&section);
        if !writable {
            show(one(&section, "[data-cw-warn]"));
        }
        refresh(&section);
        let f = handler.as_ref().unchecked_ref();
        let _ = section.add_event_listener_with_callback("change", f);
        let _ = section.add_event_listener_with_callback("click", f);
        let _ = section.set_attribute("data-checklist-ready", "");
    }
    handler.forget();
}

/// Records whether `localStorage` can be opened (its getter throws when site data is
/// blocked) and returns whether it accepts a write (not when full or in some private modes);
/// a full storage is still read, so earlier ticks show.
fn probe_storage() -> bool {
    let Some(store) = WINDOW.with(|w| w.local_storage().ok().flatten()) else {
        return false;
    };
    STORAGE_OK.store(true, Ordering::Relaxed);
    store.set_item(state::PROBE_KEY, "1").is_ok() && store.remove_item(state::PROBE_KEY).is_ok()
}

/// `localStorage`, or `None` when it is unusable (then ticks live in the page only).
fn storage() -> Option<Storage> {
    if !STORAGE_OK.load(Ordering::Relaxed) {
        return None;
    }
    WINDOW.with(|w| w.local_storage().ok().flatten())
}

pub(crate) fn all(root: &Element, selector: &str) -> Vec<Element> {
    root.query_selector_all(selector)
        .map(|list| nodes(&list))
        .unwrap_or_default()
}

fn nodes(list: &web_sys::NodeList) -> Vec<Element> {
    (0..list.length())
        .filter_map(|i| Some(list.item(i)?.unchecked_into::<Element>()))
        .collect()
}

pub(crate) fn one(root: &Element, selector: &str) -> Option<Element> {
    root.query_selector(selector).ok().flatten()
}

pub(crate) fn attr(el: &Element, name: &str) -> String {
    el.get_attribute(name).unwrap_or_default()
}

fn text(el: Option<Element>) -> String {
    el.and_then(|e| e.text_content()).unwrap_or_default()
}

fn checkboxes(section: &Element) -> Vec<HtmlInputElement> {
    all(section, "input[data-item]")
        .into_iter()
        .map(JsCast::unchecked_into::<HtmlInputElement>)
        .collect()
}

/// The list item holding a checkbox (its label, owner and our note).
fn item_box(input: &Element) -> Option<Element> {
    input.closest("li").ok().flatten()
}

fn label_text(input: &Element) -> String {
    state::collapse(&text(item_box(input).and_then(|li| one(&li, "label"))))
}

/// The storage key of one checkbox in `section`.
fn item_key(section: &Element, input: &Element) -> String {
    let digest = state::item_digest(
        input.get_attribute("data-digest").as_deref(),
        &label_text(input),
    );
    state::item_key(
        &attr(section, "data-portal"),
        &attr(section, "data-release"),
        &attr(section, "data-checklist-id"),
        &attr(input, "data-item"),
        &digest,
    )
}

/// Local UTC offset, in minutes east, at the given time.
pub(crate) fn utc_offset(millis: u64) -> i32 {
    -(js_sys::Date::new(&JsValue::from_f64(millis as f64)).get_timezone_offset() as i32)
}

fn set_or_remove(el: &Element, name: &str, value: Option<&str>) {
    let _ = match value {
        Some(v) => el.set_attribute(name, v),
        None => el.remove_attribute(name),
    };
}

/// Marks a checkbox ticked (with when and by whom) or not, in the page only.
fn mark(input: &HtmlInputElement, tick: Option<state::Tick<'_>>) {
    input.set_checked(tick.is_some());
    let at = tick.as_ref().map(|t| {
        let mut s = String::new();
        state::push_u64(&mut s, t.at);
        s
    });
    set_or_remove(input, "data-cw-at", at.as_deref());
    set_or_remove(input, "data-cw-by", tick.map(|t| t.by));
}

/// Mounts the status controls into the section's `[data-checklist-status]` (when the page has
/// none, the checklist still works, only without them) and the per-phase and per-item notes.
fn mount(section: &Element) {
    if let Some(status) = one(section, "[data-checklist-status]") {
        status.set_inner_html(STATUS_UI);
    }
    for phase in all(section, "fieldset") {
        if let Some(legend) = one(&phase, "legend") {
            let title = state::collapse(&text(Some(legend.clone())));
            let _ = phase.set_attribute("data-cw-title", &title);
            append_html(
                &legend,
                "<span class=\"checklist-phase-count\" data-cw-phase></span>",
            );
        }
    }
    for input in checkboxes(section) {
        if let Some(li) = item_box(&input) {
            append_html(&li, " <span class=\"checklist-when\" data-cw-when></span>");
        }
    }
}

/// Appends static markup (never page data) at the end of `parent`.
fn append_html(parent: &Element, html: &str) {
    let _ = parent.insert_adjacent_html("beforeend", html);
}

/// Loads the section's ticks and the user's name from storage (storage wins over whatever
/// state the browser restored into the form).
fn restore(section: &Element) {
    let Some(store) = storage() else {
        return;
    };
    for input in checkboxes(section) {
        let key = item_key(section, &input);
        if input.has_attribute("data-done") {
            if !input.has_attribute("data-older") {
                let _ = store.remove_item(&key);
            }
            continue;
        }
        let stored = store.get_item(&key).ok().flatten();
        mark(&input, stored.as_deref().and_then(state::decode_tick));
    }
    if let Ok(Some(name)) = store.get_item(&state::name_key(&attr(section, "data-portal"))) {
        if let Some(field) = name_field(section) {
            field.set_value(&name);
        }
    }
}

fn name_field(section: &Element) -> Option<HtmlInputElement> {
    Some(one(section, "[data-cw-name]")?.unchecked_into())
}

fn show(el: Option<Element>) {
    if let Some(el) = el {
        let _ = el.remove_attribute("hidden");
    }
}

fn message(section: &Element, msg: &str) {
    if let Some(el) = one(section, "[data-cw-msg]") {
        el.set_text_content(Some(msg));
    }
}

/// Recomputes the progress bar, the "n of m done" text, per-phase counts and item notes.
fn refresh(section: &Element) {
    let inputs = checkboxes(section);
    let done = inputs.iter().filter(|i| i.checked()).count() as u32;
    let recorded = inputs
        .iter()
        .filter(|i| i.has_attribute("data-done"))
        .count() as u32;
    let total = inputs.len() as u32;
    if let Some(bar) = one(section, "[data-cw-bar]") {
        let mut n = String::new();
        state::push_u64(&mut n, u64::from(total.max(1)));
        let _ = bar.set_attribute("max", &n);
        n.clear();
        state::push_u64(&mut n, u64::from(done));
        let _ = bar.set_attribute("value", &n);
    }
    if let Some(count) = one(section, "[data-cw-count]") {
        count.set_text_content(Some(&state::progress_label(done, total, recorded)));
    }
    for phase in all(section, "fieldset") {
        let items = checkboxes(&phase);
        let done = items.iter().filter(|i| i.checked()).count() as u32;
        if let Some(span) = one(&phase, "[data-cw-phase]") {
            let mut t = String::from(" (");
            t.push_str(&state::progress_text(done, items.len() as u32));
            t.push(')');
            span.set_text_content(Some(&t));
        }
    }
    for input in inputs {
        let note = if input.checked() && !input.has_attribute("data-done") {
            let (at, by) = tick_of(&input);
            state::ticked_note(at, &by)
        } else {
            String::new()
        };
        if let Some(span) = item_box(&input).and_then(|li| one(&li, "[data-cw-when]")) {
            span.set_text_content(Some(&note));
        }
    }
}

/// When (with the UTC offset then) and by whom a checkbox was ticked, from the page.
fn tick_of(input: &Element) -> (Option<(u64, i32)>, String) {
    let at = state::parse_millis(&attr(input, "data-cw-at")).map(|ms| (ms, utc_offset(ms)));
    (at, attr(input, "data-cw-by"))
}

/// The one listener, for "change" and "click" on each section (its `currentTarget`).
fn on_event(event: JsValue) {
    let event: Event = event.unchecked_into();
    let target = event.target().and_then(|t| t.dyn_into::<Element>().ok());
    let section = event
        .current_target()
        .map(JsCast::unchecked_into::<Element>);
    let (Some(target), Some(section)) = (target, section) else {
        return;
    };
    if event.type_() == "change" {
        // An item done by record is disabled in the page; should a theme leave it enabled,
        // a change to it is still never stored.
        if target.has_attribute("data-item") && !target.has_attribute("data-done") {
            toggle(&section, &target);
        } else if target.has_attribute("data-cw-name") {
            save_name(&section);
        }
    } else if target.has_attribute("data-cw-reset") {
        reset(&section);
    }
}

fn toggle(section: &Element, target: &Element) {
    // Only checkboxes carry `data-item`; `checked` of anything else reads as false.
    let input: HtmlInputElement = target.clone().unchecked_into();
    let key = item_key(section, &input);
    let store = storage();
    let saved = if input.checked() {
        let by = name_field(section)
            .map(|f| state::collapse(&f.value()))
            .unwrap_or_default();
        let at = js_sys::Date::now() as u64;
        mark(&input, Some(state::Tick { at, by: &by }));
        store.map(|s| s.set_item(&key, &state::encode_tick(at, &by)).is_ok())
    } else {
        mark(&input, None);
        store.map(|s| s.remove_item(&key).is_ok())
    };
    if saved == Some(false) {
        show(one(section, "[data-cw-warn]"));
    }
    refresh(section);
}

/// Remembers the name for later ticks and copies it into the page's other name fields.
fn save_name(section: &Element) {
    let Some(field) = name_field(section) else {
        return;
    };
    let name = state::collapse(&field.value());
    if let Some(store) = storage() {
        let key = state::name_key(&attr(section, "data-portal"));
        let _ = if name.is_empty() {
            store.remove_item(&key)
        } else {
            store.set_item(&key, &name)
        };
    }
    for other in ROOT.with(|root| all(root, "[data-cw-name]")) {
        other.unchecked_into::<HtmlInputElement>().set_value(&name);
    }
}

/// Clears every local tick of the section, in the page and in storage, after a confirmation.
fn reset(section: &Element) {
    let confirmed = WINDOW.with(|w| {
        w.confirm_with_message("Reset this checklist? Every tick on it will be cleared.")
            .unwrap_or(false)
    });
    if !confirmed {
        return;
    }
    let store = storage();
    for input in checkboxes(section) {
        if input.has_attribute("data-done") {
            continue; // recorded for everyone: not this browser's to clear
        }
        if let Some(s) = &store {
            let _ = s.remove_item(&item_key(section, &input));
        }
        mark(&input, None);
    }
    if let Some(area) = one(section, "[data-cw-export]") {
        let _ = area.set_attribute("hidden", "");
    }
    message(section, "Checklist reset.");
    refresh(section);
}
