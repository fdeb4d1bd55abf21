//! Splits a CSV file into chunks of whole records so workers can parse them in parallel, each chunk
//! knowing the physical line it starts on.

use std::io::Read;

/// A run of whole records and the 1-based line number of its first byte.
pub struct Chunk {
    pub seq: u64,
    pub first_line: u64,
    pub bytes: Vec<u8>,
}

/// Reads chunks of about `target` bytes, always cut after a newline that lies outside quotes.
pub struct ChunkReader<R> {
    input: R,
    target: usize,
    carry: Vec<u8>,
    next_line: u64,
    seq: u64,
    eof: bool,
}

impl<R: Read> ChunkReader<R> {
    pub fn new(input: R, target: usize, first_line: u64, carry: Vec<u8>) -> Self {
        ChunkReader {
            input,
            target,
            carry,
            next_line: first_line,
            seq: 0,
            eof: false,
        }
    }

    pub fn next_chunk(&mut self) -> std::io::Result<Option<Chunk>> {
        loop {
            if !self.eof && self.carry.len() < self.target {
                let start = self.carry.len();
                self.carry.resize(start + self.target, 0);
                let n = read_full(&mut self.input, &mut self.carry[start..])?;
                self.carry.truncate(start + n);
                if n == 0 {
                    self.eof = true;
                }
                continue;
            }
            if self.carry.is_empty() {
                return Ok(None);
            }
            let cut = if self.eof {
                Some(self.carry.len())
            } else {
                last_record_end(&self.carry)
            };
            let Some(cut) = cut else {
                // One record longer than the target (a huge quoted field): read more before cutting.
                self.target *= 2;
                continue;
            };
            let rest = self.carry.split_off(cut);
            let bytes = std::mem::replace(&mut self.carry, rest);
            let chunk = Chunk {
                seq: self.seq,
                first_line: self.next_line,
                bytes,
            };
            self.seq += 1;
            self.next_line += memchr::memchr_iter(b'\n', &chunk.bytes).count() as u64;
            return Ok(Some(chunk));
        }
    }
}

fn read_full<R: Read>(r: &mut R, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// The offset just after the last newline that is outside a quoted field, if any. Quotes toggle the
/// state; an escaped quote (`""`) toggles twice and so changes nothing.
fn last_record_end(buf: &[u8]) -> Option<usize> {
    let mut in_quotes = false;
    let mut last = None;
    for i in memchr::memchr2_iter(b'"', b'\n', buf) {
        if buf[i] == b'"' {
            in_quotes = !in_quotes;
        } else if !in_quotes {
            last = Some(i + 1);
        }
    }
    last
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn cuts_only_outside_quotes_and_counts_lines() {
        let data = b"a,b\n\"x\ny\",2\nc,3\n".to_vec();
        let mut r = ChunkReader::new(&data[..], 5, 1, Vec::new());
        let mut seen = Vec::new();
        while let Some(c) = r.next_chunk().unwrap() {
            seen.push((c.first_line, String::from_utf8(c.bytes).unwrap()));
        }
        let joined: String = seen.iter().map(|(_, s)| s.as_str()).collect();
        assert_eq!(joined.as_bytes(), &data[..]);
        assert!(seen.iter().all(|(_, s)| s.ends_with('\n')));
        assert!(seen.iter().any(|(_, s)| s.contains("\"x\ny\"")));
        // The line of "c,3" is 4 whichever chunk holds it.
        let (first, text) = seen.iter().find(|(_, s)| s.contains("c,3")).unwrap();
        let before = text[..text.find("c,3").unwrap()].matches('\n').count() as u64;
        assert_eq!(first + before, 4);
    }
}
