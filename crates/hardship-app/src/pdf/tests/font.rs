//! The font reader and subsetter (`pdf/font.rs`) on the embedded faces: what they map, what a subset
//! keeps, that a subset is a well-formed TrueType file, and that no damaged file makes them panic.

use super::super::file::{BOLD, REGULAR};
use super::super::font::Face;
use std::collections::HashSet;

fn u16_at(d: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([d[at], d[at + 1]])
}

fn u32_at(d: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([d[at], d[at + 1], d[at + 2], d[at + 3]])
}

/// The tables of a TrueType file by tag, checking each directory entry's checksum and bounds.
fn tables(file: &[u8]) -> Vec<([u8; 4], &[u8])> {
    let n = u16_at(file, 4) as usize;
    (0..n)
        .map(|i| {
            let e = 12 + 16 * i;
            let tag: [u8; 4] = file[e..e + 4].try_into().unwrap();
            let (sum, at, len) = (
                u32_at(file, e + 4),
                u32_at(file, e + 8),
                u32_at(file, e + 12),
            );
            let data = &file[at as usize..(at + len) as usize];
            if &tag != b"head" {
                let mut padded = data.to_vec();
                padded.resize(padded.len().next_multiple_of(4), 0);
                let actual = padded
                    .chunks(4)
                    .fold(0u32, |s, w| s.wrapping_add(u32_at(w, 0)));
                assert_eq!(actual, sum, "checksum of {}", String::from_utf8_lossy(&tag));
            }
            (tag, data)
        })
        .collect()
}

fn table<'a>(file: &'a [u8], tag: &[u8; 4]) -> &'a [u8] {
    tables(file)
        .into_iter()
        .find(|(t, _)| t == tag)
        .map(|(_, d)| d)
        .unwrap()
}

/// A glyph's outline bytes (long `loca`, as the subset writes it).
fn glyph(file: &[u8], g: u16) -> Vec<u8> {
    let (loca, glyf) = (table(file, b"loca"), table(file, b"glyf"));
    let (a, b) = (
        u32_at(loca, 4 * g as usize),
        u32_at(loca, 4 * g as usize + 4),
    );
    glyf[a as usize..b as usize].to_vec()
}

fn leak(data: Vec<u8>) -> &'static [u8] {
    Box::leak(data.into_boxed_slice())
}

#[test]
fn both_faces_map_the_same_characters_with_one_advance() {
    let (regular, bold) = (Face::parse(REGULAR).unwrap(), Face::parse(BOLD).unwrap());
    let r: HashSet<u32> = regular.characters().collect();
    let b: HashSet<u32> = bold.characters().collect();
    assert_eq!(r, b, "has_glyph asks the regular face for both");
    assert!(r.len() > 2_000, "{} characters", r.len());
    // The layout counts 600/1000 em a character (GLYPH_EM): what `has_glyph` accepts is that wide in
    // both faces, and it refuses only the few glyphs that are not (two-cell ligatures such as Ꜷ).
    let mut wide = Vec::new();
    for c in regular.characters().filter_map(char::from_u32) {
        let widths = [&regular, &bold].map(|f| f.advance(f.glyph(c).unwrap()));
        if super::super::file::has_glyph(c) {
            assert_eq!(widths, [super::GLYPH_EM * 1000.0; 2], "{c:?}");
        } else {
            wide.push(c);
            assert!(
                widths.iter().any(|&w| w != super::GLYPH_EM * 1000.0),
                "{c:?}"
            );
        }
    }
    assert!(wide.contains(&'\u{A736}'), "Ꜷ is two cells wide");
    assert!(wide.contains(&'\u{301}'), "combining marks take no cell");
    assert_eq!(super::encode("Ꜷ", false), vec!['?']);
    for name in [
        "Nguyễn Văn An",
        "Łukasz Wróbel",
        "Núñez",
        "Ærøskøbing",
        "Đặng",
    ] {
        assert!(
            name.chars().all(|c| c == ' ' || regular.glyph(c).is_some()),
            "{name}"
        );
    }
    assert_eq!(regular.glyph('\u{4E2D}'), None, "no CJK in the face");
}

#[test]
fn a_subset_is_a_valid_truetype_file_with_the_used_glyphs_renumbered() {
    let face = Face::parse(REGULAR).unwrap();
    let text = "Nguyễn Văn An, Łukasz Wróbel: ǺǼǾ ǻǽǿ 0123 ?";
    let used: Vec<u16> = text.chars().filter_map(|c| face.glyph(c)).collect();
    let subset = face.subset(used.iter().copied());
    assert_eq!(subset.old[0], 0, ".notdef first");
    let file = face.subset_file(&subset).unwrap();

    // Whole-file checksum (head.checkSumAdjustment), per-table checksums (in `tables`), glyph counts.
    let mut padded = file.clone();
    padded.resize(padded.len().next_multiple_of(4), 0);
    let total = padded
        .chunks(4)
        .fold(0u32, |s, w| s.wrapping_add(u32_at(w, 0)));
    assert_eq!(total, 0xB1B0_AFBA);
    let count = subset.old.len() as u16;
    assert_eq!(u16_at(table(&file, b"maxp"), 4), count);
    assert_eq!(u16_at(table(&file, b"hhea"), 34), count);
    assert_eq!(table(&file, b"hmtx").len(), 4 * count as usize);
    assert_eq!(table(&file, b"loca").len(), 4 * (count as usize + 1));
    let tags: Vec<[u8; 4]> = tables(&file).into_iter().map(|(t, _)| t).collect();
    for tag in [
        b"glyf", b"head", b"hhea", b"hmtx", b"loca", b"maxp", b"cvt ", b"fpgm", b"prep",
    ] {
        assert!(tags.contains(tag), "{}", String::from_utf8_lossy(tag));
    }
    assert!(
        tags.windows(2).all(|w| w[0] < w[1]),
        "directory sorted by tag"
    );
    assert!(file.len() < REGULAR.len() / 10, "{} bytes", file.len());

    // Each used glyph is kept, once, and its outline is the face's; a composite's parts are kept and
    // its references point at their new numbers.
    let mut composites = 0;
    for &old in &used {
        let new = subset.glyph(old);
        assert_ne!(new, 0);
        let (mine, theirs) = (glyph(&file, new), glyph(REGULAR_FULL.as_slice(), old));
        let hmtx = table(&file, b"hmtx");
        assert_eq!(f32::from(u16_at(hmtx, 4 * new as usize)), face.advance(old));
        assert_eq!(mine.len(), theirs.len());
        if mine.len() >= 2 && (u16_at(&mine, 0) as i16) < 0 {
            // A composite: the same bytes but for its first part's glyph id, renumbered (a second
            // part's id sits at a position that depends on the first's flags; the reader's walk is
            // the damaged-file test's business).
            composites += 1;
            let (part_new, part_old) = (u16_at(&mine, 12), u16_at(&theirs, 12));
            assert!(part_new < count);
            assert_eq!(subset.glyph(part_old), part_new);
            assert_eq!(
                glyph(&file, part_new),
                glyph(REGULAR_FULL.as_slice(), part_old)
            );
            assert_eq!(mine[..12], theirs[..12]);
        } else {
            assert_eq!(mine, theirs);
        }
    }
    assert!(composites > 0, "the sample has no composite glyph to check");
    let unique: HashSet<u16> = subset.old.iter().copied().collect();
    assert_eq!(unique.len(), subset.old.len(), "each glyph once");
}

/// The regular face with long `loca` offsets, as the subset writes them, so outlines compare directly.
static REGULAR_FULL: std::sync::LazyLock<Vec<u8>> = std::sync::LazyLock::new(|| {
    let face = Face::parse(REGULAR).unwrap();
    let all = face.subset(0..u16_at(table_raw(REGULAR, b"maxp"), 4));
    face.subset_file(&all).unwrap()
});

/// A table of the face as shipped (its `loca` may be short; only `maxp` is read here).
fn table_raw<'a>(file: &'a [u8], tag: &[u8; 4]) -> &'a [u8] {
    let n = u16_at(file, 4) as usize;
    (0..n)
        .map(|i| 12 + 16 * i)
        .find(|&e| &file[e..e + 4] == tag)
        .map(|e| &file[u32_at(file, e + 8) as usize..][..u32_at(file, e + 12) as usize])
        .unwrap()
}

#[test]
fn damaged_font_files_are_refused_without_a_panic() {
    // Truncations at every length up to the tables, then random bytes changed in the headers the
    // reader walks (directory, head, hhea, maxp, cmap, loca) and in outlines.
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for len in (0..400).chain((400..REGULAR.len()).step_by(9_973)) {
        let face = Face::parse(leak(REGULAR[..len].to_vec()));
        if let Some(face) = face {
            let s = face.subset([1, 2, 3, 4000]);
            let _ = face.subset_file(&s);
        }
    }
    let hot: Vec<usize> = (0..300)
        .chain(REGULAR.len() / 2..REGULAR.len() / 2 + 64)
        .collect();
    for _ in 0..400 {
        let mut data = REGULAR.to_vec();
        for _ in 0..1 + next() % 4 {
            let at = hot[(next() % hot.len() as u64) as usize];
            data[at] = next() as u8;
        }
        if let Some(face) = Face::parse(leak(data)) {
            let used: Vec<u16> = "Nguyễn ǺǼ 0?"
                .chars()
                .filter_map(|c| face.glyph(c))
                .collect();
            let s = face.subset(used);
            let _ = face.subset_file(&s);
        }
    }
}
