//! The PDF writer's files read back with poppler (`pdftotext`, `pdfinfo`): the text laid out, awkward
//! documents, narrow columns and every name exactly, every word inside the margins.

use super::*;

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
    assert!(all.contains("vendor’s"), "typography comes back as Unicode");
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

#[test]
fn narrow_columns_keep_their_words_whole() {
    let columns = vec![
        Column::new("Clinician", 4.0),
        Column::new("PI", 0.3),
        Column::new("Basis", 1.0),
    ];
    let rows = vec![vec![
        "Dr. Ada Lovelace".into(),
        "reweighted".into(),
        "special status: hospital-based".into(),
    ]];
    let shares = fit_words(
        &table_shares(&columns, 3),
        &longest_words(&columns, &rows, 0..3),
    );
    let grid = table_grid(&shares);
    for (c, row) in rows[0].iter().enumerate() {
        for line in cell_lines(&grid, c, row) {
            let line: String = line.iter().collect();
            assert!(
                row.split_whitespace()
                    .any(|w| line.split_whitespace().any(|l| l == w)),
                "{line:?} is a piece of a word of {row:?}"
            );
        }
    }
    assert!(grid.chars[1] >= "reweighted".len());
    assert!((grid.w.iter().sum::<f32>() - TEXT_W).abs() < 0.1);
}

#[test]
fn poppler_reads_every_name_exactly() {
    if !poppler() {
        return;
    }
    let names = [
        "Nguyễn Văn An",
        "Łukasz Wróbel",
        "José Núñez",
        "Zoë → Şükrü",
    ];
    let doc = Document {
        title: format!("Binder — {}", names[0]),
        subtitle: vec![names[1].to_owned()],
        sections: vec![Section {
            title: format!("Clinicians of {}", names[2]),
            blocks: vec![
                Block::Paragraph(names.join(", ")),
                Block::KeyValues(vec![("Clinician".into(), names[3].into())]),
                Block::Table {
                    columns: vec![Column::new("Name", 2.0), Column::new("NPI", 1.0)],
                    rows: names
                        .iter()
                        .map(|n| vec![(*n).to_owned(), "1234567893".into()])
                        .collect(),
                },
            ],
        }],
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("names.pdf");
    std::fs::write(&path, render(&doc)).unwrap();
    let text = tool("pdftotext", &[path.to_str().unwrap(), "-"]);
    for name in names {
        assert!(text.contains(name), "{name:?} not in:\n{text}");
    }
    assert!(!text.contains('?'), "nothing replaced:\n{text}");
}
