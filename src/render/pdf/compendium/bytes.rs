//! Prototype of the byte-level route, for measurement: every part is exported to a PDF of
//! its own (with its overlay), and the PDFs are merged with lopdf. Links between parts,
//! the outline, named destinations and the tag tree are not rebuilt.

use std::collections::BTreeMap;

use lopdf::{Dictionary, Document, Object, ObjectId};
use typst_layout::{Page, PagedDocument};
use typst_pdf::PdfOptions;

use super::merge;
use super::part::Part;
use super::super::in_parallel;

/// Exports each placed part on its own and merges the bytes.
pub(super) fn render(
    placed: &[(&Part, usize)],
    overlay: &Part,
    info: &typst::model::DocumentInfo,
    options: &PdfOptions,
) -> Result<Vec<u8>, String> {
    let pdfs = in_parallel(placed, |(part, first)| {
        let pages: Vec<Page> = part
            .pages
            .iter()
            .enumerate()
            .map(|(i, page)| merge::page(page, &overlay.pages[first + i]))
            .collect();
        let document = PagedDocument::new(pages.into(), info.clone());
        typst_pdf::pdf(&document, options).map_err(|_| "part export failed".to_string())
    });
    let mut documents = Vec::with_capacity(pdfs.len());
    for pdf in pdfs {
        let pdf = pdf?;
        documents.push(Document::load_mem(&pdf).map_err(|e| e.to_string())?);
    }
    merge_documents(documents)
}

fn merge_documents(documents: Vec<Document>) -> Result<Vec<u8>, String> {
    let mut max_id = 1;
    let mut pages: Vec<(ObjectId, Object)> = Vec::new();
    let mut objects: BTreeMap<ObjectId, Object> = BTreeMap::new();
    for mut document in documents {
        document.renumber_objects_with(max_id);
        max_id = document.max_id + 1;
        for (_, id) in document.get_pages() {
            if let Ok(object) = document.get_object(id) {
                pages.push((id, object.clone()));
            }
        }
        objects.extend(document.objects);
    }
    let mut merged = Document::with_version("1.7");
    let pages_id: ObjectId = (max_id, 0);
    let catalog_id: ObjectId = (max_id + 1, 0);
    for (id, object) in objects {
        let kind = object
            .as_dict()
            .ok()
            .and_then(|d| d.get(b"Type").ok())
            .and_then(|t| t.as_name().ok())
            .map(<[u8]>::to_vec);
        match kind.as_deref() {
            Some(b"Catalog") | Some(b"Pages") | Some(b"Page") | Some(b"Outlines")
            | Some(b"StructTreeRoot") => {}
            _ => {
                merged.objects.insert(id, object);
            }
        }
    }
    let mut kids = Vec::with_capacity(pages.len());
    for (id, object) in pages {
        if let Ok(mut dict) = object.as_dict().cloned() {
            dict.set("Parent", pages_id);
            dict.remove(b"StructParents");
            merged.objects.insert(id, Object::Dictionary(dict));
            kids.push(Object::Reference(id));
        }
    }
    let mut tree = Dictionary::new();
    tree.set("Type", "Pages");
    tree.set("Count", kids.len() as i64);
    tree.set("Kids", kids);
    merged.objects.insert(pages_id, Object::Dictionary(tree));
    let mut catalog = Dictionary::new();
    catalog.set("Type", "Catalog");
    catalog.set("Pages", pages_id);
    merged.objects.insert(catalog_id, Object::Dictionary(catalog));
    merged.trailer.set("Root", catalog_id);
    merged.max_id = max_id + 1;
    merged.renumber_objects();
    merged.compress();
    let mut out = Vec::new();
    merged.save_to(&mut out).map_err(|e| e.to_string())?;
    Ok(out)
}
