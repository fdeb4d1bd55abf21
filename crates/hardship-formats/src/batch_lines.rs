//! Splitting the batch's lines at their commas without the general CSV reader, for chunks that hold no
//! quote: one pass over eight bytes at a time finds the delimiters of every line, or only the leading
//! fields of each line that a reader needs.

use crate::batch_row::Fields;

/// The fields of lines that hold no quote character, split at their commas. The batch splits most of
/// its input this way: the general CSV reader costs several times more per field.
#[derive(Debug, Default)]
pub struct LineSplitter {
    /// Where each field starts, then one past the end of the line plus one (a sentinel).
    starts: Vec<usize>,
}

/// One split line; see [`LineSplitter`].
pub struct SplitLine<'a> {
    line: &'a str,
    starts: &'a [usize],
}

impl LineSplitter {
    /// Splits one line (no line end, no `"`) at every comma.
    pub fn split<'a>(&'a mut self, line: &'a str) -> SplitLine<'a> {
        self.starts.clear();
        self.starts.push(0);
        let (words, tail) = line.as_bytes().as_chunks::<8>();
        for (w, word) in words.iter().enumerate() {
            let mut commas = byte_is(u64::from_le_bytes(*word), b',');
            while commas != 0 {
                self.starts
                    .push(w * 8 + (commas.trailing_zeros() / 8) as usize + 1);
                commas &= commas - 1;
            }
        }
        let tail_start = words.len() * 8;
        for (j, &b) in tail.iter().enumerate() {
            if b == b',' {
                self.starts.push(tail_start + j + 1);
            }
        }
        self.starts.push(line.len() + 1);
        SplitLine {
            line,
            starts: &self.starts,
        }
    }

    /// Calls `f` with each line of `text` (no `"` in it), split, and its 0-based line index. One scan
    /// finds commas and line ends together, eight bytes at a time (see `byte_is`); a blank line is
    /// skipped, as the CSV reader skips it, and a line's `\r` before its `\n` is not part of its last field.
    pub fn for_each_line(&mut self, text: &str, mut f: impl FnMut(u64, &SplitLine<'_>)) {
        let bytes = text.as_bytes();
        let (mut line_start, mut index) = (0usize, 0u64);
        self.starts.clear();
        self.starts.push(0);
        let mut emit = |starts: &mut Vec<usize>, start: usize, end: usize, index: u64| {
            let line = line_between(text, start, end);
            if !line.is_empty() {
                starts.push(line.len() + 1);
                f(index, &SplitLine { line, starts });
            }
            starts.clear();
            starts.push(0);
        };
        let (words, tail) = bytes.as_chunks::<8>();
        for (w, word) in words.iter().enumerate() {
            let word = u64::from_le_bytes(*word);
            let (mut commas, ends) = (byte_is(word, b','), byte_is(word, b'\n'));
            let at = |bits: u64| w * 8 + (bits.trailing_zeros() / 8) as usize;
            if ends == 0 {
                // Most words: commas only, in order.
                while commas != 0 {
                    self.starts.push(at(commas) + 1 - line_start);
                    commas &= commas - 1;
                }
                continue;
            }
            let mut found = commas | ends;
            while found != 0 {
                let i = at(found);
                if ends & found & found.wrapping_neg() == 0 {
                    self.starts.push(i + 1 - line_start);
                } else {
                    emit(&mut self.starts, line_start, i, index);
                    line_start = i + 1;
                    index += 1;
                }
                found &= found - 1;
            }
        }
        let tail_start = words.len() * 8;
        for (j, &b) in tail.iter().enumerate() {
            let i = tail_start + j;
            if b == b',' {
                self.starts.push(i + 1 - line_start);
            } else if b == b'\n' {
                emit(&mut self.starts, line_start, i, index);
                line_start = i + 1;
                index += 1;
            }
        }
        if line_start < bytes.len() {
            emit(&mut self.starts, line_start, bytes.len(), index);
        }
    }
}

impl LineSplitter {
    /// Like [`LineSplitter::for_each_line`], but finds only each line's first `fields` fields and counts
    /// the rest: for readers that need a few leading columns of most lines (the batch's key), at a cost
    /// per eight bytes and not per comma. [`LinePrefix::line`] gives the whole line for a full split.
    pub fn for_each_line_prefix(
        &mut self,
        text: &str,
        fields: usize,
        mut f: impl FnMut(u64, &LinePrefix<'_>),
    ) {
        let bytes = text.as_bytes();
        let (mut line_start, mut index, mut commas) = (0usize, 0u64, 0usize);
        self.starts.clear();
        self.starts.push(0);
        let mut emit =
            |starts: &mut Vec<usize>, start: usize, end: usize, commas: usize, index: u64| {
                let line = line_between(text, start, end);
                if !line.is_empty() {
                    let known = (commas + 1).min(fields);
                    starts.push(line.len() + 1);
                    f(
                        index,
                        &LinePrefix {
                            line,
                            starts,
                            known,
                            width: commas + 1,
                        },
                    );
                }
                starts.clear();
                starts.push(0);
            };
        // A comma at `i`: counted, and kept while the line's leading fields are still being found.
        let comma = |starts: &mut Vec<usize>, commas: &mut usize, i: usize, line_start: usize| {
            *commas += 1;
            if starts.len() <= fields {
                starts.push(i + 1 - line_start);
            }
        };
        let (words, tail) = bytes.as_chunks::<8>();
        for (w, word) in words.iter().enumerate() {
            let word = u64::from_le_bytes(*word);
            let (commas_here, ends) = (byte_is(word, b','), byte_is(word, b'\n'));
            if ends == 0 && self.starts.len() > fields {
                // The line's leading fields are found: only count its commas.
                commas += commas_here.count_ones() as usize;
                continue;
            }
            let mut found = commas_here | ends;
            while found != 0 {
                let i = w * 8 + (found.trailing_zeros() / 8) as usize;
                if ends & (found & found.wrapping_neg()) == 0 {
                    comma(&mut self.starts, &mut commas, i, line_start);
                } else {
                    emit(&mut self.starts, line_start, i, commas, index);
                    (line_start, index, commas) = (i + 1, index + 1, 0);
                }
                found &= found - 1;
            }
        }
        let tail_start = words.len() * 8;
        for (j, &b) in tail.iter().enumerate() {
            let i = tail_start + j;
            if b == b',' {
                comma(&mut self.starts, &mut commas, i, line_start);
            } else if b == b'\n' {
                emit(&mut self.starts, line_start, i, commas, index);
                (line_start, index, commas) = (i + 1, index + 1, 0);
            }
        }
        if line_start < bytes.len() {
            emit(&mut self.starts, line_start, bytes.len(), commas, index);
        }
    }
}

/// The line from `start` to its line end at `end`, without a `\r` before that line end. Commas and line
/// ends are ASCII, so these are character boundaries.
fn line_between(text: &str, start: usize, end: usize) -> &str {
    let end = if end > start && text.as_bytes()[end - 1] == b'\r' {
        end - 1
    } else {
        end
    };
    text.get(start..end).unwrap_or("")
}

/// A line as [`LineSplitter::for_each_line_prefix`] splits it: its leading fields found, its width
/// counted.
pub struct LinePrefix<'a> {
    line: &'a str,
    starts: &'a [usize],
    /// How many leading fields `starts` delimits.
    known: usize,
    width: usize,
}

impl<'a> LinePrefix<'a> {
    /// The whole line, for a full split.
    pub fn line(&self) -> &'a str {
        self.line
    }
}

impl Fields for LinePrefix<'_> {
    #[inline]
    fn width(&self) -> usize {
        self.width
    }
    /// Field `i` when it is among the leading fields found; empty past them (the caller asks for as many
    /// as it reads).
    #[inline]
    fn text(&self, i: usize) -> Result<&str, &[u8]> {
        if i >= self.known {
            return Ok("");
        }
        match (self.starts.get(i), self.starts.get(i + 1)) {
            (Some(&a), Some(&b)) => Ok(self.line.get(a..b - 1).unwrap_or("")),
            _ => Ok(""),
        }
    }
}

/// The bytes of `word` (little-endian) that equal `b`, as the top bit of each: exact for every byte (no
/// borrow runs from one byte into the next), so the set bits are the matches' positions. Plain integer
/// arithmetic on eight bytes at once costs less than a vectorised search that returns to its caller at
/// each of a line's dozen and more commas.
#[inline]
fn byte_is(word: u64, b: u8) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let v = word ^ (u64::from(b) * 0x0101_0101_0101_0101);
    !(((v & LOW7) + LOW7) | v | LOW7)
}

impl Fields for SplitLine<'_> {
    #[inline]
    fn width(&self) -> usize {
        self.starts.len() - 1
    }
    #[inline]
    fn text(&self, i: usize) -> Result<&str, &[u8]> {
        match (self.starts.get(i), self.starts.get(i + 1)) {
            // Commas are ASCII, so these are character boundaries and `get` never fails.
            (Some(&a), Some(&b)) => Ok(self.line.get(a..b - 1).unwrap_or("")),
            _ => Ok(""),
        }
    }
    #[inline]
    fn span(&self, first: usize, last: usize) -> Option<&[u8]> {
        let (a, b) = (*self.starts.get(first)?, *self.starts.get(last + 1)?);
        self.line.as_bytes().get(a..b - 1)
    }
}
