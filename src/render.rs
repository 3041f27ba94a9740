//! Render: format the site model with the theme's tera templates, in parallel.
//!
//! Templates receive plain data only (`site`, `section`, `page_title`, `page`) and cannot
//! do I/O. Autoescaping is on for every template, so text from content is escaped; the
//! only raw HTML inserted (`| safe`) is Markdown output, which went through the sanitizer.

use rayon::prelude::*;
use tera::{Context, Tera};
use thiserror::Error;

use crate::model::{Page, PageData, SiteModel};
use crate::theme::Theme;

/// A theme that cannot be used, or a page that cannot be rendered.
#[derive(Debug, Error)]
pub enum RenderError {
    /// A template has a syntax error or refers to a missing template.
    #[error("template error: {0}\n  help: fix the template (a custom template in templates/ or themes/ overrides the built-in one)")]
    Template(String),
    /// Rendering one page failed, usually a template using a variable that does not exist.
    #[error("cannot render {page} with template {template}: {message}")]
    Page {
        page: String,
        template: String,
        message: String,
    },
}

/// The theme's templates, compiled once and shared by all rendering threads.
pub struct Renderer {
    tera: Tera,
}

impl Renderer {
    pub fn new(theme: &Theme) -> Result<Renderer, RenderError> {
        let mut tera = Tera::new();
        tera.autoescape_on(vec![".html", ".xml", ".htm"]);
        tera.add_raw_templates(
            theme
                .templates
                .iter()
                .map(|(name, text)| (name.as_str(), text.as_str())),
        )
        .map_err(|err| RenderError::Template(error_chain(&err)))?;
        Ok(Renderer { tera })
    }

    /// Renders every page; returns (output file, HTML) in the model's page order.
    pub fn render_pages(&self, model: &SiteModel) -> Result<Vec<(String, String)>, RenderError> {
        model
            .pages
            .par_iter()
            .map(|page| Ok((page.output_file(), self.render_page(model, page)?)))
            .collect()
    }

    pub fn render_page(&self, model: &SiteModel, page: &Page) -> Result<String, RenderError> {
        let mut context = Context::new();
        context.insert("site", &model.site);
        context.insert("section", &page.section);
        context.insert("page_title", &page.title);
        context.insert("page_path", &page.path);
        context.insert("page", &page.data);
        context.insert("page_live", &page.is_live());
        if let PageData::Calendar(calendar) = &page.data {
            // The calendar templates take these at the top level.
            context.insert("calendar", &calendar.calendar);
            context.insert("month", &calendar.month);
        }
        self.tera
            .render(page.template, &context)
            .map_err(|err| RenderError::Page {
                page: page.output_file(),
                template: page.template.to_owned(),
                message: error_chain(&err),
            })
    }
}

/// Tera nests the useful message in its error sources.
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut message = err.to_string();
    let mut source = err.source();
    while let Some(inner) = source {
        message.push_str(": ");
        message.push_str(&inner.to_string());
        source = inner.source();
    }
    message
}
