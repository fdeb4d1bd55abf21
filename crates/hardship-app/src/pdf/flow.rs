//! Pages and the flow that fills them: the cover, the table of contents, sections and their blocks.

use super::*;

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Font {
    Regular,
    Bold,
}

/// A drawing operation on a page.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Op {
    Text {
        font: Font,
        size: f32,
        x: f32,
        y: f32,
        gray: f32,
        text: Line,
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
pub(super) enum PageKind {
    /// No running header or footer.
    Cover,
    Body,
}

#[derive(Debug, Clone)]
pub(super) struct Page {
    pub(super) kind: PageKind,
    /// Left of the footer: the section (or "Contents").
    pub(super) label: Line,
    pub(super) ops: Vec<Op>,
}

/// Fills pages top to bottom. `y` is the top of the next line's box.
pub(super) struct Flow {
    pub(super) pages: Vec<Page>,
    pub(super) kind: PageKind,
    pub(super) label: Line,
    pub(super) top: f32,
    pub(super) bottom: f32,
    pub(super) y: f32,
}

impl Flow {
    pub(super) fn new(kind: PageKind) -> Self {
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

    pub(super) fn new_page(&mut self) {
        self.pages.push(Page {
            kind: self.kind,
            label: self.label.clone(),
            ops: Vec::new(),
        });
        self.y = self.top;
    }

    pub(super) fn page_index(&self) -> usize {
        self.pages.len().saturating_sub(1)
    }

    pub(super) fn at_top(&self) -> bool {
        self.y >= self.top - 0.01
    }

    pub(super) fn room(&self) -> f32 {
        self.y - self.bottom
    }

    pub(super) fn usable(&self) -> f32 {
        self.top - self.bottom
    }

    /// Starts a new page unless `height` fits on this one (or this one is still empty: what does not fit
    /// on an empty page is split by the caller, not pushed along forever).
    pub(super) fn ensure(&mut self, height: f32) {
        if self.pages.is_empty() || (height > self.room() + 0.01 && !self.at_top()) {
            self.new_page();
        }
    }

    /// Vertical space, dropped at the top of a page and cut at its bottom.
    pub(super) fn gap(&mut self, height: f32) {
        if !self.at_top() {
            self.y = (self.y - height).max(self.bottom);
        }
    }

    pub(super) fn push(&mut self, op: Op) {
        if self.pages.is_empty() {
            self.new_page();
        }
        if let Some(page) = self.pages.last_mut() {
            page.ops.push(op);
        }
    }

    pub(super) fn ops_len(&self) -> usize {
        self.pages.last().map_or(0, |p| p.ops.len())
    }

    pub(super) fn insert(&mut self, index: usize, op: Op) {
        if let Some(page) = self.pages.last_mut() {
            let index = index.min(page.ops.len());
            page.ops.insert(index, op);
        }
    }

    pub(super) fn text(&mut self, font: Font, size: f32, x: f32, y: f32, text: Line) {
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
    pub(super) fn line(&mut self, font: Font, size: f32, lead: f32, x: f32, text: Line) {
        self.ensure(lead);
        let y = baseline(self.y, size, lead);
        self.text(font, size, x, y, text);
        self.y -= lead;
    }

    pub(super) fn rule(&mut self, y: f32, width: f32, gray: f32) {
        self.push(Op::Line {
            from: (LEFT, y),
            to: (RIGHT, y),
            width,
            gray,
        });
    }
}

pub(super) fn layout_cover(doc: &Document) -> Vec<Page> {
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
pub(super) const TOC_RESERVE: usize = 8;

/// The table of contents, numbering section `i` with `numbers[i]`.
pub(super) fn layout_contents(sections: &[Section], numbers: &[usize]) -> Vec<Page> {
    let mut flow = Flow::new(PageKind::Body);
    flow.label = chars("Contents");
    flow.new_page();
    section_title(&mut flow, "Contents");
    if sections.is_empty() {
        flow.line(
            Font::Regular,
            BODY_SIZE,
            BODY_LEAD,
            LEFT,
            chars("This document has no sections."),
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
            last.push(' ');
            last.extend(std::iter::repeat_n('.', dots));
            last.push(' ');
            last.extend(number.chars());
        }
        flow.ensure(lines.len() as f32 * TOC_LEAD);
        for line in lines {
            flow.line(Font::Regular, BODY_SIZE, TOC_LEAD, LEFT, line);
        }
    }
    flow.pages
}

/// The sections' pages, and the index (0-based, among these pages) of each section's first page.
pub(super) fn layout_sections(doc: &Document) -> (Vec<Page>, Vec<usize>) {
    let mut flow = Flow::new(PageKind::Body);
    let mut starts = Vec::with_capacity(doc.sections.len());
    for section in &doc.sections {
        flow.label = encode(&section.title, false);
        flow.new_page();
        starts.push(flow.page_index());
        section_title(&mut flow, &section.title);
        if section.blocks.is_empty() {
            gray_line(&mut flow, &chars("(This section is empty.)"));
        }
        for (i, block) in section.blocks.iter().enumerate() {
            layout_block(&mut flow, block, section.blocks.get(i + 1));
        }
    }
    (flow.pages, starts)
}

pub(super) fn section_title(flow: &mut Flow, title: &str) {
    for line in wrap(&encode(title, true), chars_in(TEXT_W, H1_SIZE)) {
        flow.line(Font::Bold, H1_SIZE, H1_LEAD, LEFT, line);
    }
    let y = flow.y - 3.0;
    flow.rule(y, 1.0, 0.0);
    flow.y -= 14.0;
}

pub(super) fn gray_line(flow: &mut Flow, text: &[char]) {
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

pub(super) fn layout_block(flow: &mut Flow, block: &Block, next: Option<&Block>) {
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
pub(super) fn lead_height(block: &Block) -> f32 {
    // Only the start of a long text decides its first lines.
    pub(super) fn head(s: &str) -> String {
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

pub(super) fn heading(flow: &mut Flow, text: &str, next: Option<&Block>) {
    let lines = wrap(&encode(text, true), chars_in(TEXT_W, H2_SIZE));
    flow.gap(4.0);
    let own = lines.len() as f32 * H2_LEAD + 3.0;
    flow.ensure(own + next.map_or(0.0, lead_height));
    for line in lines {
        flow.line(Font::Bold, H2_SIZE, H2_LEAD, LEFT, line);
    }
    flow.gap(3.0);
}

pub(super) fn paragraph(flow: &mut Flow, text: &str) {
    let lines = wrap(&encode(text, true), chars_in(TEXT_W, BODY_SIZE));
    // No single first line alone at the foot of a page.
    flow.ensure(lines.len().min(2) as f32 * BODY_LEAD);
    for line in lines {
        flow.line(Font::Regular, BODY_SIZE, BODY_LEAD, LEFT, line);
    }
    flow.gap(BLOCK_GAP);
}

pub(super) fn note(flow: &mut Flow, text: &str) {
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

pub(super) fn close_note_box(flow: &mut Flow, (index, top): (usize, f32)) {
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
