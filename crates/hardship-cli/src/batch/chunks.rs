//! Splits a CSV file into chunks of whole records so workers can parse them in parallel, each chunk
//! knowing the physical line it starts on.

use std::io::Read;

/// A run of whole records and the 1-based line number of its first byte.
pub struct Chunk {
    pub seq: u64,
    pub first_line: u64,
    /// False when the reader saw that the chunk holds no `"` (so no field is quoted).
    pub may_quote: bool,
    pub bytes: Vec<u8>,
}

/// Buffers handed back after use and taken again: a fixed set of buffers, reused, instead of one per
/// chunk. Fresh buffers of slightly different sizes left the allocator's heap growing with the file.
#[derive(Clone)]
pub struct BufferPool {
    tx: crossbeam_channel::Sender<Vec<u8>>,
    rx: crossbeam_channel::Receiver<Vec<u8>>,
}

impl BufferPool {
    pub fn new(capacity: usize) -> Self {
        let (tx, rx) = crossbeam_channel::bounded(capacity);
        BufferPool { tx, rx }
    }

    /// An empty buffer: a returned one, or a new one of `capacity` bytes.
    pub fn take(&self, capacity: usize) -> Vec<u8> {
        self.rx
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(capacity))
    }

    pub fn give(&self, mut buffer: Vec<u8>) {
        buffer.clear();
        // A full pool drops the buffer.
        let _ = self.tx.try_send(buffer);
    }
}

/// Reads chunks of about `target` bytes, always cut after a newline that lies outside quotes.
pub struct ChunkReader<R> {
    pool: BufferPool,
    input: R,
    target: usize,
    carry: Vec<u8>,
    next_line: u64,
    seq: u64,
    eof: bool,
}

impl<R: Read> ChunkReader<R> {
    pub fn new(input: R, target: usize, first_line: u64, pool: BufferPool) -> Self {
        ChunkReader {
            carry: pool.take(target),
            pool,
            input,
            target,
            next_line: first_line,
            seq: 0,
            eof: false,
        }
    }

    pub fn next_chunk(&mut self) -> std::io::Result<Option<Chunk>> {
        loop {
            if !self.eof && self.carry.len() < self.target {
                // Into the buffer's spare capacity: zeroing it first cost as much as the read.
                self.carry.reserve(self.target);
                let n = (&mut self.input)
                    .take(self.target as u64)
                    .read_to_end(&mut self.carry)?;
                if n == 0 {
                    self.eof = true;
                }
                continue;
            }
            if self.carry.is_empty() {
                return Ok(None);
            }
            let may_quote = memchr::memchr(b'"', &self.carry).is_some();
            let cut = if self.eof {
                Some(self.carry.len())
            } else {
                last_record_end(&self.carry, may_quote)
            };
            let Some(cut) = cut else {
                // One record longer than the target (a huge quoted field): read more before cutting.
                self.target *= 2;
                continue;
            };
            let mut rest = self.pool.take(self.target);
            rest.extend_from_slice(&self.carry[cut..]);
            self.carry.truncate(cut);
            let bytes = std::mem::replace(&mut self.carry, rest);
            let chunk = Chunk {
                seq: self.seq,
                first_line: self.next_line,
                may_quote,
                bytes,
            };
            self.seq += 1;
            self.next_line += memchr::memchr_iter(b'\n', &chunk.bytes).count() as u64;
            return Ok(Some(chunk));
        }
    }
}

/// The offset just after the last newline that is outside a quoted field, if any. Quotes toggle the
/// state; an escaped quote (`""`) toggles twice and so changes nothing. `may_quote` is false when `buf`
/// holds no `"`.
fn last_record_end(buf: &[u8], may_quote: bool) -> Option<usize> {
    // Most files quote nothing: then the last newline ends a record, found without stopping at the others.
    if !may_quote {
        return memchr::memrchr(b'\n', buf).map(|i| i + 1);
    }
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
    fn a_chunk_without_quotes_ends_after_its_last_newline() {
        let end = |buf: &[u8]| last_record_end(buf, memchr::memchr(b'"', buf).is_some());
        assert_eq!(end(b"a,b\nc,d\ne"), Some(8));
        assert_eq!(end(b"a,b"), None);
        assert_eq!(end(b"a,\"b\nc\"\nd"), Some(8));
        assert_eq!(end(b"a,\"b\nc"), None);
    }

    #[test]
    fn cuts_only_outside_quotes_and_counts_lines() {
        let data = b"a,b\n\"x\ny\",2\nc,3\n".to_vec();
        let mut r = ChunkReader::new(&data[..], 5, 1, BufferPool::new(4));
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
