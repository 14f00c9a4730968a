//! Rendering the resolved site: HTML pages through tera, PDFs through typst.

pub mod html;
pub mod markup;
pub mod pdf;
pub mod template_error;
