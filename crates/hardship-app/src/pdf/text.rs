//! Text as the pages set it: Unicode characters the embedded face has glyphs for, and wrapping by
//! character count (the face is monospaced, every glyph 600/1000 em wide).

/// Text as the pages set it: one `char` a glyph cell (the face is monospaced).
pub(super) type Line = Vec<char>;

/// Text ready to set: composed (NFC, so "e" + a combining circumflex is the one character "ê", one cell
/// wide), with '\n' (and "\r\n", '\r') kept as a line break when `multiline` and a space otherwise;
/// tabs become spaces; invisible characters (soft hyphens, zero-width spaces, byte-order marks, combining
/// marks left over) are dropped; a character the embedded face has no glyph for prints as '?'.
pub(super) fn encode(s: &str, multiline: bool) -> Line {
    use unicode_normalization::UnicodeNormalization;
    let newline = if multiline { '\n' } else { ' ' };
    let mut out = Vec::with_capacity(s.len());
    let mut chars = s.nfc().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => out.push(newline),
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push(newline);
                }
            }
            '\t' => out.push(' '),
            '\u{AD}' | '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' => {}
            c if unicode_normalization::char::is_combining_mark(c) => {}
            // Other Unicode spaces: one ordinary space each.
            '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}' | '\u{A0}' => {
                out.push(' ')
            }
            c if c.is_control() => out.push('?'),
            c => out.push(if super::file::has_glyph(c) { c } else { '?' }),
        }
    }
    out
}

/// The characters of a fixed text (labels the layout writes itself).
pub(super) fn chars(s: &str) -> Line {
    s.chars().collect()
}

/// Wraps encoded text into lines of at most `width` characters: by words (runs of spaces separate them,
/// '\n' forces a break, an empty line stays), and a word longer than a line starts on a line of its own
/// and is cut into pieces: a hash or an id at exactly `width` characters, a file name or URL after a
/// punctuation mark when there is one in the second half of the piece.
pub(super) fn wrap(text: &[char], width: usize) -> Vec<Line> {
    let width = width.max(1);
    let mut out = Vec::new();
    for hard in text.split(|&c| c == '\n') {
        let mut line: Line = Vec::new();
        for word in hard.split(|&c| c == ' ').filter(|w| !w.is_empty()) {
            let need = if line.is_empty() {
                word.len()
            } else {
                line.len() + 1 + word.len()
            };
            if need <= width {
                if !line.is_empty() {
                    line.push(' ');
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
pub(super) fn break_point(piece: &[char]) -> usize {
    let after_last = |set: &[char]| {
        piece
            .iter()
            .rposition(|c| set.contains(c))
            .map(|at| at + 1)
            .filter(|&cut| cut >= piece.len().div_ceil(2) && cut < piece.len())
    };
    after_last(&['-', '/', '_', '\\', '&', '?', '='])
        .or_else(|| after_last(&['.', ',', ';', ':']))
        .unwrap_or(piece.len())
}

/// Cuts a single line to `width` characters, ending it with "..." when something was cut.
pub(super) fn truncate(mut text: Line, width: usize) -> Line {
    if text.len() > width {
        text.truncate(width.saturating_sub(3));
        text.extend(std::iter::repeat_n('.', width.min(3)));
    }
    text
}
