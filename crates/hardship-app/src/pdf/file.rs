//! The PDF file itself: content streams, the running header and footer, objects and the cross-reference table.

use super::*;

/// A number as PDF writes it: at most two decimals, no exponent, never NaN.
pub(super) fn num(v: f32) -> String {
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
pub(super) fn pdf_string(bytes: &[u8], out: &mut String) {
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
pub(super) fn pdf_text_string(s: &str) -> String {
    let mut out = String::from("<FEFF");
    for unit in s.encode_utf16() {
        let _ = write!(out, "{unit:04X}");
    }
    out.push('>');
    out
}

/// The header (the title) and footer (the section, "Page N of M") of a page.
pub(super) fn running_ops(page: &Page, number: usize, total: usize, title: &str) -> Vec<Op> {
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
pub(super) fn content_stream(ops: &[Op]) -> String {
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
pub(super) struct Writer {
    pub(super) buf: Vec<u8>,
    /// `offsets[id]`: where object `id` starts (index 0 is the free-list head).
    pub(super) offsets: Vec<usize>,
}

impl Writer {
    pub(super) fn object(&mut self, id: usize, body: &[u8]) {
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

pub(super) const CATALOG: usize = 1;
pub(super) const PAGES: usize = 2;
pub(super) const FONT_REGULAR: usize = 3;
pub(super) const FONT_BOLD: usize = 4;
pub(super) const INFO: usize = 5;
pub(super) const OUTLINES: usize = 6;
pub(super) const FIRST_BOOKMARK: usize = 7;

/// Writes the file: catalog, page tree, the two fonts, document info, bookmarks (`outline`: title and
/// 1-based page), then each page and its content stream; the cross-reference table and the trailer.
pub(super) fn write_pdf(title: &str, pages: &[Page], outline: &[(String, usize)]) -> Vec<u8> {
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
