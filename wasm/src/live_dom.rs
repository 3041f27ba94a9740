//! The live layer's browser side: reads the page's frame from `[data-live-status]`, picks the
//! instant (the browser's clock, or `?at=` in the portal's zone) and recomputes every
//! time-dependent element at it, then again every minute. The HTML contract (written by the
//! generator's templates):
//!
//! - `[data-live-status]` with `data-built`, `data-stale`, `data-until` (Unix millis) and
//!   `data-offsets` (`from offset-minutes ...`); its `[data-live-msg]` says what the page shows.
//! - `[data-live-on="s e s e ..."]`: shown only while the instant is inside an interval (or,
//!   with `data-live-mark`, has the attribute `data-live-now` only then, for styling).
//! - `[data-live-rel="s e ..."]`: "starts in ...", "ended ... ago" for the running or next
//!   interval; `[data-live-ago="ms"]`: "45 days ago".
//! - `[data-live-asof]`: the "as of <build time>" label of a now-fact.
//! - `[data-live-local="ms"]`: the viewer's own time of a portal time, when the zones differ.
//!
//! Anything missing or malformed leaves the static text as it is, silently: no panics, no
//! console errors. Every text goes through `textContent`, never `innerHTML`.

use alloc::string::String;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::Element;

use crate::dom::{all, attr, one, utc_offset, ROOT, WINDOW};
use crate::live::{self, Frame, Mode};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(thread_local_v2, js_namespace = location, js_name = search)]
    static SEARCH: JsValue;
    #[wasm_bindgen(js_namespace = location, js_name = assign)]
    fn location_assign(url: &str);
}

/// Starts the live layer when the page has a frame; refreshes every minute.
pub fn start() {
    let root = ROOT.with(Element::clone);
    let Some(status) = one(&root, "[data-live-status]") else {
        return;
    };
    if status.has_attribute("data-live-ready") {
        return;
    }
    let _ = status.set_attribute("data-live-ready", "");
    let Some(frame) = Frame::parse(
        &attr(&status, "data-built"),
        &attr(&status, "data-stale"),
        &attr(&status, "data-until"),
        &attr(&status, "data-offsets"),
    ) else {
        return;
    };
    let chosen = chosen_at(&frame);
    mount_at_control(&root);
    update(&root, &status, &frame, &chosen);
    if chosen.is_none() {
        let tick = Closure::<dyn FnMut()>::new(move || {
            update(&root, &status, &frame, &None);
        });
        let _ = WINDOW.with(|w| {
            w.set_interval_with_callback_and_timeout_and_arguments_0(
                tick.as_ref().unchecked_ref(),
                60_000,
            )
        });
        tick.forget();
    }
}

/// `?at=` of the page: `None` without one, `Some(Err(text))` when it is not a valid time.
type Chosen = Option<Result<(u64, String), String>>;

fn chosen_at(frame: &Frame) -> Chosen {
    let search = SEARCH.with(JsValue::as_string).unwrap_or_default();
    let text = live::at_param(&search)?;
    Some(
        live::parse_local(text)
            .and_then(|local| frame.local_to_utc(local))
            .map(|utc| (utc, live::format_local(utc, frame.offset_at(utc))))
            .ok_or_else(|| String::from(text)),
    )
}

/// Shows the status message for the instant and, unless the data does not cover it,
/// recomputes the page. The messages are the theme's (`[data-live-msg="<state>"]` in the
/// status element), so the module carries no prose.
fn update(root: &Element, status: &Element, frame: &Frame, chosen: &Chosen) {
    let (at, label) = match chosen {
        Some(Ok((at, label))) => (*at, Some(label.as_str())),
        _ => (js_sys::Date::now() as u64, None),
    };
    let mode = frame.mode(at);
    let bad_at = match chosen {
        Some(Err(bad)) => Some(bad.as_str()),
        _ => None,
    };
    fill(status, "[data-live-at-bad]", bad_at.unwrap_or(""));
    let state = match (mode, label) {
        (Mode::Early, Some(_)) => "early",
        (Mode::Early, None) => return,
        (Mode::Ended, Some(_)) => "at-ended",
        (Mode::Ended, None) => "ended",
        (_, Some(_)) => "at",
        (Mode::Stale, None) => "stale",
        (Mode::Live, None) => "live",
    };
    // A moment the reader chose is shown from this build's data: when the build is old by
    // the reader's own clock, that stays said beside it (edits since are missing).
    let old = label.is_some()
        && matches!(
            frame.mode(js_sys::Date::now() as u64),
            Mode::Stale | Mode::Ended
        );
    fill(status, "[data-live-at-label]", label.unwrap_or(""));
    for msg in all(status, "[data-live-msg]") {
        let on = match msg.get_attribute("data-live-msg").as_deref() {
            Some("bad-at") => bad_at.is_some(),
            Some("old") => old,
            which => which == Some(state),
        };
        set_hidden(&msg, !on);
    }
    let _ = status.set_attribute("data-live-state", state);
    if matches!(mode, Mode::Live | Mode::Stale) {
        apply(root, frame, at, label);
    }
}

/// Sets the text of every element under `root` that `selector` matches (a message may
/// name the chosen moment in more than one of the theme's messages).
fn fill(root: &Element, selector: &str, text: &str) {
    for el in all(root, selector) {
        el.set_text_content(Some(text));
    }
}

fn set_hidden(el: &Element, hidden: bool) {
    let _ = if hidden {
        el.set_attribute("hidden", "")
    } else {
        el.remove_attribute("hidden")
    };
}

/// Recomputes every live element at `at`; an element with malformed data keeps its text.
fn apply(root: &Element, frame: &Frame, at: u64, label: Option<&str>) {
    for el in all(root, "[data-live-on]") {
        let Some(on) = live::holds(&attr(&el, "data-live-on"), at) else {
            continue;
        };
        if el.has_attribute("data-live-mark") {
            // Marks (today's calendar day, the current shift) are styled by this attribute.
            let _ = if on {
                el.set_attribute("data-live-now", "")
            } else {
                el.remove_attribute("data-live-now")
            };
        } else {
            set_hidden(&el, !on);
        }
    }
    for el in all(root, "[data-live-rel]") {
        let text = live::window_text(&attr(&el, "data-live-rel"), at);
        if !text.is_empty() {
            el.set_text_content(Some(&text));
        }
    }
    for el in all(root, "[data-live-ago]") {
        if let Some(then) = live::parse_u64(&attr(&el, "data-live-ago")) {
            el.set_text_content(Some(&live::ago_text(then, at)));
        }
    }
    // Live, the labels keep their text and are hidden by the stylesheet (same box, so no
    // layout shift); at a chosen moment they name it.
    if let Some(label) = label {
        let mut asof = String::from("as of ");
        asof.push_str(label);
        for el in all(root, "[data-live-asof]") {
            el.set_text_content(Some(&asof));
        }
    }
    for el in all(root, "[data-live-local]") {
        if let Some(ms) = live::parse_u64(&attr(&el, "data-live-local")) {
            let text = live::viewer_time(ms, frame.offset_at(ms), utc_offset(ms));
            el.set_text_content(Some(&text));
        }
    }
}

/// Shows the "show the portal at" control (calendar page) and handles its button: the page
/// reloads with `?at=`; an empty field goes back to now.
fn mount_at_control(root: &Element) {
    let Some(control) = one(root, "[data-live-at-control]") else {
        return;
    };
    let _ = control.remove_attribute("hidden");
    let handler = Closure::<dyn FnMut(JsValue)>::new(|event: JsValue| {
        let event: web_sys::Event = event.unchecked_into();
        event.prevent_default();
        let value = ROOT
            .with(|r| one(r, "[data-live-at-input]"))
            .map(|input| input.unchecked_into::<web_sys::HtmlInputElement>().value())
            .unwrap_or_default();
        let mut url = String::from("?");
        if !value.is_empty() {
            url.push_str("at=");
            url.push_str(&value);
        }
        location_assign(&url);
    });
    let _ = control.add_event_listener_with_callback("submit", handler.as_ref().unchecked_ref());
    handler.forget();
}
