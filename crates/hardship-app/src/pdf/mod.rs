//! A document layout engine over pdf-writer, for the documents auditors read on paper: the
//! audit binder of a practice-year and the application packet of a hardship application.
//!
//! A [`Document`] is a title, a few cover lines and [`Section`]s of [`Block`]s (headings, paragraphs,
//! field/value lists, tables, boxed notes). [`render`] lays it out on US Letter pages (a cover, a table
//! of contents with the page number of every section, then the sections, each on a new page; every page
//! but the cover has a running header with the title and a footer "Page N of M") and writes the PDF.
//!
//! The layout is ours, and so is the font subset; pdf-writer writes the objects. Why: the documents are
//! simple and the output must be exactly predictable (every line fits its column, nothing runs off the
//! paper, a SHA-256 value wraps inside its cell, a word breaks only when it is longer than its column can
//! be made), which a layout engine of a few hundred lines gives; a monospaced face needs no shaping, and
//! its subset is a few tables (`font.rs`), where a general font stack was a fifth of the first build
//! (issue 17). The text is set in Noto Sans Mono (`fonts/`, SIL OFL), embedded and subsetted with a
//! ToUnicode map, so every name prints (Nguyễn, Łukasz, Núñez) and can be searched and copied; every glyph
//! is 600/1000 em wide, so wrapping counts characters and is exact, and table columns align. A character
//! the face lacks prints as `?`.
//!
//! Page numbers count the physical pages, cover included, so "Page 5" in a footer, in the table of
//! contents and in a PDF viewer are the same page.

/// The PDF file, through pdf-writer.
mod file;
/// Pages and the flow that fills them.
mod flow;
/// The embedded faces: character map, metrics, subsets.
mod font;
/// Tables and field/value lists.
mod grid;
#[cfg(test)]
mod tests;
/// Characters the face prints, and wrapping.
mod text;

use file::*;
use flow::*;
use grid::*;
use std::ops::Range;
use text::*;

// ---- the document model -------------------------------------------------------------------------------

/// A document to print.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Document {
    /// On the cover and in every page header.
    pub title: String,
    /// Cover lines under the title (organization, practice, TIN, year, generated at …).
    pub subtitle: Vec<String>,
    pub sections: Vec<Section>,
}

/// A part of the document; each starts on a new page and has an entry in the table of contents.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Section {
    pub title: String,
    pub blocks: Vec<Block>,
}

/// One element of a section, laid out top to bottom.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A sub-heading inside a section; kept on the same page as the first lines of what follows.
    Heading(String),
    /// Wrapped text; '\n' starts a new line.
    Paragraph(String),
    /// A two-column "field: value" list; values wrap under their column.
    KeyValues(Vec<(String, String)>),
    /// Cells wrap inside their column; the header row repeats after a page break. A row with more cells
    /// than there are columns gets extra, untitled columns (nothing is dropped); a table too wide for
    /// the page is printed in several parts of at most [`MAX_TABLE_COLUMNS`] columns.
    Table {
        columns: Vec<Column>,
        rows: Vec<Vec<String>>,
    },
    /// A boxed remark (e.g. a warning or "UNCONFIRMED").
    Note(String),
    /// Continue on a new page (nothing happens at the top of a page).
    PageBreak,
}

/// A table column.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub title: String,
    /// The column's relative share of the text width (non-positive or non-finite counts as 1).
    pub width: f32,
}

impl Column {
    pub fn new(title: impl Into<String>, width: f32) -> Self {
        Column {
            title: title.into(),
            width,
        }
    }
}

/// The PDF and what its layout came to.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub bytes: Vec<u8>,
    /// Pages in the file, cover included.
    pub pages: usize,
    /// The page (1-based, cover = 1) on which each section starts, as printed in the table of contents.
    pub section_pages: Vec<usize>,
}

/// The PDF bytes: a cover page, a table of contents with the page number of every section, the sections
/// (each starting on a new page), and on every page but the cover a header (the title) and a footer
/// "Page N of M".
pub fn render(doc: &Document) -> Vec<u8> {
    render_detailed(doc).bytes
}

/// [`render`], with the page count and the sections' first pages.
pub fn render_detailed(doc: &Document) -> Rendered {
    let layout = layout(doc);
    Rendered {
        bytes: write_pdf(&doc.title, &layout.pages, &layout.outline),
        pages: layout.pages.len(),
        section_pages: layout.section_pages,
    }
}

/// Every page of a document, laid out, with the bookmarks (title, 1-based page).
pub(super) struct Layout {
    pages: Vec<Page>,
    section_pages: Vec<usize>,
    outline: Vec<(String, usize)>,
}

pub(super) fn layout(doc: &Document) -> Layout {
    let cover = layout_cover(doc);
    let (body, starts) = layout_sections(doc);
    // Two passes: the sections are laid out first; the table of contents then needs its own page count
    // to number them. Its entries reserve a fixed width for the number, so the count does not depend on
    // the numbers; the loop only guards that assumption (it ends after one or two rounds).
    let mut contents = layout_contents(&doc.sections, &vec![0; starts.len()]);
    let mut numbers = Vec::new();
    for _ in 0..4 {
        let first_body = cover.len() + contents.len();
        numbers = starts.iter().map(|s| first_body + s + 1).collect();
        let again = layout_contents(&doc.sections, &numbers);
        let stable = again.len() == contents.len();
        contents = again;
        if stable {
            break;
        }
    }
    let mut outline = vec![("Contents".to_string(), cover.len() + 1)];
    outline.extend(
        doc.sections
            .iter()
            .zip(&numbers)
            .map(|(s, &n)| (s.title.clone(), n)),
    );
    let mut pages = cover;
    pages.extend(contents);
    pages.extend(body);
    Layout {
        pages,
        section_pages: numbers,
        outline,
    }
}

// ---- page geometry (PDF points, origin at the bottom left) --------------------------------------------

pub(super) const PAGE_W: f32 = 612.0;
pub(super) const PAGE_H: f32 = 792.0;
pub(super) const MARGIN: f32 = 54.0;
pub(super) const LEFT: f32 = MARGIN;
pub(super) const RIGHT: f32 = PAGE_W - MARGIN;
pub(super) const TEXT_W: f32 = RIGHT - LEFT;
pub(super) const TOP: f32 = PAGE_H - MARGIN;
pub(super) const BOTTOM: f32 = MARGIN;
// The running header and footer sit inside the margins, so nothing at all is printed outside them.
pub(super) const RUNNING_SIZE: f32 = 8.5;
pub(super) const HEADER_BASELINE: f32 = TOP - 10.0;
pub(super) const HEADER_RULE: f32 = TOP - 15.0;
pub(super) const BODY_TOP: f32 = TOP - 26.0;
pub(super) const FOOTER_BASELINE: f32 = BOTTOM + 6.0;
pub(super) const FOOTER_RULE: f32 = BOTTOM + 17.0;
pub(super) const BODY_BOTTOM: f32 = BOTTOM + 26.0;

/// Noto Sans Mono's advance width, in em: the same for every glyph, regular and bold.
pub(super) const GLYPH_EM: f32 = 0.6;

pub(super) const BODY_SIZE: f32 = 10.0;
pub(super) const BODY_LEAD: f32 = 13.0;
pub(super) const TABLE_SIZE: f32 = 8.0;
pub(super) const TABLE_LEAD: f32 = 10.0;
pub(super) const CELL_PAD_X: f32 = 3.0;
pub(super) const CELL_PAD_Y: f32 = 2.0;
pub(super) const H1_SIZE: f32 = 16.0;
pub(super) const H1_LEAD: f32 = 20.0;
pub(super) const H2_SIZE: f32 = 12.0;
pub(super) const H2_LEAD: f32 = 16.0;
pub(super) const COVER_SIZE: f32 = 20.0;
pub(super) const COVER_LEAD: f32 = 26.0;
pub(super) const COVER_SUB_SIZE: f32 = 11.0;
pub(super) const COVER_SUB_LEAD: f32 = 16.0;
pub(super) const TOC_LEAD: f32 = 15.0;
pub(super) const NOTE_PAD: f32 = 6.0;
pub(super) const NOTE_INDENT: f32 = 10.0;
pub(super) const BLOCK_GAP: f32 = 8.0;
pub(super) const GRID_GRAY: f32 = 0.55;

/// The most columns a table part has: each needs room for one character and its padding.
pub const MAX_TABLE_COLUMNS: usize = (TEXT_W / (GLYPH_EM * TABLE_SIZE + 2.0 * CELL_PAD_X)) as usize;

/// How many characters of a font size fit in a width (at least one, so wrapping always progresses).
pub(super) fn chars_in(width: f32, size: f32) -> usize {
    let n = (width / (GLYPH_EM * size) + 1e-3).floor();
    if n.is_finite() && n >= 1.0 {
        n as usize
    } else {
        1
    }
}

pub(super) fn text_width(chars: usize, size: f32) -> f32 {
    chars as f32 * GLYPH_EM * size
}

/// The baseline of a line whose box (its leading) starts at `top`: the glyphs are centred in the box.
pub(super) fn baseline(top: f32, size: f32, lead: f32) -> f32 {
    top - (lead - size) / 2.0 - 0.8 * size
}
