//! Text in PDF terms: `WinAnsiEncoding`, and wrapping by character count (Courier is monospaced).

/// Maps text to `WinAnsiEncoding` bytes. With `multiline`, '\n' (and "\r\n", '\r') stays a line break;
/// otherwise it becomes a space. Tabs become spaces, invisible characters (soft hyphens, zero-width
/// spaces, combining accents after their letter) are dropped, and everything else without a WinAnsi
/// glyph, control characters included, becomes '?'.
pub(super) fn encode(s: &str, multiline: bool) -> Vec<u8> {
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
pub(super) fn winansi(c: char) -> Option<u8> {
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
pub(super) fn wrap(text: &[u8], width: usize) -> Vec<Vec<u8>> {
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
pub(super) fn break_point(piece: &[u8]) -> usize {
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
pub(super) fn truncate(mut text: Vec<u8>, width: usize) -> Vec<u8> {
    if text.len() > width {
        text.truncate(width.saturating_sub(3));
        text.extend_from_slice(&b"..."[..width.min(3)]);
    }
    text
}
