//! The browser side of the exports: reads the checklist state the widget keeps on the page
//! (`checked`, `data-cw-at`, `data-cw-by`, `data-done` for items done by record), shows the
//! export in the section's read-only text area and copies it to the clipboard where the
//! browser allows; the section's message says which happened. Nothing here unwraps a value
//! from the page.

use alloc::string::String;
use alloc::vec::Vec;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlInputElement};

use shipboard_widget::state;

use crate::ticks::{self, LocalTick};

#[wasm_bindgen]
extern "C" {
    /// The promise `navigator.clipboard.writeText` returns.
    type Thenable;

    /// `navigator.clipboard.writeText`; throws (caught as `Err`) where there is no clipboard.
    #[wasm_bindgen(catch, js_namespace = ["navigator", "clipboard"], js_name = writeText)]
    fn clipboard_write_text(text: &str) -> Result<Thenable, JsValue>;

    /// `promise.then(onFulfilled, onRejected)` with plain function values.
    #[wasm_bindgen(method, js_name = then)]
    fn then_either(this: &Thenable, ok: &JsValue, err: &JsValue);
}

/// A "Copy" button beside a read-only text area (the release page's announcement texts):
/// copies the text area that shares the button's parent (its text is its value: the area
/// is read-only) and says in the parent's `[data-copy-msg]` whether it worked.
#[wasm_bindgen]
pub fn copy_text(button: Element) {
    const COPIED: &str = "Copied.";
    const BY_HAND: &str = "This browser did not allow copying: select the text and copy it.";
    let Some(parent) = button.parent_element() else {
        return;
    };
    let say = one(&parent, "[data-copy-msg]");
    let said = |msg: &'static str| {
        let say = say.clone();
        Closure::<dyn FnMut(JsValue)>::new(move |_| {
            if let Some(el) = &say {
                el.set_text_content(Some(msg));
            }
        })
        .into_js_value()
    };
    match clipboard_write_text(&text(one(&parent, "textarea"))) {
        Ok(promise) => promise.then_either(&said(COPIED), &said(BY_HAND)),
        Err(_) => {
            if let Some(el) = &say {
                el.set_text_content(Some(BY_HAND));
            }
        }
    }
}

/// "Copy as Markdown": the checklist as a task list for the release ticket.
#[wasm_bindgen]
pub fn copy_markdown(section: Element) {
    let items: Vec<state::ItemView> = checkboxes(&section)
        .iter()
        .map(|input| {
            let phase = input
                .closest("fieldset")
                .ok()
                .flatten()
                .map(|f| attr(&f, "data-cw-title"))
                .unwrap_or_default();
            let (at, by) = tick_of(input);
            state::ItemView {
                phase,
                text: label_text(input),
                owner: text(item_box(input).and_then(|li| one(&li, ".checklist-owner"))),
                done: input.checked(),
                at,
                by,
            }
        })
        .collect();
    let md = state::markdown(
        &text(one(&section, "h2, h3")),
        &attr(&section, "data-release"),
        &items,
    );
    show_and_copy(
        &section,
        md,
        "Checklist as Markdown",
        "Copied as Markdown; it is also shown below.".into(),
        "Copy the Markdown below.".into(),
    );
}

/// "Record ticks": this browser's own ticks as the YAML to paste into the release file.
#[wasm_bindgen]
pub fn record_ticks(section: Element) {
    let now = js_sys::Date::now() as u64;
    let local: Vec<LocalTick> = checkboxes(&section)
        .iter()
        .filter(|i| i.checked() && !i.has_attribute("data-done"))
        .map(|input| {
            let ms = state::parse_millis(&attr(input, "data-cw-at")).unwrap_or(now);
            LocalTick {
                key: attr(input, "data-item"),
                at: (ms, utc_offset(ms)),
                digest: attr(input, "data-digest"),
            }
        })
        .collect();
    if local.is_empty() {
        if let Some(area) = one(&section, "[data-cw-export]") {
            let _ = area.set_attribute("hidden", "");
        }
        message(&section, "No ticks on this device to record.");
        return;
    }
    let name = one(&section, "[data-cw-name]")
        .map(|f| f.unchecked_into::<HtmlInputElement>().value())
        .unwrap_or_default();
    let header = one(&section, "[data-done=recorded]").is_none();
    let yaml = ticks::yaml(&local, &name, header);
    let placeholder = if ticks::person_id(&name) == ticks::PLACEHOLDER {
        " Replace your-person-id with your id from contacts.yaml (or give your id as your name)."
    } else {
        ""
    };
    let hint = if header {
        "Paste it at the end of the release file's front matter, then commit."
    } else {
        "Add it under the release file's ticks:, then commit."
    };
    let say = |first: &str| {
        let mut s = String::from(first);
        s.push_str(hint);
        s.push_str(placeholder);
        s
    };
    show_and_copy(
        &section,
        yaml,
        "Your ticks as YAML for the release file",
        say("Copied the YAML of your ticks. "),
        say("Copy the YAML of your ticks below. "),
    );
}

/// Shows `content` in the section's text area and copies it; the message says whether the
/// copy worked (`ok_text`) or the reader should copy it by hand (`err_text`).
fn show_and_copy(
    section: &Element,
    content: String,
    label: &str,
    ok_text: String,
    err_text: String,
) {
    if let Some(area) = one(section, "[data-cw-export]") {
        area.set_text_content(Some(&content));
        let _ = area.set_attribute("aria-label", label);
        let _ = area.remove_attribute("hidden");
    }
    match clipboard_write_text(&content) {
        Ok(promise) => {
            let (a, b) = (section.clone(), section.clone());
            let ok =
                Closure::<dyn FnMut(JsValue)>::new(move |_| message(&a, &ok_text)).into_js_value();
            let err =
                Closure::<dyn FnMut(JsValue)>::new(move |_| message(&b, &err_text)).into_js_value();
            promise.then_either(&ok, &err);
        }
        Err(_) => message(section, &err_text),
    }
}

fn message(section: &Element, msg: &str) {
    if let Some(el) = one(section, "[data-cw-msg]") {
        el.set_text_content(Some(msg));
    }
}

fn checkboxes(section: &Element) -> Vec<HtmlInputElement> {
    let Ok(list) = section.query_selector_all("input[data-item]") else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| Some(list.item(i)?.unchecked_into::<HtmlInputElement>()))
        .collect()
}

fn one(root: &Element, selector: &str) -> Option<Element> {
    root.query_selector(selector).ok().flatten()
}

fn attr(el: &Element, name: &str) -> String {
    el.get_attribute(name).unwrap_or_default()
}

fn text(el: Option<Element>) -> String {
    el.and_then(|e| e.text_content()).unwrap_or_default()
}

/// The list item holding a checkbox (its label, owner and notes).
fn item_box(input: &Element) -> Option<Element> {
    input.closest("li").ok().flatten()
}

fn label_text(input: &Element) -> String {
    state::collapse(&text(item_box(input).and_then(|li| one(&li, "label"))))
}

/// When (with the UTC offset then) and by whom a checkbox was ticked, from the page.
fn tick_of(input: &Element) -> (Option<(u64, i32)>, String) {
    let at = state::parse_millis(&attr(input, "data-cw-at")).map(|ms| (ms, utc_offset(ms)));
    (at, attr(input, "data-cw-by"))
}

/// Local UTC offset, in minutes east, at the given time.
fn utc_offset(millis: u64) -> i32 {
    -(js_sys::Date::new(&JsValue::from_f64(millis as f64)).get_timezone_offset() as i32)
}
