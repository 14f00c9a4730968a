//! Rendering the resolved site: HTML pages through tera, PDFs through typst.

pub mod markup;
