//! The PDF file itself, written with pdf-writer: every page's operations, the running header and footer,
//! the document information and the bookmarks. The text is set in Noto Sans Mono, embedded as a subset
//! of the glyphs the document uses (`font.rs`), as a composite font (Type 0, Identity-H: two bytes a
//! glyph) with a ToUnicode map, so the text can be searched and copied. Content streams and fonts are
//! Flate-compressed.
//!
//! The layout works in PDF points with the origin at the bottom left, as PDF does, so coordinates are
//! written as they are.

use super::font::{Face, Subset};
use super::*;
use flate2::Compression;
use flate2::write::ZlibEncoder;
use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::writers::Destination;
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use std::collections::BTreeMap;
use std::io::Write;
use std::sync::OnceLock;

pub(super) static REGULAR: &[u8] = include_bytes!("../../fonts/NotoSansMono-Regular.ttf");
pub(super) static BOLD: &[u8] = include_bytes!("../../fonts/NotoSansMono-Bold.ttf");

/// The two faces, parsed once. `None` only if a font file in the source tree were broken, which the
/// tests rule out.
fn faces() -> Option<&'static (Face, Face)> {
    static FACES: OnceLock<Option<(Face, Face)>> = OnceLock::new();
    FACES
        .get_or_init(|| Some((Face::parse(REGULAR)?, Face::parse(BOLD)?)))
        .as_ref()
}

fn face(f: Font) -> Option<&'static Face> {
    let (regular, bold) = faces()?;
    Some(match f {
        Font::Regular => regular,
        Font::Bold => bold,
    })
}

/// Whether the embedded faces print `c` in one cell: both have a glyph for it, 600/1000 em wide. A few
/// of their glyphs (ligatures such as Ꜷ) are two cells wide and would overrun the column the layout
/// counted, so those print as `?` too.
pub(super) fn has_glyph(c: char) -> bool {
    let one_cell = |f: &Face| {
        f.glyph(c)
            .is_some_and(|g| (f.advance(g) - GLYPH_EM * 1000.0).abs() < 0.5)
    };
    c == ' ' || faces().is_some_and(|(regular, bold)| one_cell(regular) && one_cell(bold))
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

/// A face as one document uses it: the subset of its glyphs, and the character each stands for.
struct UsedFace {
    face: &'static Face,
    /// The resource name the pages set it by.
    resource: &'static [u8],
    postscript_name: &'static str,
    stem_v: f32,
    /// Face glyph → the character it prints (the first one seen), for the ToUnicode map.
    chars: BTreeMap<u16, char>,
    subset: Subset,
}

impl UsedFace {
    fn new(f: Font) -> Option<UsedFace> {
        let (resource, postscript_name, stem_v): (&'static [u8], _, _) = match f {
            Font::Regular => (b"F1", "NotoSansMono-Regular", 80.0),
            Font::Bold => (b"F2", "NotoSansMono-Bold", 140.0),
        };
        Some(UsedFace {
            face: face(f)?,
            resource,
            postscript_name,
            stem_v,
            chars: BTreeMap::new(),
            subset: Subset::default(),
        })
    }

    /// The face's glyph for `c`: its own, else the question mark's, else .notdef.
    fn face_glyph(&self, c: char) -> u16 {
        self.face
            .glyph(c)
            .or_else(|| self.face.glyph('?'))
            .unwrap_or(0)
    }

    /// Records the glyphs `text` uses. A character the face lacks is set as its '?' glyph, which
    /// then reads back as '?', never as that character.
    fn note(&mut self, text: &[char]) {
        for &c in text {
            let shown = if self.face.glyph(c).is_some() { c } else { '?' };
            self.chars.entry(self.face_glyph(c)).or_insert(shown);
        }
    }

    /// The string a `Tj` shows for `text`: two bytes (the subset's glyph id) a character.
    fn encode(&self, text: &[char]) -> Vec<u8> {
        text.iter()
            .flat_map(|&c| self.subset.glyph(self.face_glyph(c)).to_be_bytes())
            .collect()
    }

    /// Subset fonts are named with a tag of six capital letters (ISO 32000-1, 9.6.4), here drawn from
    /// the glyphs kept, so that two different subsets of one face never share a name.
    fn base_font(&self) -> String {
        let mut h: u32 = 0x811C_9DC5;
        for &g in &self.subset.old {
            for b in g.to_be_bytes() {
                h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
            }
        }
        let tag: String = (0..6)
            .map(|i| char::from(b'A' + ((h >> (5 * i)) % 26) as u8))
            .collect();
        format!("{tag}+{}", self.postscript_name)
    }

    /// Writes the font's five objects; `type0` is the one pages refer to.
    fn write(&self, pdf: &mut Pdf, type0: Ref, next: &mut Ref) -> Option<()> {
        let (cid, descriptor, file, to_unicode) =
            (next.bump(), next.bump(), next.bump(), next.bump());
        let name = self.base_font();
        let name = Name(name.as_bytes());
        let identity = SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"Identity"),
            supplement: 0,
        };
        let program = self.face.subset_file(&self.subset)?;
        let compressed = compress(&program);

        pdf.type0_font(type0)
            .base_font(name)
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(cid)
            .to_unicode(to_unicode);
        let mut font = pdf.cid_font(cid);
        font.subtype(CidFontType::Type2)
            .base_font(name)
            .system_info(identity)
            .font_descriptor(descriptor)
            .cid_to_gid_map_predefined(Name(b"Identity"));
        font.widths()
            .consecutive(0, self.subset.old.iter().map(|&g| self.face.advance(g)));
        font.finish();
        let [x0, y0, x1, y1] = self.face.bbox;
        pdf.font_descriptor(descriptor)
            .name(name)
            .flags(FontFlags::FIXED_PITCH | FontFlags::NON_SYMBOLIC)
            .bbox(Rect::new(x0, y0, x1, y1))
            .italic_angle(0.0)
            .ascent(self.face.ascent)
            .descent(self.face.descent)
            .cap_height(self.face.cap_height)
            .stem_v(self.stem_v)
            .font_file2(file);
        pdf.stream(file, &compressed)
            .filter(Filter::FlateDecode)
            .pair(Name(b"Length1"), i32::try_from(program.len()).ok()?);
        let mut cmap = UnicodeCmap::new(Name(b"Adobe-Identity-UCS"), identity);
        for (new, old) in self.subset.old.iter().enumerate() {
            if let Some(&c) = self.chars.get(old) {
                cmap.pair(u16::try_from(new).ok()?, c);
            }
        }
        let cmap = cmap.finish();
        pdf.stream(to_unicode, &cmap);
        Some(())
    }
}

/// Zlib-compressed (Flate) bytes.
fn compress(data: &[u8]) -> Vec<u8> {
    let mut encoder = ZlibEncoder::new(Vec::with_capacity(data.len() / 2), Compression::default());
    // Writing into a Vec does not fail.
    let _ = encoder.write_all(data);
    encoder.finish().unwrap_or_default()
}

/// A page's drawing operations as a content stream.
fn content<'a>(ops: impl Iterator<Item = &'a Op>, faces: &[UsedFace; 2]) -> Vec<u8> {
    let mut c = Content::new();
    for op in ops {
        match op {
            Op::Text {
                font: f,
                size,
                x,
                y,
                gray,
                text,
            } => {
                let face = &faces[*f as usize];
                c.set_fill_gray(gray.clamp(0.0, 1.0));
                c.begin_text();
                c.set_font(Name(face.resource), *size);
                c.next_line(*x, *y);
                c.show(Str(&face.encode(text)));
                c.end_text();
            }
            Op::Line {
                from,
                to,
                width,
                gray,
            } => {
                c.set_stroke_gray(gray.clamp(0.0, 1.0));
                c.set_line_width(*width);
                c.move_to(from.0, from.1);
                c.line_to(to.0, to.1);
                c.stroke();
            }
            Op::Frame { x, y, w, h, gray } => {
                c.set_stroke_gray(gray.clamp(0.0, 1.0));
                c.set_line_width(0.5);
                c.rect(*x, *y, *w, *h);
                c.stroke();
            }
            Op::Fill { x, y, w, h, gray } => {
                c.set_fill_gray(gray.clamp(0.0, 1.0));
                c.rect(*x, *y, *w, *h);
                c.fill_nonzero();
            }
        }
    }
    compress(&c.finish())
}

/// Writes the file: the document information, each page (its operations, then the running header and
/// footer), and the bookmarks (`outline`: title and 1-based page). Empty only if an embedded font file
/// were broken, which the tests rule out.
pub(super) fn write_pdf(title: &str, pages: &[Page], outline: &[(String, usize)]) -> Vec<u8> {
    try_write_pdf(title, pages, outline).unwrap_or_else(|| {
        tracing::error!("the PDF could not be written: an embedded font does not parse");
        Vec::new()
    })
}

fn try_write_pdf(title: &str, pages: &[Page], outline: &[(String, usize)]) -> Option<Vec<u8>> {
    let total = pages.len();
    let running: Vec<Vec<Op>> = pages
        .iter()
        .enumerate()
        .map(|(i, page)| running_ops(page, i + 1, total, title))
        .collect();
    let page_ops = |i: usize| pages[i].ops.iter().chain(&running[i]);

    // First the glyphs every page uses, so each face's subset (and its numbering) is known before
    // any text is written.
    let mut faces = [UsedFace::new(Font::Regular)?, UsedFace::new(Font::Bold)?];
    for i in 0..total {
        for op in page_ops(i) {
            if let Op::Text { font, text, .. } = op {
                faces[*font as usize].note(text);
            }
        }
    }
    for face in &mut faces {
        face.subset = face.face.subset(face.chars.keys().copied());
    }

    let mut pdf = Pdf::new();
    let mut next = Ref::new(1);
    let (catalog, tree, info, outline_id) = (next.bump(), next.bump(), next.bump(), next.bump());
    let font_refs: Vec<Option<Ref>> = faces
        .iter()
        .map(|f| (!f.chars.is_empty()).then(|| next.bump()))
        .collect();
    let page_refs: Vec<(Ref, Ref)> = (0..total).map(|_| (next.bump(), next.bump())).collect();

    pdf.document_info(info)
        .title(TextStr(title))
        .creator(TextStr("hardship"))
        .producer(TextStr("hardship"));
    let mut cat = pdf.catalog(catalog);
    cat.pages(tree);
    if !outline.is_empty() && total > 0 {
        cat.outlines(outline_id);
    }
    cat.finish();
    pdf.pages(tree)
        .kids(page_refs.iter().map(|(page, _)| *page))
        .count(i32::try_from(total).ok()?);
    for (i, &(page_ref, content_ref)) in page_refs.iter().enumerate() {
        let mut page = pdf.page(page_ref);
        page.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H))
            .parent(tree)
            .contents(content_ref);
        let mut resources = page.resources();
        let mut fonts = resources.fonts();
        for (face, font_ref) in faces.iter().zip(&font_refs) {
            if let Some(r) = font_ref {
                fonts.pair(Name(face.resource), *r);
            }
        }
        fonts.finish();
        resources.finish();
        page.finish();
        let stream = content(page_ops(i), &faces);
        pdf.stream(content_ref, &stream).filter(Filter::FlateDecode);
    }
    for (face, font_ref) in faces.iter().zip(&font_refs) {
        if let Some(r) = font_ref {
            face.write(&mut pdf, *r, &mut next)?;
        }
    }
    if !outline.is_empty() && total > 0 {
        write_outline(&mut pdf, outline_id, outline, &page_refs, &mut next)?;
    }
    Some(pdf.finish())
}

/// The bookmarks: one level, each opening its page at the top.
fn write_outline(
    pdf: &mut Pdf,
    id: Ref,
    outline: &[(String, usize)],
    page_refs: &[(Ref, Ref)],
    next: &mut Ref,
) -> Option<()> {
    let items: Vec<Ref> = outline.iter().map(|_| next.bump()).collect();
    pdf.outline(id)
        .first(*items.first()?)
        .last(*items.last()?)
        .count(i32::try_from(items.len()).ok()?);
    for (i, (text, page)) in outline.iter().enumerate() {
        let index = page.saturating_sub(1).min(page_refs.len() - 1);
        let mut item = pdf.outline_item(items[i]);
        item.title(TextStr(text)).parent(id);
        if i > 0 {
            item.prev(items[i - 1]);
        }
        if let Some(&after) = items.get(i + 1) {
            item.next(after);
        }
        let dest: Destination<'_> = item.dest();
        dest.page(page_refs[index].0).xyz(0.0, PAGE_H, None);
    }
    Some(())
}
