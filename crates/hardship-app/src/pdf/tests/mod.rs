//! The PDF writer's tests: layout arithmetic here, and real files checked with poppler in `poppler.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use super::*;
use sha2::{Digest, Sha256};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// The embedded faces read, subsetted and read back.
mod font;
/// Files read back with poppler.
mod poppler;

// ---- helpers ---------------------------------------------------------------------------------------

/// Checks what can be checked without a reader: the header and the end marker (the page count and
/// the text are checked with poppler, below).
fn check_structure(pdf: &[u8]) {
    assert!(pdf.starts_with(b"%PDF-"), "header");
    let tail = &pdf[pdf.len().saturating_sub(16)..];
    assert!(
        tail.windows(5).any(|w| w == b"%%EOF"),
        "end marker in {:?}",
        String::from_utf8_lossy(tail)
    );
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
                    assert!(
                        text.iter().all(|c| !c.is_control()),
                        "no control characters"
                    );
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

fn text(s: &[char]) -> String {
    s.iter().collect()
}

#[test]
fn every_name_prints_and_nothing_invisible_does() {
    let e = |t: &str, multiline| text(&encode(t, multiline));
    for name in [
        "Nguyễn Văn An",
        "Łukasz Wróbel",
        "José Núñez",
        "Zoë Ångström",
        "Ólafur Þórðarson",
        "Şükrü Öztürk",
        "Дмитрий Шостакович",
        "Σωκράτης",
    ] {
        assert_eq!(e(name, false), name, "{name}");
    }
    assert_eq!(
        e("— – ’ ‘ “ ” … • € ™ → ≤", false),
        "— – ’ ‘ “ ” … • € ™ → ≤"
    );
    // Decomposed input is composed, so one character is one cell.
    assert_eq!(e("Nguye\u{302}\u{303}n", false), "Nguyễn");
    // What the face cannot print, and control characters, show as '?'.
    assert_eq!(e("日本 😀", false), "?? ?");
    assert_eq!(e("a\u{0}b\u{7}c\u{1b}d\u{85}e\u{7f}", false), "a?b?c?d?e?");
    assert_eq!(e("x\u{AD}y\u{200B}z\u{FEFF}", false), "xyz");
    assert_eq!(e("a\tb\u{2003}c", false), "a b c");
    assert_eq!(e("1\n2\r\n3\r4", true), "1\n2\n3\n4");
    assert_eq!(e("1\n2\r\n3", false), "1 2 3");
}

#[test]
fn wrapping_respects_the_width_and_keeps_every_character() {
    let w = |t: &str, n| {
        wrap(&chars(t), n)
            .into_iter()
            .map(|l| text(&l))
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
        let lines = wrap(&chars(&hash), width);
        assert!(lines.iter().all(|l| l.len() <= width));
        assert_eq!(text(&lines.concat()), hash);
    }
    let sentence = "The quick brown fox jumps over the lazy dog ".repeat(20);
    for width in 1..90 {
        let lines = wrap(&chars(&sentence), width);
        assert!(lines.iter().all(|l| l.len() <= width), "width {width}");
        let words: String = sentence.chars().filter(|&c| c != ' ').collect();
        let kept: String = lines.concat().into_iter().filter(|&c| c != ' ').collect();
        assert_eq!(kept, words);
    }
    // Noto Sans Mono: 84 characters of 10 pt across the 504 pt text width; 41 of 8 pt in a 204.75 pt cell.
    assert_eq!(chars_in(TEXT_W, BODY_SIZE), 84);
    assert_eq!(chars_in(204.75 - 2.0 * CELL_PAD_X, TABLE_SIZE), 41);
    assert_eq!(text(&truncate(chars("abcdefgh"), 6)), "abc...");
    assert_eq!(text(&truncate(chars("abc"), 6)), "abc");
    assert_eq!(text(&truncate(chars("abcdef"), 2)), "..");
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
    check_structure(&rendered.bytes);
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
    // The face is embedded (a subset, its name prefixed with a tag), not a standard font by name.
    let bytes = String::from_utf8_lossy(&rendered.bytes);
    assert!(bytes.contains("+NotoSansMono"), "embedded subset");
    assert!(!bytes.contains("/BaseFont /Courier"));
    let footer = |page: usize| -> String {
        running_ops(&layout.pages[page], page + 1, rendered.pages, &doc.title)
            .iter()
            .filter_map(|op| match op {
                Op::Text { text, .. } => Some(text.iter().collect::<String>()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("|")
    };
    assert!(footer(1).contains(&format!("Page 2 of {}", rendered.pages)));
    let last = rendered.pages - 1;
    assert!(footer(last).contains(&format!("Page {0} of {0}", rendered.pages)));
    assert!(footer(0).is_empty(), "no header or footer on the cover");
}

#[test]
fn headers_repeat_and_rows_stay_whole_across_page_breaks() {
    let doc = binder();
    let layout = layout(&doc);
    let first = layout.section_pages[1] - 1;
    let last = layout.section_pages[2] - 1;
    let mut rows_seen = 0;
    for page in &layout.pages[first..last] {
        let texts: Vec<String> = page
            .ops
            .iter()
            .filter_map(|op| match op {
                Op::Text {
                    font: Font::Bold,
                    size,
                    text,
                    ..
                } if *size == TABLE_SIZE => Some(text.iter().collect()),
                _ => None,
            })
            .collect();
        assert!(texts.iter().any(|t| t == "SHA-256"), "header on every page");
        // Each row's hash is split in a 41-character and a 23-character line on the same page.
        let pieces: Vec<usize> = page
            .ops
            .iter()
            .filter_map(|op| match op {
                Op::Text {
                    font: Font::Regular,
                    text,
                    ..
                } if text.len() >= 20 && text.iter().all(char::is_ascii_hexdigit) => {
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
    let printed: std::collections::HashSet<String> = layout
        .pages
        .iter()
        .flat_map(|p| &p.ops)
        .filter_map(|op| match op {
            Op::Text { text, .. } => Some(text.iter().collect()),
            _ => None,
        })
        .collect();
    for i in 1..=300 {
        assert!(printed.contains(&i.to_string()), "row {i}");
        assert!(
            printed.contains(&format!("{i:04}.pdf")),
            "wrapped after the '-'"
        );
    }
    assert!(printed.contains("Reason:"));
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
    let page_of = |needle: &str| {
        layout
            .pages
            .iter()
            .position(|p| {
                p.ops
                    .iter()
                    .any(|op| matches!(op, Op::Text { text, .. } if text.iter().collect::<String>() == needle))
            })
            .unwrap()
    };
    assert_eq!(page_of("line 0"), 2);
    assert_eq!(page_of("Kept with its table"), 3);
    assert_eq!(page_of("Kept with its table"), page_of("1"));
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
        check_structure(&rendered.bytes);
        assert_eq!(rendered.section_pages.len(), doc.sections.len());
        check_geometry(&layout(&doc));
    }
    let empty = render_detailed(&Document::default());
    assert_eq!(empty.pages, 2, "a cover and the contents page");
}
