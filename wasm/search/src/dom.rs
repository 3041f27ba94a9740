//! The search box in the browser: an ARIA combobox (`input[role=combobox]` controlling a
//! `[role=listbox]` of grouped `a[role=option]` links, `aria-activedescendant` for the
//! arrow keys, a `role=status` line) over the markup of the theme's `partials/search.html`.
//!
//! Fetching is the loader's `get(url)` (a promise of the text or `null`); everything else
//! is here. Each input runs [`run`]: it finds which files the query needs, asks for the
//! missing ones and returns; every arriving file runs it again, so the newest query is
//! always the one answered and no callback holds state. Results are written as escaped
//! HTML, so content (titles, snippets) can never become markup. A file that fails to load
//! or parse makes the box say "Search is unavailable." and nothing else: no panic, no
//! console output.

use alloc::string::String;
use alloc::vec::Vec;
use core::cell::RefCell;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, Event, EventTarget, HtmlElement, HtmlInputElement, KeyboardEvent, Node};

use crate::index::{self, push_number, Manifest};
use crate::query::{group_label, Query, Shown, LIMIT};
use crate::text::push_escaped_html as escape;

#[wasm_bindgen]
extern "C" {
    /// The loader's `get(url)`: a promise of the file's text, `null` when it failed.
    pub type Getter;
    #[wasm_bindgen(method, js_name = call)]
    fn call(this: &Getter, this_arg: &JsValue, url: &str) -> Thenable;

    type Thenable;
    #[wasm_bindgen(method, js_name = then)]
    fn then(this: &Thenable, on_done: &JsValue) -> Thenable;

    #[wasm_bindgen(thread_local_v2, js_name = document)]
    static DOCUMENT: EventTarget;
}

enum File {
    Pending,
    Ready(String),
    Failed,
}

enum Step {
    Wait,
    Broken,
    Done(Vec<Shown>),
}

struct Ui {
    root: String,
    get: Getter,
    search: Element,
    input: HtmlInputElement,
    pop: HtmlElement,
    list: Element,
    status: Element,
    /// Files asked for, by path under `search/` (a few dozen at most).
    files: Vec<(String, File)>,
    manifest: Option<Manifest>,
    shown: usize,
    active: Option<usize>,
}

struct Global(RefCell<Option<Ui>>);
// SAFETY: wasm32-unknown-unknown without the atomics feature runs on a single thread.
unsafe impl Sync for Global {}
static UI: Global = Global(RefCell::new(None));

/// Takes over the search box `search` (`[data-search]`); called by the loader once the
/// module is instantiated, with the text typed so far already in the input.
#[wasm_bindgen]
pub fn start(search: Element, get: Getter) {
    let find = |selector: &str| search.query_selector(selector).ok().flatten();
    let (Some(input), Some(pop), Some(list), Some(status)) = (
        find("input"),
        find(".search-pop"),
        find("[role=listbox]"),
        find("[role=status]"),
    ) else {
        return;
    };
    let mut root = search.get_attribute("data-root").unwrap_or_default();
    if !root.starts_with('/') || !root.ends_with('/') {
        root = String::from("/");
    }
    let input: HtmlInputElement = input.unchecked_into();
    listen(&input, "input", on_input);
    listen(&input, "focus", on_input);
    listen(&input, "keydown", on_key);
    DOCUMENT.with(|d| listen(d, "click", on_click));
    if let Ok(mut ui) = UI.0.try_borrow_mut() {
        *ui = Some(Ui {
            root,
            get,
            search,
            input,
            pop: pop.unchecked_into(),
            list,
            status,
            files: Vec::new(),
            manifest: None,
            shown: 0,
            active: None,
        });
    }
    run();
}

fn listen(target: &EventTarget, kind: &str, handler: fn(Event)) {
    let closure = Closure::<dyn FnMut(Event)>::new(handler);
    let _ = target.add_event_listener_with_callback(kind, closure.as_ref().unchecked_ref());
    closure.forget();
}

fn on_input(_: Event) {
    run();
}

/// Answers the query in the box as far as the files at hand allow.
fn run() {
    let Ok(mut guard) = UI.0.try_borrow_mut() else {
        return;
    };
    let Some(ui) = guard.as_mut() else {
        return;
    };
    let value = ui.input.value();
    let query = Query::parse(&value);
    if query.is_empty() {
        ui.close();
        ui.status.set_text_content(None);
        let _ = ui.search.set_attribute("data-answered", &value);
        return;
    }
    match ui.step(&query) {
        Step::Wait => return,
        Step::Broken => {
            ui.list.set_inner_html("");
            ui.shown = 0;
            ui.active = None;
            ui.status.set_text_content(Some("Search is unavailable."));
            ui.open();
        }
        Step::Done(shown) => {
            ui.render(&shown);
            ui.open();
        }
    }
    // The query now shown (tests and the benchmark wait for it).
    let _ = ui.search.set_attribute("data-answered", &value);
}

impl Ui {
    fn step(&mut self, query: &Query) -> Step {
        if self.manifest.is_none() {
            match self.file("index.txt") {
                Some(Ok(text)) => match Manifest::parse(text) {
                    Ok(m) => self.manifest = Some(m),
                    Err(_) => return Step::Broken,
                },
                Some(Err(())) => return Step::Broken,
                None => return Step::Wait,
            }
        }
        let Some(manifest) = self.manifest.take() else {
            return Step::Broken;
        };
        let step = self.answer(query, &manifest);
        self.manifest = Some(manifest);
        step
    }

    fn answer(&mut self, query: &Query, manifest: &Manifest) -> Step {
        let files = &self.files;
        let get = |path: &str| match files.iter().find(|f| f.0 == path) {
            Some((_, File::Ready(text))) => Some(text.as_str()),
            _ => None,
        };
        // The shards still missing are asked for; each that arrives runs the query again,
        // which may then need the next parts of a split shard. Those are asked for once
        // the whole round has arrived, so how many parts a round asks for does not depend
        // on which of the last round's files came first.
        let Ok(found) = query.search(manifest, &get) else {
            return Step::Broken;
        };
        let pending = |path: &String| {
            let file = self.files.iter().find(|f| &f.0 == path);
            matches!(file, Some((_, File::Pending)))
        };
        if found.missing.iter().any(pending) {
            return Step::Wait;
        }
        match self.all(&found.missing) {
            Some(true) => {}
            Some(false) => return Step::Wait,
            None => return Step::Broken,
        }
        let hits = found.hits;
        let fragments: Vec<String> = hits.iter().map(|h| manifest.fragment_path(h.doc)).collect();
        match self.all(&fragments) {
            Some(true) => {}
            Some(false) => return Step::Wait,
            None => return Step::Broken,
        }
        let mut shown = Vec::new();
        for (hit, path) in hits.iter().zip(&fragments) {
            let Some((_, File::Ready(fragment))) = self.files.iter().find(|f| &f.0 == path) else {
                return Step::Broken;
            };
            let within = hit.doc.checked_rem(manifest.bucket).unwrap_or(0);
            match index::record(fragment, within) {
                Ok(record) => shown.push(query.show(hit, &record)),
                Err(_) => return Step::Broken,
            }
        }
        Step::Done(shown)
    }

    /// Whether every file in `paths` is here (`Some(true)`), some are on their way (asked
    /// for now if they were not), or one failed (`None`).
    fn all(&mut self, paths: &[String]) -> Option<bool> {
        let mut ready = true;
        for path in paths {
            match self.file(path) {
                Some(Ok(_)) => {}
                Some(Err(())) => return None,
                None => ready = false,
            }
        }
        Some(ready)
    }

    /// A file's text, `Err` when it failed, `None` while it is on its way (asked for now).
    fn file(&mut self, path: &str) -> Option<Result<&str, ()>> {
        if !self.files.iter().any(|f| f.0 == path) {
            self.files.push((String::from(path), File::Pending));
            let mut url = self.root.clone();
            url.push_str("search/");
            url.push_str(path);
            let key = String::from(path);
            let done = Closure::once_into_js(move |text: JsValue| arrived(key, text.as_string()));
            self.get.call(&JsValue::NULL, &url).then(&done);
        }
        match self.files.iter().find(|f| f.0 == path) {
            Some((_, File::Ready(text))) => Some(Ok(text.as_str())),
            Some((_, File::Failed)) => Some(Err(())),
            _ => None,
        }
    }

    fn open(&self) {
        self.pop.set_hidden(false);
        let _ = self.input.set_attribute("aria-expanded", "true");
    }

    fn close(&mut self) {
        self.pop.set_hidden(true);
        let _ = self.input.set_attribute("aria-expanded", "false");
        self.select(None);
    }

    fn render(&mut self, shown: &[Shown]) {
        let mut groups: Vec<u8> = Vec::new();
        for s in shown {
            if !groups.contains(&s.group) {
                groups.push(s.group);
            }
        }
        let mut html = String::new();
        let mut n = 0;
        for group in groups {
            let mut id = String::from("sg-");
            id.push(char::from(group));
            html.push_str("<div role=\"group\" aria-labelledby=\"");
            html.push_str(&id);
            html.push_str("\"><div role=\"presentation\" class=\"search-group\" id=\"");
            html.push_str(&id);
            html.push_str("\">");
            html.push_str(group_label(group));
            html.push_str("</div>");
            for s in shown.iter().filter(|s| s.group == group) {
                html.push_str("<a role=\"option\" class=\"search-opt\" tabindex=\"-1\" aria-selected=\"false\" id=\"so-");
                push_number(&mut html, n);
                html.push_str("\" href=\"");
                escape(&mut html, &self.root);
                escape(&mut html, &s.url);
                html.push_str("\"><span class=\"search-title\">");
                escape(&mut html, &s.title);
                html.push_str("</span><span class=\"search-snip\">");
                for (part, marked) in &s.snippet {
                    if *marked {
                        html.push_str("<mark>");
                    }
                    escape(&mut html, part);
                    if *marked {
                        html.push_str("</mark>");
                    }
                }
                html.push_str("</span></a>");
                n += 1;
            }
            html.push_str("</div>");
        }
        self.list.set_inner_html(&html);
        self.shown = n as usize;
        self.active = None;
        let _ = self.input.remove_attribute("aria-activedescendant");
        let mut status = String::new();
        match n {
            0 => status.push_str("No results."),
            1 => status.push_str("1 result."),
            // The list stops at LIMIT: say so, or "12 results." reads as all there are.
            _ if n as usize >= LIMIT => {
                status.push_str("The ");
                push_number(&mut status, n);
                status.push_str(" best results: add a word to narrow them.");
            }
            _ => {
                push_number(&mut status, n);
                status.push_str(" results.");
            }
        }
        self.status.set_text_content(Some(&status));
    }

    fn option(&self, i: usize) -> Option<Element> {
        let mut selector = String::from("#so-");
        push_number(&mut selector, i as u32);
        self.list.query_selector(&selector).ok().flatten()
    }

    fn select(&mut self, i: Option<usize>) {
        if let Some(old) = self.active.and_then(|a| self.option(a)) {
            let _ = old.set_attribute("aria-selected", "false");
        }
        self.active = i;
        match i.and_then(|i| self.option(i)) {
            Some(el) => {
                let _ = el.set_attribute("aria-selected", "true");
                let _ = self.input.set_attribute("aria-activedescendant", &el.id());
                el.scroll_into_view_with_bool(false);
            }
            None => {
                let _ = self.input.remove_attribute("aria-activedescendant");
            }
        }
    }
}

/// A file arrived (`text`) or failed (`None`): keep it and answer the query again.
fn arrived(path: String, text: Option<String>) {
    if let Ok(mut guard) = UI.0.try_borrow_mut() {
        if let Some(ui) = guard.as_mut() {
            let file = text.map_or(File::Failed, File::Ready);
            if let Some(entry) = ui.files.iter_mut().find(|f| f.0 == path) {
                entry.1 = file;
            }
        }
    }
    run();
}

fn on_key(event: Event) {
    let key = event.unchecked_ref::<KeyboardEvent>().key();
    let mut follow: Option<HtmlElement> = None;
    {
        let Ok(mut guard) = UI.0.try_borrow_mut() else {
            return;
        };
        let Some(ui) = guard.as_mut() else {
            return;
        };
        let open = !ui.pop.hidden();
        let n = ui.shown;
        match key.as_str() {
            "ArrowDown" | "ArrowUp" if n > 0 => {
                event.prevent_default();
                ui.open();
                let next = match (ui.active, key.as_str() == "ArrowDown") {
                    (None, true) => 0,
                    (None, false) => n - 1,
                    (Some(a), true) if a + 1 < n => a + 1,
                    (Some(_), true) => 0,
                    (Some(0), false) => n - 1,
                    (Some(a), false) => a - 1,
                };
                ui.select(Some(next));
            }
            "Enter" if open && n > 0 => {
                event.prevent_default();
                follow = ui
                    .option(ui.active.unwrap_or(0))
                    .map(JsCast::unchecked_into);
            }
            "Escape" if open => {
                event.prevent_default();
                ui.close();
            }
            _ => {}
        }
    }
    // Outside the borrow: the click runs the document's click listener.
    if let Some(link) = follow {
        link.click();
    }
}

/// A click outside the box closes the results.
fn on_click(event: Event) {
    let Ok(mut guard) = UI.0.try_borrow_mut() else {
        return;
    };
    let Some(ui) = guard.as_mut() else {
        return;
    };
    let target = event.target().and_then(|t| t.dyn_into::<Node>().ok());
    let search: &Node = &ui.search;
    if !search.contains(target.as_ref()) {
        ui.close();
    }
}
