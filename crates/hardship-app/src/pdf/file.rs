//! The PDF file itself, written with krilla: every page's operations drawn in Noto Sans Mono (embedded
//! and subsetted, with a ToUnicode map, so the text can be searched and copied), the running header and
//! footer, the document information and the bookmarks.
//!
//! The layout works in PDF points with the origin at the bottom left; krilla's surface has it at the top
//! left, so every y is flipped here, in one place.

use super::*;
use krilla::Document as PdfDocument;
use krilla::color::luma;
use krilla::destination::XyzDestination;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::outline::{Outline, OutlineNode};
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font as PdfFont, TextDirection};
use std::sync::OnceLock;

static REGULAR: &[u8] = include_bytes!("../../fonts/NotoSansMono-Regular.ttf");
static BOLD: &[u8] = include_bytes!("../../fonts/NotoSansMono-Bold.ttf");

/// The characters the embedded face has glyphs for (the regular and bold faces cover the same).
fn coverage() -> &'static std::collections::HashSet<u32> {
    static SET: OnceLock<std::collections::HashSet<u32>> = OnceLock::new();
    SET.get_or_init(|| {
        use skrifa::MetadataProvider;
        skrifa::FontRef::new(REGULAR)
            .map(|f| f.charmap().mappings().map(|(c, _)| c).collect())
            .unwrap_or_default()
    })
}

/// Whether the embedded face can print `c`.
pub(super) fn has_glyph(c: char) -> bool {
    c == ' ' || coverage().contains(&u32::from(c))
}

fn font(f: Font) -> Option<PdfFont> {
    static FACES: OnceLock<Option<(PdfFont, PdfFont)>> = OnceLock::new();
    let (regular, bold) = FACES
        .get_or_init(|| {
            Some((
                PdfFont::new(REGULAR.into(), 0)?,
                PdfFont::new(BOLD.into(), 0)?,
            ))
        })
        .as_ref()?;
    Some(match f {
        Font::Regular => regular.clone(),
        Font::Bold => bold.clone(),
    })
}

fn gray(g: f32) -> luma::Color {
    luma::Color::new((g.clamp(0.0, 1.0) * 255.0).round() as u8)
}

fn fill(g: f32) -> Fill {
    Fill {
        paint: gray(g).into(),
        ..Fill::default()
    }
}

fn stroke(g: f32, width: f32) -> Stroke {
    Stroke {
        paint: gray(g).into(),
        width,
        opacity: NormalizedF32::ONE,
        ..Stroke::default()
    }
}

/// A rectangle in layout coordinates (`y` its bottom) as krilla's (`y` its top, measured down).
fn rect(x: f32, y: f32, w: f32, h: f32) -> Option<Rect> {
    Rect::from_xywh(x, PAGE_H - y - h, w, h)
}

fn draw(surface: &mut Surface<'_>, op: &Op) {
    match op {
        Op::Text {
            font: f,
            size,
            x,
            y,
            gray: g,
            text,
        } => {
            let Some(face) = font(*f) else { return };
            let text: String = text.iter().collect();
            surface.set_fill(Some(fill(*g)));
            surface.set_stroke(None);
            surface.draw_text(
                Point::from_xy(*x, PAGE_H - y),
                face,
                *size,
                &text,
                false,
                TextDirection::Auto,
            );
        }
        Op::Line {
            from,
            to,
            width,
            gray: g,
        } => {
            let mut p = PathBuilder::new();
            p.move_to(from.0, PAGE_H - from.1);
            p.line_to(to.0, PAGE_H - to.1);
            if let Some(path) = p.finish() {
                surface.set_fill(None);
                surface.set_stroke(Some(stroke(*g, *width)));
                surface.draw_path(&path);
            }
        }
        Op::Frame {
            x,
            y,
            w,
            h,
            gray: g,
        } => {
            let mut p = PathBuilder::new();
            if let Some(r) = rect(*x, *y, *w, *h) {
                p.push_rect(r);
            }
            if let Some(path) = p.finish() {
                surface.set_fill(None);
                surface.set_stroke(Some(stroke(*g, 0.5)));
                surface.draw_path(&path);
            }
        }
        Op::Fill {
            x,
            y,
            w,
            h,
            gray: g,
        } => {
            let mut p = PathBuilder::new();
            if let Some(r) = rect(*x, *y, *w, *h) {
                p.push_rect(r);
            }
            if let Some(path) = p.finish() {
                surface.set_stroke(None);
                surface.set_fill(Some(fill(*g)));
                surface.draw_path(&path);
            }
        }
    }
}

/// The header (the title) and footer (the section, "Page N of M") of a page.
pub(super) fn running_ops(page: &Page, number: usize, total: usize, title: &str) -> Vec<Op> {
    if page.kind == PageKind::Cover {
        return Vec::new();
    }
    let width = chars_in(TEXT_W, RUNNING_SIZE);
    let gray = 0.3;
    let folio = chars(&format!("Page {number} of {total}"));
    let label_width = width.saturating_sub(folio.len() + 3);
    let mut ops = vec![
        Op::Text {
            font: Font::Bold,
            size: RUNNING_SIZE,
            x: LEFT,
            y: HEADER_BASELINE,
            gray,
            text: truncate(encode(title, false), width),
        },
        Op::Line {
            from: (LEFT, HEADER_RULE),
            to: (RIGHT, HEADER_RULE),
            width: 0.5,
            gray,
        },
        Op::Line {
            from: (LEFT, FOOTER_RULE),
            to: (RIGHT, FOOTER_RULE),
            width: 0.5,
            gray,
        },
        Op::Text {
            font: Font::Regular,
            size: RUNNING_SIZE,
            x: RIGHT - text_width(folio.len(), RUNNING_SIZE),
            y: FOOTER_BASELINE,
            gray,
            text: folio,
        },
    ];
    if label_width > 0 && !page.label.is_empty() {
        ops.push(Op::Text {
            font: Font::Regular,
            size: RUNNING_SIZE,
            x: LEFT,
            y: FOOTER_BASELINE,
            gray,
            text: truncate(page.label.clone(), label_width),
        });
    }
    ops
}

/// Writes the file: the document information, each page (its operations, then the running header and
/// footer), and the bookmarks (`outline`: title and 1-based page). Empty when krilla refuses the document,
/// which only a bug of ours can cause (the callers' tests render every kind of block).
pub(super) fn write_pdf(title: &str, pages: &[Page], outline: &[(String, usize)]) -> Vec<u8> {
    let total = pages.len();
    let mut doc = PdfDocument::new();
    doc.set_metadata(
        Metadata::new()
            .title(title.to_owned())
            .creator("hardship".to_owned())
            .producer("hardship".to_owned()),
    );
    for (i, page) in pages.iter().enumerate() {
        let Some(settings) = PageSettings::from_wh(PAGE_W, PAGE_H) else {
            continue;
        };
        let mut p = doc.start_page_with(settings);
        let mut surface = p.surface();
        for op in &page.ops {
            draw(&mut surface, op);
        }
        for op in running_ops(page, i + 1, total, title) {
            draw(&mut surface, &op);
        }
        surface.finish();
        p.finish();
    }
    let mut tree = Outline::new();
    for (text, page) in outline {
        let index = page.saturating_sub(1).min(total.saturating_sub(1));
        tree.push_child(OutlineNode::new(
            text.clone(),
            XyzDestination::new(index, Point::from_xy(0.0, 0.0)),
        ));
    }
    doc.set_outline(tree);
    doc.finish().unwrap_or_else(|e| {
        tracing::error!(error = ?e, "the PDF could not be written");
        Vec::new()
    })
}
