//! Byte-level mutations of a valid file, for hostile-input tests: what a truncated upload, a bad
//! encoding or a hand-edited file looks like to a parser.

use proptest::prelude::*;
use proptest::sample::Index;

/// Bytes that break parsers: quotes, separators, line ends, a BOM, invalid UTF-8, NUL, JSON syntax.
pub const NASTY: &[&[u8]] = &[
    b"\"",
    b",",
    b"\n",
    b"\r\n",
    b"\r",
    b"\xef\xbb\xbf",
    b"\xff",
    b"\xc3",
    b"\0",
    b"\"\"",
    b"{",
    b"}",
    b"[",
    b"]",
    b":",
    b"\\",
    b"\\u",
    b"\\ud800",
    b"1e999999",
    b"-",
    b"\t",
    b" ",
    b"\xe2\x80\xa8",
];

/// One edit of a file's bytes.
#[derive(Clone, Debug)]
pub enum Mutation {
    Flip(Index, u8),
    Insert(Index, Vec<u8>),
    Delete(Index, usize),
    Truncate(Index),
    Duplicate(Index, usize),
}

/// One random edit.
pub fn mutation() -> impl Strategy<Value = Mutation> {
    let nasty = prop::sample::select(NASTY).prop_map(<[u8]>::to_vec);
    let insert = prop_oneof![nasty, prop::collection::vec(any::<u8>(), 1..8)];
    prop_oneof![
        (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (any::<Index>(), insert).prop_map(|(i, b)| Mutation::Insert(i, b)),
        (any::<Index>(), 1usize..16).prop_map(|(i, n)| Mutation::Delete(i, n)),
        any::<Index>().prop_map(Mutation::Truncate),
        (any::<Index>(), 1usize..64).prop_map(|(i, n)| Mutation::Duplicate(i, n)),
    ]
}

/// The bytes with the edits applied in order (positions wrap to the current length).
pub fn apply(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        let at = |i: &Index, len: usize| if len == 0 { 0 } else { i.index(len + 1) };
        match m {
            Mutation::Flip(i, b) if !bytes.is_empty() => {
                let k = i.index(bytes.len());
                bytes[k] = *b;
            }
            Mutation::Flip(..) => {}
            Mutation::Insert(i, b) => {
                let k = at(i, bytes.len());
                bytes.splice(k..k, b.iter().copied());
            }
            Mutation::Delete(i, n) => {
                let k = at(i, bytes.len()).min(bytes.len());
                let end = (k + n).min(bytes.len());
                bytes.drain(k..end);
            }
            Mutation::Truncate(i) => {
                let k = at(i, bytes.len()).min(bytes.len());
                bytes.truncate(k);
            }
            Mutation::Duplicate(i, n) => {
                let k = at(i, bytes.len()).min(bytes.len());
                let end = (k + n).min(bytes.len());
                let copy = bytes[k..end].to_vec();
                bytes.splice(end..end, copy);
            }
        }
    }
    bytes
}

/// Up to `max` random edits.
pub fn mutations(max: usize) -> impl Strategy<Value = Vec<Mutation>> {
    prop::collection::vec(mutation(), 0..=max)
}
