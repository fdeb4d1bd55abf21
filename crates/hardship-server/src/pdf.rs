//! A small PDF writer with a document layout engine, for the documents auditors read on paper: the
//! audit binder of a practice-year and the application packet of a hardship application.
//!
//! A [`Document`] is a title, a few cover lines and [`Section`]s of [`Block`]s (headings, paragraphs,
//! field/value lists, tables, boxed notes). [`render`] lays it out on US Letter pages (a cover, a table
//! of contents with the page number of every section, then the sections, each on a new page; every page
//! but the cover has a running header with the title and a footer "Page N of M") and writes PDF 1.4.
//!
//! Why by hand: the documents are simple, the output must be exactly predictable (every line fits its
//! column, nothing runs off the paper, a SHA-256 value wraps inside its cell), and a PDF crate would
//! bring a large dependency tree for what is a few hundred lines. The text is set in Courier, one of the
//! standard Type 1 fonts every PDF reader has (nothing is embedded): every glyph is 600/1000 em wide, so
//! wrapping counts characters and is exact, and table columns align. Text is encoded in
//! `WinAnsiEncoding`; characters it has no glyph for print as `?`. The content streams are not
//! compressed: the files stay small enough, and a reader (or a test) can see what is on each page.
//!
//! Page numbers count the physical pages, cover included, so "Page 5" in a footer, in the table of
//! contents and in a PDF viewer are the same page.

use std::fmt::Write as _;
use std::ops::Range;

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
struct Layout {
    pages: Vec<Page>,
    section_pages: Vec<usize>,
    outline: Vec<(String, usize)>,
}

fn layout(doc: &Document) -> Layout {
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

const PAGE_W: f32 = 612.0;
const PAGE_H: f32 = 792.0;
const MARGIN: f32 = 54.0;
const LEFT: f32 = MARGIN;
const RIGHT: f32 = PAGE_W - MARGIN;
const TEXT_W: f32 = RIGHT - LEFT;
const TOP: f32 = PAGE_H - MARGIN;
const BOTTOM: f32 = MARGIN;
// The running header and footer sit inside the margins, so nothing at all is printed outside them.
const RUNNING_SIZE: f32 = 8.5;
const HEADER_BASELINE: f32 = TOP - 10.0;
const HEADER_RULE: f32 = TOP - 15.0;
const BODY_TOP: f32 = TOP - 26.0;
const FOOTER_BASELINE: f32 = BOTTOM + 6.0;
const FOOTER_RULE: f32 = BOTTOM + 17.0;
const BODY_BOTTOM: f32 = BOTTOM + 26.0;

/// Courier's advance width, in em: the same for every glyph, regular and bold.
const GLYPH_EM: f32 = 0.6;

const BODY_SIZE: f32 = 10.0;
const BODY_LEAD: f32 = 13.0;
const TABLE_SIZE: f32 = 8.0;
const TABLE_LEAD: f32 = 10.0;
const CELL_PAD_X: f32 = 3.0;
const CELL_PAD_Y: f32 = 2.0;
const H1_SIZE: f32 = 16.0;
const H1_LEAD: f32 = 20.0;
const H2_SIZE: f32 = 12.0;
const H2_LEAD: f32 = 16.0;
const COVER_SIZE: f32 = 20.0;
const COVER_LEAD: f32 = 26.0;
const COVER_SUB_SIZE: f32 = 11.0;
const COVER_SUB_LEAD: f32 = 16.0;
const TOC_LEAD: f32 = 15.0;
const NOTE_PAD: f32 = 6.0;
const NOTE_INDENT: f32 = 10.0;
const BLOCK_GAP: f32 = 8.0;
const GRID_GRAY: f32 = 0.55;

/// The most columns a table part has: each needs room for one character and its padding.
pub const MAX_TABLE_COLUMNS: usize = (TEXT_W / (GLYPH_EM * TABLE_SIZE + 2.0 * CELL_PAD_X)) as usize;

/// How many characters of a font size fit in a width (at least one, so wrapping always progresses).
fn chars_in(width: f32, size: f32) -> usize {
    let n = (width / (GLYPH_EM * size) + 1e-3).floor();
    if n.is_finite() && n >= 1.0 {
        n as usize
    } else {
        1
    }
}

fn text_width(chars: usize, size: f32) -> f32 {
    chars as f32 * GLYPH_EM * size
}

/// The baseline of a line whose box (its leading) starts at `top`: the glyphs are centred in the box.
fn baseline(top: f32, size: f32, lead: f32) -> f32 {
    top - (lead - size) / 2.0 - 0.8 * size
}

// ---- text: WinAnsiEncoding, wrapping --------------------------------------------------------------------

/// Maps text to `WinAnsiEncoding` bytes. With `multiline`, '\n' (and "\r\n", '\r') stays a line break;
/// otherwise it becomes a space. Tabs become spaces, invisible characters (soft hyphens, zero-width
/// spaces, combining accents after their letter) are dropped, and everything else without a WinAnsi
/// glyph, control characters included, becomes '?'.
fn encode(s: &str, multiline: bool) -> Vec<u8> {
    let newline = if multiline { b'\n' } else { b' ' };
    let mut out = Vec::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => out.push(newline),
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push(newline);
                }
            }
            '\t' => out.push(b' '),
            '\u{AD}'
            | '\u{200B}'..='\u{200D}'
            | '\u{2060}'
            | '\u{FEFF}'
            | '\u{0300}'..='\u{036F}' => {}
            c => out.push(winansi(c).unwrap_or(b'?')),
        }
    }
    out
}

/// The WinAnsiEncoding (Windows-1252) byte of a printable character, if it has one.
fn winansi(c: char) -> Option<u8> {
    let code = u32::from(c);
    if (0x20..0x7F).contains(&code) || (0xA0..=0xFF).contains(&code) {
        return u8::try_from(code).ok();
    }
    Some(match c {
        '€' => 0x80,
        '‚' => 0x82,
        'ƒ' => 0x83,
        '„' => 0x84,
        '…' => 0x85,
        '†' => 0x86,
        '‡' => 0x87,
        'ˆ' => 0x88,
        '‰' => 0x89,
        'Š' => 0x8A,
        '‹' => 0x8B,
        'Œ' => 0x8C,
        'Ž' => 0x8E,
        '‘' => 0x91,
        '’' => 0x92,
        '“' => 0x93,
        '”' => 0x94,
        '•' => 0x95,
        '–' => 0x96,
        '—' => 0x97,
        '˜' => 0x98,
        '™' => 0x99,
        'š' => 0x9A,
        '›' => 0x9B,
        'œ' => 0x9C,
        'ž' => 0x9E,
        'Ÿ' => 0x9F,
        // Look-alikes WinAnsi lacks: the other Unicode spaces and hyphens.
        '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}' => b' ',
        '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2212}' => b'-',
        '\u{2015}' => 0x97,
        '\u{2032}' => b'\'',
        '\u{2033}' => b'"',
        _ => return None,
    })
}

/// Wraps encoded text into lines of at most `width` characters: by words (runs of spaces separate them,
/// '\n' forces a break, an empty line stays), and a word longer than a line starts on a line of its own
/// and is cut into pieces: a hash or an id at exactly `width` characters, a file name or URL after a
/// punctuation mark when there is one in the second half of the piece.
fn wrap(text: &[u8], width: usize) -> Vec<Vec<u8>> {
    let width = width.max(1);
    let mut out = Vec::new();
    for hard in text.split(|&b| b == b'\n') {
        let mut line: Vec<u8> = Vec::new();
        for word in hard.split(|&b| b == b' ').filter(|w| !w.is_empty()) {
            let need = if line.is_empty() {
                word.len()
            } else {
                line.len() + 1 + word.len()
            };
            if need <= width {
                if !line.is_empty() {
                    line.push(b' ');
                }
                line.extend_from_slice(word);
                continue;
            }
            if !line.is_empty() {
                out.push(std::mem::take(&mut line));
            }
            let mut rest = word;
            while rest.len() > width {
                let cut = break_point(&rest[..width]);
                out.push(rest[..cut].to_vec());
                rest = &rest[cut..];
            }
            line = rest.to_vec();
        }
        out.push(line);
    }
    out
}

/// Where to cut an over-long word that starts with `piece` (a line's width of it): after the last
/// separator of a file name, path or URL in its second half ("-", "/" before "."), else at the full
/// width (a hash, an id).
fn break_point(piece: &[u8]) -> usize {
    let after_last = |set: &[u8]| {
        piece
            .iter()
            .rposition(|b| set.contains(b))
            .map(|at| at + 1)
            .filter(|&cut| cut >= piece.len().div_ceil(2) && cut < piece.len())
    };
    after_last(b"-/_\\&?=")
        .or_else(|| after_last(b".,;:"))
        .unwrap_or(piece.len())
}

/// Cuts a single line to `width` characters, ending it with "..." when something was cut.
fn truncate(mut text: Vec<u8>, width: usize) -> Vec<u8> {
    if text.len() > width {
        text.truncate(width.saturating_sub(3));
        text.extend_from_slice(&b"..."[..width.min(3)]);
    }
    text
}

// ---- pages and the flow that fills them ----------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq)]
enum Font {
    Regular,
    Bold,
}

/// A drawing operation on a page.
#[derive(Debug, Clone, PartialEq)]
enum Op {
    Text {
        font: Font,
        size: f32,
        x: f32,
        y: f32,
        gray: f32,
        text: Vec<u8>,
    },
    Line {
        from: (f32, f32),
        to: (f32, f32),
        width: f32,
        gray: f32,
    },
    /// A stroked rectangle; `y` is its bottom.
    Frame {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        gray: f32,
    },
    /// A filled rectangle; `y` is its bottom.
    Fill {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        gray: f32,
    },
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum PageKind {
    /// No running header or footer.
    Cover,
    Body,
}

#[derive(Debug, Clone)]
struct Page {
    kind: PageKind,
    /// Left of the footer: the section (or "Contents").
    label: Vec<u8>,
    ops: Vec<Op>,
}

/// Fills pages top to bottom. `y` is the top of the next line's box.
struct Flow {
    pages: Vec<Page>,
    kind: PageKind,
    label: Vec<u8>,
    top: f32,
    bottom: f32,
    y: f32,
}

impl Flow {
    fn new(kind: PageKind) -> Self {
        let (top, bottom) = match kind {
            PageKind::Cover => (TOP, BOTTOM),
            PageKind::Body => (BODY_TOP, BODY_BOTTOM),
        };
        Flow {
            pages: Vec::new(),
            kind,
            label: Vec::new(),
            top,
            bottom,
            y: top,
        }
    }

    fn new_page(&mut self) {
        self.pages.push(Page {
            kind: self.kind,
            label: self.label.clone(),
            ops: Vec::new(),
        });
        self.y = self.top;
    }

    fn page_index(&self) -> usize {
        self.pages.len().saturating_sub(1)
    }

    fn at_top(&self) -> bool {
        self.y >= self.top - 0.01
    }

    fn room(&self) -> f32 {
        self.y - self.bottom
    }

    fn usable(&self) -> f32 {
        self.top - self.bottom
    }

    /// Starts a new page unless `height` fits on this one (or this one is still empty: what does not fit
    /// on an empty page is split by the caller, not pushed along forever).
    fn ensure(&mut self, height: f32) {
        if self.pages.is_empty() || (height > self.room() + 0.01 && !self.at_top()) {
            self.new_page();
        }
    }

    /// Vertical space, dropped at the top of a page and cut at its bottom.
    fn gap(&mut self, height: f32) {
        if !self.at_top() {
            self.y = (self.y - height).max(self.bottom);
        }
    }

    fn push(&mut self, op: Op) {
        if self.pages.is_empty() {
            self.new_page();
        }
        if let Some(page) = self.pages.last_mut() {
            page.ops.push(op);
        }
    }

    fn ops_len(&self) -> usize {
        self.pages.last().map_or(0, |p| p.ops.len())
    }

    fn insert(&mut self, index: usize, op: Op) {
        if let Some(page) = self.pages.last_mut() {
            let index = index.min(page.ops.len());
            page.ops.insert(index, op);
        }
    }

    fn text(&mut self, font: Font, size: f32, x: f32, y: f32, text: Vec<u8>) {
        if !text.is_empty() {
            self.push(Op::Text {
                font,
                size,
                x,
                y,
                gray: 0.0,
                text,
            });
        }
    }

    /// Sets one line at the cursor (on a new page if it does not fit) and moves the cursor below it.
    fn line(&mut self, font: Font, size: f32, lead: f32, x: f32, text: Vec<u8>) {
        self.ensure(lead);
        let y = baseline(self.y, size, lead);
        self.text(font, size, x, y, text);
        self.y -= lead;
    }

    fn rule(&mut self, y: f32, width: f32, gray: f32) {
        self.push(Op::Line {
            from: (LEFT, y),
            to: (RIGHT, y),
            width,
            gray,
        });
    }
}

// ---- cover, contents, sections -------------------------------------------------------------------------

fn layout_cover(doc: &Document) -> Vec<Page> {
    let mut flow = Flow::new(PageKind::Cover);
    flow.new_page();
    // The title block starts a third of the way down, like a report cover.
    flow.y = 560.0;
    flow.push(Op::Line {
        from: (LEFT, flow.y + 14.0),
        to: (RIGHT, flow.y + 14.0),
        width: 2.0,
        gray: 0.0,
    });
    let title = if doc.title.trim().is_empty() {
        "Untitled document"
    } else {
        doc.title.as_str()
    };
    for line in wrap(&encode(title, true), chars_in(TEXT_W, COVER_SIZE)) {
        flow.line(Font::Bold, COVER_SIZE, COVER_LEAD, LEFT, line);
    }
    flow.gap(6.0);
    if !flow.at_top() {
        let y = flow.y;
        flow.rule(y, 0.75, 0.0);
    }
    flow.gap(14.0);
    for sub in &doc.subtitle {
        for line in wrap(&encode(sub, true), chars_in(TEXT_W, COVER_SUB_SIZE)) {
            flow.line(Font::Regular, COVER_SUB_SIZE, COVER_SUB_LEAD, LEFT, line);
        }
    }
    flow.pages
}

/// Characters kept free at the end of a contents entry for the leader dots and the page number.
const TOC_RESERVE: usize = 8;

/// The table of contents, numbering section `i` with `numbers[i]`.
fn layout_contents(sections: &[Section], numbers: &[usize]) -> Vec<Page> {
    let mut flow = Flow::new(PageKind::Body);
    flow.label = b"Contents".to_vec();
    flow.new_page();
    section_title(&mut flow, "Contents");
    if sections.is_empty() {
        flow.line(
            Font::Regular,
            BODY_SIZE,
            BODY_LEAD,
            LEFT,
            b"This document has no sections.".to_vec(),
        );
    }
    let width = chars_in(TEXT_W, BODY_SIZE);
    for (i, section) in sections.iter().enumerate() {
        let number = numbers.get(i).copied().unwrap_or(0).to_string();
        let mut lines = wrap(
            &encode(&section.title, false),
            width.saturating_sub(TOC_RESERVE),
        );
        if let Some(last) = lines.last_mut() {
            let dots = width.saturating_sub(last.len() + number.len() + 2);
            last.push(b' ');
            last.extend(std::iter::repeat_n(b'.', dots));
            last.push(b' ');
            last.extend_from_slice(number.as_bytes());
        }
        flow.ensure(lines.len() as f32 * TOC_LEAD);
        for line in lines {
            flow.line(Font::Regular, BODY_SIZE, TOC_LEAD, LEFT, line);
        }
    }
    flow.pages
}

/// The sections' pages, and the index (0-based, among these pages) of each section's first page.
fn layout_sections(doc: &Document) -> (Vec<Page>, Vec<usize>) {
    let mut flow = Flow::new(PageKind::Body);
    let mut starts = Vec::with_capacity(doc.sections.len());
    for section in &doc.sections {
        flow.label = encode(&section.title, false);
        flow.new_page();
        starts.push(flow.page_index());
        section_title(&mut flow, &section.title);
        if section.blocks.is_empty() {
            gray_line(&mut flow, b"(This section is empty.)");
        }
        for (i, block) in section.blocks.iter().enumerate() {
            layout_block(&mut flow, block, section.blocks.get(i + 1));
        }
    }
    (flow.pages, starts)
}

fn section_title(flow: &mut Flow, title: &str) {
    for line in wrap(&encode(title, true), chars_in(TEXT_W, H1_SIZE)) {
        flow.line(Font::Bold, H1_SIZE, H1_LEAD, LEFT, line);
    }
    let y = flow.y - 3.0;
    flow.rule(y, 1.0, 0.0);
    flow.y -= 14.0;
}

fn gray_line(flow: &mut Flow, text: &[u8]) {
    flow.ensure(BODY_LEAD);
    let y = baseline(flow.y, BODY_SIZE, BODY_LEAD);
    flow.push(Op::Text {
        font: Font::Regular,
        size: BODY_SIZE,
        x: LEFT,
        y,
        gray: 0.4,
        text: text.to_vec(),
    });
    flow.y -= BODY_LEAD;
    flow.gap(BLOCK_GAP);
}

fn layout_block(flow: &mut Flow, block: &Block, next: Option<&Block>) {
    match block {
        Block::Heading(text) => heading(flow, text, next),
        Block::Paragraph(text) => paragraph(flow, text),
        Block::KeyValues(pairs) => key_values(flow, pairs),
        Block::Table { columns, rows } => table(flow, columns, rows),
        Block::Note(text) => note(flow, text),
        Block::PageBreak => {
            if !flow.at_top() {
                flow.new_page();
            }
        }
    }
}

/// The height of the first lines of a block, which a heading before it must share a page with.
fn lead_height(block: &Block) -> f32 {
    // Only the start of a long text decides its first lines.
    fn head(s: &str) -> String {
        s.chars().take(1000).collect()
    }
    let body_lines =
        |s: &str, width: f32| wrap(&encode(&head(s), true), chars_in(width, BODY_SIZE)).len();
    match block {
        Block::Heading(_) => H2_LEAD,
        Block::Paragraph(text) => body_lines(text, TEXT_W).min(2) as f32 * BODY_LEAD,
        Block::KeyValues(pairs) => pairs.first().map_or(0.0, |(key, value)| {
            let grid = key_value_grid(pairs);
            let lines = cell_lines(&grid, 0, &head(key))
                .len()
                .max(cell_lines(&grid, 1, &head(value)).len());
            lines.min(3) as f32 * BODY_LEAD
        }),
        Block::Table { columns, rows } => {
            let ncols = table_columns(columns, rows);
            if ncols == 0 {
                return BODY_LEAD;
            }
            let end = ncols.min(MAX_TABLE_COLUMNS);
            let grid = table_grid(&table_shares(columns, ncols)[..end]);
            let header = header_cells(&grid, columns, 0..end);
            let first = rows.first().map_or(1, |row| {
                (0..end)
                    .map(|c| cell_lines(&grid, c, &head(cell(row, c))).len())
                    .max()
                    .unwrap_or(1)
            });
            grid.height(lines_of(&header)) + grid.height(first.min(3))
        }
        Block::Note(text) => {
            2.0 * NOTE_PAD + body_lines(text, TEXT_W - 2.0 * NOTE_INDENT).min(2) as f32 * BODY_LEAD
        }
        Block::PageBreak => 0.0,
    }
}

fn heading(flow: &mut Flow, text: &str, next: Option<&Block>) {
    let lines = wrap(&encode(text, true), chars_in(TEXT_W, H2_SIZE));
    flow.gap(4.0);
    let own = lines.len() as f32 * H2_LEAD + 3.0;
    flow.ensure(own + next.map_or(0.0, lead_height));
    for line in lines {
        flow.line(Font::Bold, H2_SIZE, H2_LEAD, LEFT, line);
    }
    flow.gap(3.0);
}

fn paragraph(flow: &mut Flow, text: &str) {
    let lines = wrap(&encode(text, true), chars_in(TEXT_W, BODY_SIZE));
    // No single first line alone at the foot of a page.
    flow.ensure(lines.len().min(2) as f32 * BODY_LEAD);
    for line in lines {
        flow.line(Font::Regular, BODY_SIZE, BODY_LEAD, LEFT, line);
    }
    flow.gap(BLOCK_GAP);
}

fn note(flow: &mut Flow, text: &str) {
    let lines = wrap(
        &encode(text, true),
        chars_in(TEXT_W - 2.0 * NOTE_INDENT, BODY_SIZE),
    );
    flow.ensure(2.0 * NOTE_PAD + lines.len().min(2) as f32 * BODY_LEAD);
    // The box is drawn per page when the note continues on the next one; its fill goes under the text.
    let mut start = (flow.ops_len(), flow.y);
    flow.y -= NOTE_PAD;
    for line in lines {
        if BODY_LEAD + NOTE_PAD > flow.room() + 0.01 {
            close_note_box(flow, start);
            flow.new_page();
            start = (flow.ops_len(), flow.y);
            flow.y -= NOTE_PAD;
        }
        let y = baseline(flow.y, BODY_SIZE, BODY_LEAD);
        flow.text(Font::Regular, BODY_SIZE, LEFT + NOTE_INDENT, y, line);
        flow.y -= BODY_LEAD;
    }
    flow.y -= NOTE_PAD;
    close_note_box(flow, start);
    flow.gap(BLOCK_GAP);
}

fn close_note_box(flow: &mut Flow, (index, top): (usize, f32)) {
    let bottom = flow.y.max(flow.bottom);
    let h = top - bottom;
    flow.insert(
        index,
        Op::Fill {
            x: LEFT,
            y: bottom,
            w: TEXT_W,
            h,
            gray: 0.93,
        },
    );
    flow.push(Op::Fill {
        x: LEFT,
        y: bottom,
        w: 3.0,
        h,
        gray: 0.2,
    });
    flow.push(Op::Frame {
        x: LEFT,
        y: bottom,
        w: TEXT_W,
        h,
        gray: 0.45,
    });
}

// ---- grids: tables and field/value lists ----------------------------------------------------------------

/// Column positions and text metrics of a table (or a field/value list).
struct Grid {
    x: Vec<f32>,
    w: Vec<f32>,
    /// Characters per line in each column.
    chars: Vec<usize>,
    fonts: Vec<Font>,
    size: f32,
    lead: f32,
    pad_x: f32,
    pad_y: f32,
    borders: bool,
}

impl Grid {
    fn height(&self, lines: usize) -> f32 {
        lines as f32 * self.lead + 2.0 * self.pad_y
    }
}

/// Cells of one row: per column, its wrapped lines.
type Cells = Vec<Vec<Vec<u8>>>;

fn lines_of(cells: &Cells) -> usize {
    cells.iter().map(Vec::len).max().unwrap_or(0)
}

fn cell_lines(grid: &Grid, column: usize, text: &str) -> Vec<Vec<u8>> {
    wrap(
        &encode(text, true),
        grid.chars.get(column).copied().unwrap_or(1),
    )
}

fn cell(row: &[String], column: usize) -> &str {
    row.get(column).map_or("", String::as_str)
}

/// Columns of a table: the declared ones, plus untitled ones for rows with more cells.
fn table_columns(columns: &[Column], rows: &[Vec<String>]) -> usize {
    rows.iter().map(Vec::len).fold(columns.len(), usize::max)
}

/// Relative widths in (0, 1]; undeclared columns get the mean of the declared ones.
fn table_shares(columns: &[Column], ncols: usize) -> Vec<f32> {
    let raw: Vec<f32> = columns
        .iter()
        .map(|c| {
            if c.width.is_finite() && c.width > 0.0 {
                c.width
            } else {
                1.0
            }
        })
        .collect();
    let max = raw.iter().copied().fold(0.0_f32, f32::max);
    let mut shares: Vec<f32> = raw.iter().map(|s| s / max).collect();
    let mean = if shares.is_empty() {
        1.0
    } else {
        shares.iter().sum::<f32>() / shares.len() as f32
    };
    shares.resize(ncols, mean);
    shares
}

/// Splits the text width among columns in proportion to their shares, none narrower than one character
/// and its padding (the narrow ones are fixed at that minimum and the rest is shared again).
fn column_widths(shares: &[f32], total: f32, min: f32) -> Vec<f32> {
    let n = shares.len();
    let mut fixed = vec![false; n];
    loop {
        let free = total - min * fixed.iter().filter(|&&f| f).count() as f32;
        let sum: f32 = shares
            .iter()
            .zip(&fixed)
            .filter(|(_, f)| !**f)
            .map(|(s, _)| s)
            .sum();
        let widths: Vec<f32> = shares
            .iter()
            .zip(&fixed)
            .map(|(s, &f)| if f || sum <= 0.0 { min } else { free * s / sum })
            .collect();
        let mut changed = false;
        for (i, w) in widths.iter().enumerate() {
            if !fixed[i] && *w < min {
                fixed[i] = true;
                changed = true;
            }
        }
        if !changed {
            return widths;
        }
    }
}

fn table_grid(shares: &[f32]) -> Grid {
    let min = GLYPH_EM * TABLE_SIZE + 2.0 * CELL_PAD_X;
    let w = column_widths(shares, TEXT_W, min);
    let mut x = Vec::with_capacity(w.len());
    let mut at = LEFT;
    for width in &w {
        x.push(at);
        at += width;
    }
    Grid {
        chars: w
            .iter()
            .map(|w| chars_in(w - 2.0 * CELL_PAD_X, TABLE_SIZE))
            .collect(),
        fonts: vec![Font::Regular; w.len()],
        x,
        w,
        size: TABLE_SIZE,
        lead: TABLE_LEAD,
        pad_x: CELL_PAD_X,
        pad_y: CELL_PAD_Y,
        borders: true,
    }
}

/// The header row of a table part (empty when no column has a title), capped so that it can never take
/// more than a third of a page: it repeats on every page of the table.
fn header_cells(grid: &Grid, columns: &[Column], range: Range<usize>) -> Cells {
    let declared = range.start.min(columns.len())..range.end.min(columns.len());
    if !columns
        .get(declared)
        .unwrap_or_default()
        .iter()
        .any(|c| !c.title.trim().is_empty())
    {
        return Vec::new();
    }
    let max_lines =
        (((BODY_TOP - BODY_BOTTOM) / 3.0 - 2.0 * grid.pad_y) / grid.lead).max(1.0) as usize;
    range
        .enumerate()
        .map(|(i, c)| {
            let title = columns.get(c).map_or("", |c| c.title.as_str());
            let mut lines = cell_lines(grid, i, title);
            if lines.len() > max_lines {
                lines.truncate(max_lines);
                if let Some(last) = lines.last_mut() {
                    let width = grid.chars.get(i).copied().unwrap_or(1);
                    let mut cut = std::mem::take(last);
                    cut.extend_from_slice(b"...");
                    *last = truncate(cut, width);
                }
            }
            lines
        })
        .collect()
}

fn table(flow: &mut Flow, columns: &[Column], rows: &[Vec<String>]) {
    let ncols = table_columns(columns, rows);
    if ncols == 0 {
        gray_line(flow, b"(empty table)");
        return;
    }
    let shares = table_shares(columns, ncols);
    let mut start = 0;
    while start < ncols {
        let end = (start + MAX_TABLE_COLUMNS).min(ncols);
        if start > 0 {
            let caption = format!("Table continued: columns {} to {end} of {ncols}", start + 1);
            flow.ensure(BODY_LEAD + 3.0 * TABLE_LEAD);
            gray_line(flow, caption.as_bytes());
        }
        let grid = table_grid(shares.get(start..end).unwrap_or_default());
        let header = header_cells(&grid, columns, start..end);
        if rows.is_empty() {
            place_rows(flow, &grid, &header, std::iter::empty());
            flow.ensure(grid.height(1));
            let top = flow.y;
            let h = grid.height(1);
            flow.push(Op::Frame {
                x: LEFT,
                y: top - h,
                w: TEXT_W,
                h,
                gray: GRID_GRAY,
            });
            let y = baseline(top - grid.pad_y, grid.size, grid.lead);
            flow.push(Op::Text {
                font: Font::Regular,
                size: grid.size,
                x: LEFT + grid.pad_x,
                y,
                gray: 0.4,
                text: b"(no rows)".to_vec(),
            });
            flow.y -= h;
        } else {
            let cells = rows.iter().map(|row| {
                (start..end)
                    .enumerate()
                    .map(|(i, c)| cell_lines(&grid, i, cell(row, c)))
                    .collect::<Cells>()
            });
            place_rows(flow, &grid, &header, cells);
        }
        flow.gap(BLOCK_GAP);
        start = end;
    }
}

/// A field/value list is a borderless two-column grid: the fields in bold, as wide as the longest one
/// (within limits), the values wrapping in the rest of the line.
fn key_value_grid(pairs: &[(String, String)]) -> Grid {
    let total = chars_in(TEXT_W, BODY_SIZE);
    let longest = pairs
        .iter()
        .map(|(k, _)| encode(&key_label(k), false).len())
        .max()
        .unwrap_or(0);
    let key_chars = longest.clamp(8, total * 3 / 10);
    let key_w = text_width(key_chars + 2, BODY_SIZE);
    Grid {
        x: vec![LEFT, LEFT + key_w],
        w: vec![key_w, TEXT_W - key_w],
        chars: vec![key_chars, total - key_chars - 2],
        fonts: vec![Font::Bold, Font::Regular],
        size: BODY_SIZE,
        lead: BODY_LEAD,
        pad_x: 0.0,
        pad_y: 1.0,
        borders: false,
    }
}

fn key_label(key: &str) -> String {
    let key = key.trim_end();
    if key.is_empty() || key.ends_with(':') {
        key.to_string()
    } else {
        format!("{key}:")
    }
}

fn key_values(flow: &mut Flow, pairs: &[(String, String)]) {
    if pairs.is_empty() {
        return;
    }
    let grid = key_value_grid(pairs);
    let rows = pairs.iter().map(|(key, value)| {
        vec![
            cell_lines(&grid, 0, &key_label(key)),
            cell_lines(&grid, 1, value),
        ]
    });
    place_rows(flow, &grid, &Vec::new(), rows);
    flow.gap(BLOCK_GAP);
}

/// Places rows under a header that repeats on every page. A row that does not fit moves to the next
/// page; one taller than a page is split between lines.
fn place_rows(flow: &mut Flow, grid: &Grid, header: &Cells, rows: impl Iterator<Item = Cells>) {
    let header_h = if header.is_empty() {
        0.0
    } else {
        grid.height(lines_of(header))
    };
    let mut rows = rows.peekable();
    // Keep the header with the first row, or with its first lines when it is taller than a page.
    let first = rows.peek().map_or(1, lines_of).max(1);
    let first_h = grid.height(first);
    if first_h <= flow.usable() - header_h {
        flow.ensure(header_h + first_h);
    } else {
        flow.ensure(header_h + grid.height(3));
    }
    if !header.is_empty() {
        draw_cells(flow, grid, header, 0..lines_of(header), true);
    }
    // Where the rows of this page start: a row that does not fit there is split, not moved again.
    let mut rows_top = (flow.page_index(), flow.y);
    let new_page = |flow: &mut Flow| {
        flow.new_page();
        if !header.is_empty() {
            draw_cells(flow, grid, header, 0..lines_of(header), true);
        }
        (flow.page_index(), flow.y)
    };
    for row in rows {
        let n = lines_of(&row).max(1);
        let h = grid.height(n);
        if h <= flow.room() + 0.01 {
            draw_cells(flow, grid, &row, 0..n, false);
            continue;
        }
        let at_rows_top = rows_top == (flow.page_index(), flow.y);
        if h <= flow.usable() - header_h && !at_rows_top {
            rows_top = new_page(flow);
            draw_cells(flow, grid, &row, 0..n, false);
            continue;
        }
        let mut from = 0;
        while from < n {
            let mut fit = ((flow.room() - 2.0 * grid.pad_y) / grid.lead + 1e-3).floor() as usize;
            if fit == 0 {
                if rows_top == (flow.page_index(), flow.y) {
                    fit = 1; // cannot happen with the header capped; keeps the loop finite anyway
                } else {
                    rows_top = new_page(flow);
                    continue;
                }
            }
            let to = (from + fit).min(n);
            draw_cells(flow, grid, &row, from..to, false);
            from = to;
            if from < n {
                rows_top = new_page(flow);
            }
        }
    }
}

/// Draws lines `lines` of a row's cells at the cursor, with their frames, and moves the cursor below.
fn draw_cells(flow: &mut Flow, grid: &Grid, cells: &Cells, lines: Range<usize>, header: bool) {
    let count = lines.len();
    let h = grid.height(count);
    let top = flow.y;
    if header {
        flow.push(Op::Fill {
            x: LEFT,
            y: top - h,
            w: grid.w.iter().sum(),
            h,
            gray: 0.88,
        });
    }
    for (c, column) in cells.iter().enumerate() {
        let (Some(&x), Some(&w)) = (grid.x.get(c), grid.w.get(c)) else {
            continue;
        };
        let font = if header {
            Font::Bold
        } else {
            grid.fonts.get(c).copied().unwrap_or(Font::Regular)
        };
        // A cell with fewer lines than its row has nothing to draw in the rest.
        let part = lines.start.min(column.len())..lines.end.min(column.len());
        for (k, line) in column.get(part).unwrap_or_default().iter().enumerate() {
            let y = baseline(
                top - grid.pad_y - k as f32 * grid.lead,
                grid.size,
                grid.lead,
            );
            flow.text(font, grid.size, x + grid.pad_x, y, line.clone());
        }
        if grid.borders {
            flow.push(Op::Frame {
                x,
                y: top - h,
                w,
                h,
                gray: GRID_GRAY,
            });
        }
    }
    flow.y -= h;
}

// ---- the PDF file --------------------------------------------------------------------------------------

/// A number as PDF writes it: at most two decimals, no exponent, never NaN.
fn num(v: f32) -> String {
    if !v.is_finite() {
        return "0".to_string();
    }
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" || s.is_empty() {
        "0".to_string()
    } else {
        s.to_string()
    }
}

/// A literal string of WinAnsi bytes: '(', ')' and '\' escaped, anything but printable ASCII in octal,
/// so content streams are plain ASCII.
fn pdf_string(bytes: &[u8], out: &mut String) {
    out.push('(');
    for &b in bytes {
        match b {
            b'(' | b')' | b'\\' => {
                out.push('\\');
                out.push(char::from(b));
            }
            0x20..=0x7E => out.push(char::from(b)),
            _ => {
                let _ = write!(out, "\\{b:03o}");
            }
        }
    }
    out.push(')');
}

/// A text string outside content streams (document info, bookmarks): UTF-16BE with a byte-order mark,
/// which holds any Unicode text.
fn pdf_text_string(s: &str) -> String {
    let mut out = String::from("<FEFF");
    for unit in s.encode_utf16() {
        let _ = write!(out, "{unit:04X}");
    }
    out.push('>');
    out
}

/// The header (the title) and footer (the section, "Page N of M") of a page.
fn running_ops(page: &Page, number: usize, total: usize, title: &str) -> Vec<Op> {
    if page.kind == PageKind::Cover {
        return Vec::new();
    }
    let width = chars_in(TEXT_W, RUNNING_SIZE);
    let gray = 0.3;
    let folio = format!("Page {number} of {total}").into_bytes();
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

/// A page's content stream (plain ASCII).
fn content_stream(ops: &[Op]) -> String {
    let mut out = String::new();
    // The current fill and stroke gray, to set them only when they change.
    let (mut fill, mut stroke) = (0.0_f32, 0.0_f32);
    for op in ops {
        match op {
            Op::Text {
                font,
                size,
                x,
                y,
                gray,
                text,
            } => {
                if *gray != fill {
                    fill = *gray;
                    let _ = writeln!(out, "{} g", num(fill));
                }
                let name = match font {
                    Font::Regular => "F1",
                    Font::Bold => "F2",
                };
                let _ = write!(
                    out,
                    "BT /{name} {} Tf {} {} Td ",
                    num(*size),
                    num(*x),
                    num(*y)
                );
                pdf_string(text, &mut out);
                out.push_str(" Tj ET\n");
            }
            Op::Line {
                from,
                to,
                width,
                gray,
            } => {
                if *gray != stroke {
                    stroke = *gray;
                    let _ = writeln!(out, "{} G", num(stroke));
                }
                let _ = writeln!(
                    out,
                    "{} w {} {} m {} {} l S",
                    num(*width),
                    num(from.0),
                    num(from.1),
                    num(to.0),
                    num(to.1)
                );
            }
            Op::Frame { x, y, w, h, gray } => {
                if *gray != stroke {
                    stroke = *gray;
                    let _ = writeln!(out, "{} G", num(stroke));
                }
                let _ = writeln!(
                    out,
                    "0.5 w {} {} {} {} re S",
                    num(*x),
                    num(*y),
                    num(*w),
                    num(*h)
                );
            }
            Op::Fill { x, y, w, h, gray } => {
                if *gray != fill {
                    fill = *gray;
                    let _ = writeln!(out, "{} g", num(fill));
                }
                let _ = writeln!(out, "{} {} {} {} re f", num(*x), num(*y), num(*w), num(*h));
            }
        }
    }
    out
}

/// Objects written in order, with their byte offsets for the cross-reference table.
struct Writer {
    buf: Vec<u8>,
    /// `offsets[id]`: where object `id` starts (index 0 is the free-list head).
    offsets: Vec<usize>,
}

impl Writer {
    fn object(&mut self, id: usize, body: &[u8]) {
        if self.offsets.len() <= id {
            self.offsets.resize(id + 1, 0);
        }
        self.offsets[id] = self.buf.len();
        self.buf
            .extend_from_slice(format!("{id} 0 obj\n").as_bytes());
        self.buf.extend_from_slice(body);
        self.buf.extend_from_slice(b"\nendobj\n");
    }
}

const CATALOG: usize = 1;
const PAGES: usize = 2;
const FONT_REGULAR: usize = 3;
const FONT_BOLD: usize = 4;
const INFO: usize = 5;
const OUTLINES: usize = 6;
const FIRST_BOOKMARK: usize = 7;

/// Writes the file: catalog, page tree, the two fonts, document info, bookmarks (`outline`: title and
/// 1-based page), then each page and its content stream; the cross-reference table and the trailer.
fn write_pdf(title: &str, pages: &[Page], outline: &[(String, usize)]) -> Vec<u8> {
    let first_page = FIRST_BOOKMARK + outline.len();
    let page_id = |i: usize| first_page + 2 * i;
    let total = pages.len();
    let mut w = Writer {
        buf: Vec::new(),
        offsets: vec![0],
    };
    // The binary comment tells transfer tools the file is not text.
    w.buf.extend_from_slice(b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n");
    w.object(
        CATALOG,
        format!("<< /Type /Catalog /Pages {PAGES} 0 R /Outlines {OUTLINES} 0 R >>").as_bytes(),
    );
    let kids: Vec<String> = (0..total).map(|i| format!("{} 0 R", page_id(i))).collect();
    w.object(
        PAGES,
        format!(
            "<< /Type /Pages /Kids [{}] /Count {total} >>",
            kids.join(" ")
        )
        .as_bytes(),
    );
    for (id, name) in [(FONT_REGULAR, "Courier"), (FONT_BOLD, "Courier-Bold")] {
        w.object(
            id,
            format!(
                "<< /Type /Font /Subtype /Type1 /BaseFont /{name} /Encoding /WinAnsiEncoding >>"
            )
            .as_bytes(),
        );
    }
    w.object(
        INFO,
        format!(
            "<< /Title {} /Producer (hardship) /Creator (hardship) >>",
            pdf_text_string(title)
        )
        .as_bytes(),
    );
    let bookmarks = outline.len();
    let mut root = format!("<< /Type /Outlines /Count {bookmarks}");
    if bookmarks > 0 {
        let _ = write!(
            root,
            " /First {FIRST_BOOKMARK} 0 R /Last {} 0 R",
            FIRST_BOOKMARK + bookmarks - 1
        );
    }
    root.push_str(" >>");
    w.object(OUTLINES, root.as_bytes());
    for (i, (text, page)) in outline.iter().enumerate() {
        let id = FIRST_BOOKMARK + i;
        let target = page_id(page.saturating_sub(1).min(total.saturating_sub(1)));
        let mut item = format!(
            "<< /Title {} /Parent {OUTLINES} 0 R /Dest [{target} 0 R /Fit]",
            pdf_text_string(text)
        );
        if i > 0 {
            let _ = write!(item, " /Prev {} 0 R", id - 1);
        }
        if i + 1 < bookmarks {
            let _ = write!(item, " /Next {} 0 R", id + 1);
        }
        item.push_str(" >>");
        w.object(id, item.as_bytes());
    }
    for (i, page) in pages.iter().enumerate() {
        let id = page_id(i);
        w.object(
            id,
            format!(
                "<< /Type /Page /Parent {PAGES} 0 R /MediaBox [0 0 {} {}] \
                 /Resources << /Font << /F1 {FONT_REGULAR} 0 R /F2 {FONT_BOLD} 0 R >> >> \
                 /Contents {} 0 R >>",
                num(PAGE_W),
                num(PAGE_H),
                id + 1
            )
            .as_bytes(),
        );
        let mut ops = page.ops.clone();
        ops.extend(running_ops(page, i + 1, total, title));
        let content = content_stream(&ops);
        let mut body = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
        body.extend_from_slice(content.as_bytes());
        body.extend_from_slice(b"\nendstream");
        w.object(id + 1, &body);
    }
    let xref = w.buf.len();
    let size = w.offsets.len();
    let mut table = format!("xref\n0 {size}\n0000000000 65535 f \n");
    for &offset in &w.offsets[1..] {
        let _ = writeln!(table, "{offset:010} 00000 n ");
    }
    let _ = write!(
        table,
        "trailer\n<< /Size {size} /Root {CATALOG} 0 R /Info {INFO} 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    );
    w.buf.extend_from_slice(table.as_bytes());
    w.buf
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use sha2::{Digest, Sha256};
    use std::path::Path;
    use std::process::Command;
    use std::time::Instant;

    // ---- helpers ---------------------------------------------------------------------------------------

    fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
        hay.get(from..)?
            .windows(needle.len())
            .position(|w| w == needle)
            .map(|p| p + from)
    }

    fn number_at(bytes: &[u8], at: usize) -> usize {
        let digits: Vec<u8> = bytes[at..]
            .iter()
            .copied()
            .take_while(u8::is_ascii_digit)
            .collect();
        String::from_utf8(digits).unwrap().parse().unwrap()
    }

    /// Checks the file's skeleton: header, every xref offset pointing at its `N 0 obj`, the trailer,
    /// `startxref`, `%%EOF`, each stream's `/Length`, and that content streams are printable ASCII.
    /// Returns the number of pages.
    fn check_structure(pdf: &[u8]) -> usize {
        assert!(pdf.starts_with(b"%PDF-1.4\n%"), "header");
        assert!(pdf.ends_with(b"%%EOF\n"), "end marker");
        let sx = pdf
            .windows(10)
            .rposition(|w| w == b"startxref\n")
            .expect("startxref");
        let xref = number_at(pdf, sx + 10);
        assert!(
            pdf[xref..].starts_with(b"xref\n0 "),
            "startxref points at xref"
        );
        let size = number_at(pdf, xref + 7);
        let mut at = find(pdf, b"\n", xref + 5).unwrap() + 1;
        assert_eq!(&pdf[at..at + 20], b"0000000000 65535 f \n");
        for id in 1..size {
            at += 20;
            let entry = &pdf[at..at + 20];
            assert_eq!(&entry[10..], b" 00000 n \n", "xref entry {id}");
            let offset = number_at(entry, 0);
            let head = format!("{id} 0 obj\n");
            assert!(
                pdf[offset..].starts_with(head.as_bytes()),
                "object {id} at {offset}"
            );
        }
        at += 20;
        let trailer = format!("trailer\n<< /Size {size} /Root 1 0 R /Info 5 0 R >>\nstartxref\n");
        assert!(pdf[at..].starts_with(trailer.as_bytes()), "trailer");
        assert_eq!(at + trailer.len(), sx + 10);
        // Streams: the declared length ends exactly at "endstream"; the content is plain ASCII.
        let mut from = 0;
        while let Some(l) = find(pdf, b"<< /Length ", from) {
            let len = number_at(pdf, l + 11);
            let start = find(pdf, b">>\nstream\n", l).unwrap() + 10;
            assert!(pdf[start + len..].starts_with(b"\nendstream\nendobj\n"));
            assert!(
                pdf[start..start + len]
                    .iter()
                    .all(|&b| b == b'\n' || (0x20..0x7F).contains(&b)),
                "content stream is printable ASCII"
            );
            from = start + len;
        }
        let pages = pdf.windows(12).filter(|w| w == b"/Type /Page ").count();
        let count = find(pdf, b"/Count ", find(pdf, b"/Type /Pages", 0).unwrap()).unwrap();
        assert_eq!(number_at(pdf, count + 7), pages);
        pages
    }

    /// Every text op lies inside the margins (with its full advance width), on every page.
    fn check_geometry(layout: &Layout) {
        for (p, page) in layout.pages.iter().enumerate() {
            let total = layout.pages.len();
            let mut ops = page.ops.clone();
            ops.extend(running_ops(page, p + 1, total, "t"));
            for op in ops {
                match op {
                    Op::Text {
                        size, x, y, text, ..
                    } => {
                        let right = x + text_width(text.len(), size);
                        assert!(
                            x >= LEFT - 0.01 && right <= RIGHT + 0.01,
                            "page {p}: {x}..{right}"
                        );
                        assert!(
                            y - 0.2 * size >= BOTTOM && y + 0.8 * size <= TOP,
                            "page {p}: y {y}"
                        );
                        assert!(text.iter().all(|&b| b >= 0x20), "no control bytes");
                    }
                    Op::Frame { x, y, w, h, .. } | Op::Fill { x, y, w, h, .. } => {
                        assert!(x >= LEFT - 0.01 && x + w <= RIGHT + 0.01, "page {p}: box x");
                        assert!(
                            y >= BOTTOM - 0.01 && y + h <= TOP + 0.01,
                            "page {p}: box y {y} {h}"
                        );
                    }
                    Op::Line { from, to, .. } => {
                        for (x, y) in [from, to] {
                            assert!((LEFT - 0.01..=RIGHT + 0.01).contains(&x));
                            assert!((BOTTOM - 0.01..=TOP + 0.01).contains(&y));
                        }
                    }
                }
            }
        }
    }

    fn sha256_hex(data: &str) -> String {
        Sha256::digest(data.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    const TITLE: &str = "Audit binder 2026 — Lakeside Clinic";
    const SECTIONS: [&str; 3] = [
        "Practice and eligibility",
        "Evidence files",
        "Notes and sign-off",
    ];

    fn hashes() -> Vec<String> {
        (0..300)
            .map(|i| sha256_hex(&format!("evidence-{i}")))
            .collect()
    }

    fn binder() -> Document {
        let kv = |k: &str, v: &str| (k.to_string(), v.to_string());
        let rows = hashes()
            .into_iter()
            .enumerate()
            .map(|(i, h)| {
                vec![
                    (i + 1).to_string(),
                    format!("cms-portal-confirmation-{:04}.pdf", i + 1),
                    h,
                    format!(
                        "2026-{:02}-{:02} 09:{:02} UTC",
                        1 + i % 12,
                        1 + i % 28,
                        i % 60
                    ),
                ]
            })
            .collect();
        Document {
            title: TITLE.to_string(),
            subtitle: vec![
                "Lakeside Consulting LLC".into(),
                "Practice: Lakeside Family Medicine".into(),
                "TIN 12-3456789".into(),
                "Performance year 2026".into(),
                "Generated 2027-01-05 14:03 UTC".into(),
            ],
            sections: vec![
                Section {
                    title: SECTIONS[0].into(),
                    blocks: vec![
                        Block::Heading("Practice".into()),
                        Block::KeyValues(vec![
                            kv("Practice", "Lakeside Family Medicine"),
                            kv("TIN", "12-3456789"),
                            kv("Clinicians", "14 (12 MIPS eligible)"),
                            kv("Binder SHA-256", &sha256_hex("binder")),
                            kv(
                                "Reason",
                                "Extreme and uncontrollable circumstances — the EHR vendor’s \
                                 certification was withdrawn on 2026-03-14; “decertified” per the \
                                 ONC notice. The practice could not use CEHRT for the rest of the year.",
                            ),
                        ]),
                        Block::Note(
                            "UNCONFIRMED: the rule book has not confirmed the hour of the 2026 \
                             application deadline (8 p.m. Eastern is assumed)."
                                .into(),
                        ),
                        Block::Paragraph(
                            "The practice’s eligibility was assessed from the QPP eligibility file \
                             downloaded on 2026-11-02.\nEvery clinician below is MIPS eligible at the \
                             individual level; café • naïve • 日本 are printed as far as the font allows."
                                .into(),
                        ),
                    ],
                },
                Section {
                    title: SECTIONS[1].into(),
                    blocks: vec![
                        Block::Paragraph(
                            "Every file of the evidence vault, with the SHA-256 of its content.".into(),
                        ),
                        Block::Table {
                            columns: vec![
                                Column::new("#", 0.5),
                                Column::new("File", 2.0),
                                Column::new("SHA-256", 2.6),
                                Column::new("Uploaded", 1.3),
                            ],
                            rows,
                        },
                    ],
                },
                Section {
                    title: SECTIONS[2].into(),
                    blocks: vec![
                        Block::Heading("Review".into()),
                        Block::Paragraph("Reviewed by the compliance officer.".into()),
                        Block::Note("Keep this binder for six years (42 CFR 414.1400).".into()),
                        Block::KeyValues(vec![kv("Signed", "________________"), kv("Date", "")]),
                    ],
                },
            ],
        }
    }

    // ---- pure tests ------------------------------------------------------------------------------------

    #[test]
    fn winansi_maps_latin1_and_typography_and_nothing_else() {
        assert_eq!(encode("Az09 ~", false), b"Az09 ~");
        assert_eq!(encode("café ü ÿ ©", false), b"caf\xE9 \xFC \xFF \xA9");
        assert_eq!(
            encode("— – ’ ‘ “ ” … • € ™", false),
            b"\x97 \x96 \x92 \x91 \x93 \x94 \x85 \x95 \x80 \x99"
        );
        assert_eq!(encode("日本 😀 Ω", false), b"?? ? ?");
        assert_eq!(
            encode("a\u{0}b\u{7}c\u{1b}d\u{85}e\u{7f}", false),
            b"a?b?c?d?e?"
        );
        assert_eq!(encode("e\u{301}x\u{AD}y\u{200B}z", false), b"exyz");
        assert_eq!(encode("a\tb\u{2003}c\u{2011}d", false), b"a b c-d");
        assert_eq!(encode("1\n2\r\n3\r4", true), b"1\n2\n3\n4");
        assert_eq!(encode("1\n2\r\n3", false), b"1 2 3");
    }

    #[test]
    fn strings_are_escaped_and_ascii() {
        let mut s = String::new();
        pdf_string(b"a(b)c\\d \x97\x01\n\xFF", &mut s);
        assert_eq!(s, "(a\\(b\\)c\\\\d \\227\\001\\012\\377)");
        assert_eq!(pdf_text_string("Aé—"), "<FEFF004100E92014>");
        assert_eq!(pdf_text_string("😀"), "<FEFFD83DDE00>");
        assert_eq!(num(54.0), "54");
        assert_eq!(num(7.25), "7.25");
        assert_eq!(num(0.5), "0.5");
        assert_eq!(num(-0.001), "0");
        assert_eq!(num(f32::NAN), "0");
    }

    #[test]
    fn wrapping_respects_the_width_and_keeps_every_character() {
        let w = |t: &str, n| {
            wrap(t.as_bytes(), n)
                .into_iter()
                .map(|l| String::from_utf8(l).unwrap())
                .collect::<Vec<_>>()
        };
        assert_eq!(w("hello world foo", 11), ["hello world", "foo"]);
        assert_eq!(w("hello   world", 20), ["hello world"]);
        assert_eq!(w("a\n\nb", 5), ["a", "", "b"]);
        assert_eq!(w("", 5), [""]);
        assert_eq!(w("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(
            w("id: abcdefghij end", 4),
            ["id:", "abcd", "efgh", "ij", "end"]
        );
        assert_eq!(w("abc", 0), ["a", "b", "c"]);
        assert_eq!(
            w("cms-portal-confirmation-0001.pdf", 31),
            ["cms-portal-confirmation-", "0001.pdf"]
        );
        assert_eq!(
            w("https://example.test/a/b", 10),
            ["https://", "example.", "test/a/b"]
        );
        assert_eq!(w("ab-cdefghij", 5), ["ab-", "cdefg", "hij"]);
        assert_eq!(
            w("a-bcdefghij", 5),
            ["a-bcd", "efghi", "j"],
            "no cut in the first half"
        );
        let hash = sha256_hex("x");
        for width in 1..80 {
            let lines = wrap(hash.as_bytes(), width);
            assert!(lines.iter().all(|l| l.len() <= width));
            assert_eq!(lines.concat(), hash.as_bytes());
        }
        let text = "The quick brown fox jumps over the lazy dog ".repeat(20);
        for width in 1..90 {
            let lines = wrap(text.as_bytes(), width);
            assert!(lines.iter().all(|l| l.len() <= width), "width {width}");
            let words: Vec<u8> = text.bytes().filter(|&b| b != b' ').collect();
            let kept: Vec<u8> = lines.concat().into_iter().filter(|&b| b != b' ').collect();
            assert_eq!(kept, words);
        }
        // Courier: 84 characters of 10 pt across the 504 pt text width; 41 of 8 pt in a 204.75 pt cell.
        assert_eq!(chars_in(TEXT_W, BODY_SIZE), 84);
        assert_eq!(chars_in(204.75 - 2.0 * CELL_PAD_X, TABLE_SIZE), 41);
        assert_eq!(truncate(b"abcdefgh".to_vec(), 6), b"abc...");
        assert_eq!(truncate(b"abc".to_vec(), 6), b"abc");
        assert_eq!(truncate(b"abcdef".to_vec(), 2), b"..");
    }

    #[test]
    fn column_widths_share_the_text_width_with_a_minimum() {
        let grid = table_grid(&table_shares(
            &[Column::new("a", 1.0), Column::new("b", 3.0)],
            2,
        ));
        assert_eq!(grid.w, [126.0, 378.0]);
        assert_eq!(grid.x, [LEFT, LEFT + 126.0]);
        let shares = table_shares(
            &[
                Column::new("tiny", 0.001),
                Column::new("nan", f32::NAN),
                Column::new("neg", -4.0),
                Column::new("huge", f32::MAX),
            ],
            6,
        );
        let grid = table_grid(&shares);
        let min = GLYPH_EM * TABLE_SIZE + 2.0 * CELL_PAD_X;
        assert!(grid.w.iter().all(|&w| w >= min - 0.01), "{:?}", grid.w);
        assert!((grid.w.iter().sum::<f32>() - TEXT_W).abs() < 0.01);
        assert!(grid.chars.iter().all(|&c| c >= 1));
        let many = table_grid(&[1.0; MAX_TABLE_COLUMNS]);
        assert!(many.w.iter().sum::<f32>() <= TEXT_W + 0.01);
        assert!(many.chars.iter().all(|&c| c == 1));
    }

    #[test]
    fn the_file_structure_is_valid_and_the_layout_stays_inside_the_margins() {
        let doc = binder();
        let started = Instant::now();
        let rendered = render_detailed(&doc);
        eprintln!(
            "pdf: {} pages, {} bytes in {:?}",
            rendered.pages,
            rendered.bytes.len(),
            started.elapsed()
        );
        assert_eq!(check_structure(&rendered.bytes), rendered.pages);
        assert_eq!(rendered.bytes, render(&doc), "deterministic");
        let layout = layout(&doc);
        check_geometry(&layout);
        // Cover, one page of contents, then the sections in order, each on its own pages.
        assert_eq!(layout.pages[0].kind, PageKind::Cover);
        assert_eq!(rendered.section_pages[0], 3);
        assert!(rendered.section_pages.windows(2).all(|w| w[0] < w[1]));
        assert!(
            rendered.pages > 10,
            "300 rows of two lines take several pages"
        );
        let text = String::from_utf8_lossy(&rendered.bytes);
        assert!(text.contains("/BaseFont /Courier /Encoding /WinAnsiEncoding"));
        assert!(text.contains(&format!("(Page 2 of {})", rendered.pages)));
        assert!(text.contains(&format!("(Page {0} of {0})", rendered.pages)));
        assert!(!text.contains("(Page 1 of"), "no footer on the cover");
    }

    #[test]
    fn headers_repeat_and_rows_stay_whole_across_page_breaks() {
        let doc = binder();
        let layout = layout(&doc);
        let first = layout.section_pages[1] - 1;
        let last = layout.section_pages[2] - 1;
        let mut rows_seen = 0;
        for page in &layout.pages[first..last] {
            let texts: Vec<&[u8]> = page
                .ops
                .iter()
                .filter_map(|op| match op {
                    Op::Text {
                        font: Font::Bold,
                        size,
                        text,
                        ..
                    } if *size == TABLE_SIZE => Some(text.as_slice()),
                    _ => None,
                })
                .collect();
            assert!(
                texts.contains(&b"SHA-256".as_slice()),
                "header on every page"
            );
            // Each row's hash is split in a 41-character and a 23-character line on the same page.
            let pieces: Vec<usize> = page
                .ops
                .iter()
                .filter_map(|op| match op {
                    Op::Text {
                        font: Font::Regular,
                        text,
                        ..
                    } if text.len() >= 20 && text.iter().all(u8::is_ascii_hexdigit) => {
                        Some(text.len())
                    }
                    _ => None,
                })
                .collect();
            assert_eq!(pieces.len() % 2, 0);
            assert!(pieces.chunks(2).all(|p| p == [41, 23]), "{pieces:?}");
            rows_seen += pieces.len() / 2;
        }
        assert_eq!(rows_seen, 300);
        // Every cell is printed, the one-line ones of two-line rows included.
        let printed: std::collections::HashSet<Vec<u8>> = layout
            .pages
            .iter()
            .flat_map(|p| &p.ops)
            .filter_map(|op| match op {
                Op::Text { text, .. } => Some(text.clone()),
                _ => None,
            })
            .collect();
        for i in 1..=300 {
            assert!(printed.contains(i.to_string().as_bytes()), "row {i}");
            assert!(
                printed.contains(format!("{i:04}.pdf").as_bytes()),
                "wrapped after the '-'"
            );
        }
        assert!(printed.contains(b"Reason:".as_slice()));
    }

    #[test]
    fn a_heading_is_kept_with_what_follows() {
        // Fill a page to a few lines from its bottom, then a heading and a table.
        let filler = (0..47)
            .map(|i| format!("line {i}"))
            .collect::<Vec<_>>()
            .join("\n");
        let doc = Document {
            title: "t".into(),
            subtitle: vec![],
            sections: vec![Section {
                title: "s".into(),
                blocks: vec![
                    Block::Paragraph(filler),
                    Block::Heading("Kept with its table".into()),
                    Block::Table {
                        columns: vec![Column::new("a", 1.0)],
                        rows: vec![vec!["1".into()], vec!["2".into()]],
                    },
                ],
            }],
        };
        let layout = layout(&doc);
        let page_of = |needle: &[u8]| {
            layout
                .pages
                .iter()
                .position(|p| {
                    p.ops
                        .iter()
                        .any(|op| matches!(op, Op::Text { text, .. } if text == needle))
                })
                .unwrap()
        };
        assert_eq!(page_of(b"line 0"), 2);
        assert_eq!(page_of(b"Kept with its table"), 3);
        assert_eq!(page_of(b"Kept with its table"), page_of(b"1"));
    }

    /// Documents that try to break the layout: empty ones, huge cells, odd widths, wide tables,
    /// control characters, notes and keys longer than a page.
    fn awkward_documents() -> Vec<Document> {
        let s = |t: &str, blocks| Section {
            title: t.into(),
            blocks,
        };
        let table = |columns, rows| Block::Table { columns, rows };
        let huge = "x".repeat(60_000);
        let words = "word ".repeat(3_000);
        vec![
            Document::default(),
            Document {
                title: "".into(),
                subtitle: vec!["".into()],
                sections: vec![s("", vec![]), s("Empty", vec![])],
            },
            Document {
                title: "T".repeat(500),
                subtitle: (0..80).map(|i| format!("cover line {i}")).collect(),
                sections: vec![s(&"Long section title ".repeat(30), vec![Block::PageBreak])],
            },
            Document {
                title: "Tables".into(),
                subtitle: vec![],
                sections: vec![
                    s(
                        "Degenerate tables",
                        vec![
                            table(vec![], vec![]),
                            table(vec![], vec![vec![], vec![]]),
                            table(vec![Column::new("Only a header", 1.0)], vec![]),
                            table(vec![], vec![vec!["no".into(), "columns".into()]]),
                            table(
                                vec![Column::new("nan", f32::NAN), Column::new("neg", -1.0)],
                                vec![vec!["a".into(), "b".into(), "extra".into(), "more".into()]],
                            ),
                            table(
                                (0..130).map(|i| Column::new(format!("c{i}"), 1.0)).collect(),
                                vec![(0..130).map(|i| format!("v{i}")).collect()],
                            ),
                            table(
                                vec![Column::new("T".repeat(3_000), 1.0), Column::new("b", 1.0)],
                                vec![vec!["a".into(), "b".into()]],
                            ),
                        ],
                    ),
                    s(
                        "Huge cells",
                        vec![
                            Block::Heading("A heading before a huge table".into()),
                            table(
                                vec![Column::new("id", 1.0), Column::new("blob", 1.0)],
                                vec![vec!["1".into(), huge.clone()], vec!["2".into(), words.clone()]],
                            ),
                            Block::Note(words.clone()),
                            Block::KeyValues(vec![
                                ("".into(), "".into()),
                                (huge.clone(), huge.clone()),
                                ("k".into(), words.clone()),
                            ]),
                            Block::KeyValues(vec![]),
                        ],
                    ),
                    s(
                        "A thousand rows",
                        vec![table(
                            vec![Column::new("n", 1.0), Column::new("square", 1.0)],
                            (0..1000).map(|i| vec![i.to_string(), (i * i).to_string()]).collect(),
                        )],
                    ),
                    s(
                        "Odd text \u{0}\u{7}\u{1b}[31m",
                        vec![
                            Block::Paragraph("\u{0}\u{1}\u{7f}\u{9f} (parens) \\ back\r\n日本語 😀 \u{202e}rtl\u{202c}".into()),
                            Block::PageBreak,
                            Block::PageBreak,
                            Block::Paragraph(String::new()),
                            Block::Heading("A heading at the very end".into()),
                        ],
                    ),
                ],
            },
        ]
    }

    #[test]
    fn awkward_documents_render_valid_pdf() {
        for doc in awkward_documents() {
            let rendered = render_detailed(&doc);
            assert_eq!(check_structure(&rendered.bytes), rendered.pages);
            assert_eq!(rendered.section_pages.len(), doc.sections.len());
            check_geometry(&layout(&doc));
        }
        let empty = render_detailed(&Document::default());
        assert_eq!(empty.pages, 2, "a cover and the contents page");
    }

    // ---- with poppler ----------------------------------------------------------------------------------

    /// Whether poppler's tools are here. Missing, they fail the test where they are required
    /// (`HARDSHIP_REQUIRE_POPPLER`, set by scripts/with-poppler.sh, or `CI`); elsewhere the test skips them.
    fn poppler() -> bool {
        let found = Command::new("pdftotext")
            .arg("-v")
            .output()
            .is_ok_and(|o| o.status.success() || !o.stderr.is_empty());
        if !found {
            let required = std::env::var_os("HARDSHIP_REQUIRE_POPPLER").is_some()
                || std::env::var_os("CI").is_some();
            assert!(
                !required,
                "poppler-utils (pdftotext) is required here: run under scripts/with-poppler.sh"
            );
            eprintln!(
                "pdf: poppler-utils not installed, skipping the checks with pdftotext (scripts/with-poppler.sh installs them)"
            );
        }
        found
    }

    /// Runs a poppler tool; it must succeed without a word on stderr (poppler reports every syntax
    /// problem there). Returns stdout.
    fn tool(name: &str, args: &[&str]) -> String {
        let out = Command::new(name).args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{name} {args:?}: {stderr}");
        assert!(stderr.trim().is_empty(), "{name} {args:?}: {stderr}");
        String::from_utf8(out.stdout).unwrap()
    }

    fn page_text(file: &str, page: usize) -> String {
        let p = page.to_string();
        tool("pdftotext", &["-layout", "-f", &p, "-l", &p, file, "-"])
    }

    fn info_pages(file: &str) -> usize {
        let info = tool("pdfinfo", &[file]);
        let line = info.lines().find(|l| l.starts_with("Pages:")).unwrap();
        line["Pages:".len()..].trim().parse().unwrap()
    }

    /// Every word of `pdftotext -bbox` lies on the page and inside the margins.
    fn check_words_inside_margins(file: &str, html: &Path, pages: usize) {
        tool("pdftotext", &["-bbox", file, html.to_str().unwrap()]);
        let xhtml = std::fs::read_to_string(html).unwrap();
        assert_eq!(
            xhtml
                .matches("<page width=\"612.000000\" height=\"792.000000\">")
                .count(),
            pages
        );
        let attr = |tag: &str, name: &str| -> f32 {
            let at = tag.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
            let end = tag[at..].find('"').unwrap();
            tag[at..at + end].parse().unwrap()
        };
        let mut words = 0;
        for tag in xhtml.split("<word ").skip(1) {
            let tag = &tag[..tag.find('>').unwrap()];
            let (x0, x1) = (attr(tag, "xMin"), attr(tag, "xMax"));
            let (y0, y1) = (attr(tag, "yMin"), attr(tag, "yMax"));
            assert!(
                0.0 <= x0 && x1 <= PAGE_W && 0.0 <= y0 && y1 <= PAGE_H,
                "off the page: {tag}"
            );
            let eps = 0.5;
            assert!(
                x0 >= MARGIN - eps
                    && x1 <= PAGE_W - MARGIN + eps
                    && y0 >= MARGIN - eps
                    && y1 <= PAGE_H - MARGIN + eps,
                "in the margin: {tag}"
            );
            words += 1;
        }
        assert!(words > 0);
    }

    /// The parts of a wrapped value appear in order: the whole, or a head and then its tail.
    fn appears_in_order(text: &str, value: &str) -> bool {
        text.contains(value)
            || (8..value.len()).any(|k| {
                text.match_indices(&value[..k])
                    .any(|(at, _)| text[at + k..].contains(&value[k..]))
            })
    }

    #[test]
    fn poppler_reads_what_was_laid_out() {
        if !poppler() {
            return;
        }
        let doc = binder();
        let started = Instant::now();
        let rendered = render_detailed(&doc);
        let elapsed = started.elapsed();
        eprintln!(
            "pdf: the 300-row binder: {} pages, {} KiB, rendered in {elapsed:?}",
            rendered.pages,
            rendered.bytes.len() / 1024
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("binder.pdf");
        std::fs::write(&path, &rendered.bytes).unwrap();
        let file = path.to_str().unwrap();
        let n = rendered.pages;
        // To look at it: HARDSHIP_PDF_SAMPLE=/some/dir cargo test -p hardship-server --lib pdf
        if let Some(dir) = std::env::var_os("HARDSHIP_PDF_SAMPLE") {
            std::fs::write(Path::new(&dir).join("binder.pdf"), &rendered.bytes).unwrap();
        }

        assert_eq!(info_pages(file), n);
        assert!(tool("pdfinfo", &[file]).contains("612 x 792 pts (letter)"));

        let all = tool("pdftotext", &["-layout", file, "-"]);
        assert!(all.contains(TITLE));
        for title in SECTIONS {
            assert!(all.contains(title), "{title}");
        }
        assert!(all.contains("TIN 12-3456789"));
        assert!(all.contains("UNCONFIRMED: the rule book"));
        assert!(
            all.contains("vendor’s"),
            "WinAnsi typography comes back as Unicode"
        );
        assert!(all.contains("café • naïve • ??"));
        assert!(all.contains("Reason:             Extreme and uncontrollable"));
        for hash in hashes() {
            assert!(appears_in_order(&all, &hash), "{hash}");
        }
        assert!(appears_in_order(&all, &sha256_hex("binder")));

        // One text per page, separated by form feeds: every page but the cover has its footer.
        let pages: Vec<&str> = all.split('\u{c}').collect();
        assert!(!pages[0].contains("Page 1 of"));
        for (i, page) in pages.iter().enumerate().take(n).skip(1) {
            assert!(
                page.contains(&format!("Page {} of {n}", i + 1)),
                "footer of page {}",
                i + 1
            );
            assert!(page.contains(TITLE), "header of page {}", i + 1);
        }

        // The table of contents: each section's number is the page where pdftotext finds it first.
        let contents = page_text(file, 2);
        for (title, &expected) in SECTIONS.iter().zip(&rendered.section_pages) {
            let line = contents.lines().find(|l| l.contains(title)).unwrap();
            let number: usize = line.split_whitespace().last().unwrap().parse().unwrap();
            assert_eq!(number, expected, "{line}");
            let page = page_text(file, number);
            let first_body_line = page
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .nth(1)
                .unwrap();
            assert_eq!(first_body_line, *title, "section starts page {number}");
            assert!(!page_text(file, number - 1).contains(&format!("{title}\n")));
        }

        check_words_inside_margins(file, &dir.path().join("words.html"), n);

        let prefix = dir.path().join("page");
        tool(
            "pdftoppm",
            &["-r", "50", "-png", file, prefix.to_str().unwrap()],
        );
        let mut pngs: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "png"))
            .collect();
        pngs.sort();
        assert_eq!(pngs.len(), n);
        for png in pngs {
            let bytes = std::fs::read(&png).unwrap();
            assert!(
                bytes.len() > 500 && bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
                "{png:?}"
            );
        }
    }

    #[test]
    fn poppler_reads_awkward_documents() {
        if !poppler() {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        for (i, doc) in awkward_documents().iter().enumerate() {
            let rendered = render_detailed(doc);
            let path = dir.path().join(format!("awkward-{i}.pdf"));
            std::fs::write(&path, &rendered.bytes).unwrap();
            let file = path.to_str().unwrap();
            if let Some(dir) = std::env::var_os("HARDSHIP_PDF_SAMPLE") {
                std::fs::copy(&path, Path::new(&dir).join(format!("awkward-{i}.pdf"))).unwrap();
            }
            assert_eq!(info_pages(file), rendered.pages, "document {i}");
            check_words_inside_margins(
                file,
                &dir.path().join(format!("awkward-{i}.html")),
                rendered.pages,
            );
            let text = tool("pdftotext", &["-layout", file, "-"]);
            assert!(text.contains(&format!("Page {0} of {0}", rendered.pages)));
        }
    }
}
