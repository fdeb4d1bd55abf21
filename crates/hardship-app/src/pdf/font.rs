//! The embedded TrueType faces, read for what a PDF needs of them: the character map (which
//! characters print, and as which glyph), the metrics of the font descriptor, each glyph's advance, and
//! a subset that holds only the glyphs a document uses.
//!
//! Why our own reader: a PDF of a monospaced Latin face needs only these few tables, and the general
//! font libraries (parsing every table, shaping, a subsetter that rewrites any font) were about a fifth
//! of the first build's compile time (issue 17). Every read is bounds-checked: a face that does not
//! parse yields `None`, never a panic.
//!
//! The subset keeps the tables a PDF's embedded TrueType font must have (ISO 32000-1, 9.9, table 126:
//! `head`, `hhea`, `loca`, `maxp`, `cvt `, `prep`, `glyf`, `hmtx`, `fpgm`) and renumbers the glyphs
//! kept (the .notdef glyph first, then those used, then the parts of composite glyphs), rewriting the
//! composite glyphs' references to their parts.

use std::collections::HashMap;
use std::ops::Range;

/// A parsed face over its file's bytes.
pub(super) struct Face {
    data: &'static [u8],
    tables: Vec<([u8; 4], Range<usize>)>,
    units_per_em: u16,
    long_loca: bool,
    num_glyphs: u16,
    num_h_metrics: u16,
    /// Character → glyph, for every character the face maps.
    cmap: HashMap<u32, u16>,
    pub(super) ascent: f32,
    pub(super) descent: f32,
    pub(super) cap_height: f32,
    /// xMin, yMin, xMax, yMax, in thousandths of an em (PDF glyph space).
    pub(super) bbox: [f32; 4],
}

/// The glyphs of a subset, in the order of its new numbering: `old[new] == old glyph id`.
#[derive(Default)]
pub(super) struct Subset {
    pub(super) old: Vec<u16>,
    new: HashMap<u16, u16>,
}

impl Subset {
    /// The subset's glyph id for a glyph of the face (the .notdef glyph, 0, for one not kept).
    pub(super) fn glyph(&self, old: u16) -> u16 {
        self.new.get(&old).copied().unwrap_or(0)
    }
}

fn u16_at(d: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(d.get(at..at + 2)?.try_into().ok()?))
}

fn i16_at(d: &[u8], at: usize) -> Option<i16> {
    u16_at(d, at).map(|v| v as i16)
}

fn u32_at(d: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(d.get(at..at + 4)?.try_into().ok()?))
}

// Composite glyph component flags (OpenType `glyf`).
const ARG_1_AND_2_ARE_WORDS: u16 = 0x0001;
const WE_HAVE_A_SCALE: u16 = 0x0008;
const MORE_COMPONENTS: u16 = 0x0020;
const WE_HAVE_AN_X_AND_Y_SCALE: u16 = 0x0040;
const WE_HAVE_A_TWO_BY_TWO: u16 = 0x0080;

/// The byte offsets (within a composite glyph's data) of its components' glyph ids.
fn component_offsets(glyph: &[u8]) -> Vec<usize> {
    let mut out = Vec::new();
    if i16_at(glyph, 0).is_none_or(|contours| contours >= 0) {
        return out;
    }
    let mut at = 10;
    while let Some(flags) = u16_at(glyph, at) {
        if at + 4 > glyph.len() {
            break;
        }
        out.push(at + 2);
        at += 4 + if flags & ARG_1_AND_2_ARE_WORDS != 0 {
            4
        } else {
            2
        };
        at += if flags & WE_HAVE_A_SCALE != 0 {
            2
        } else if flags & WE_HAVE_AN_X_AND_Y_SCALE != 0 {
            4
        } else if flags & WE_HAVE_A_TWO_BY_TWO != 0 {
            8
        } else {
            0
        };
        if flags & MORE_COMPONENTS == 0 {
            break;
        }
    }
    out
}

impl Face {
    pub(super) fn parse(data: &'static [u8]) -> Option<Face> {
        let count = u16_at(data, 4)? as usize;
        let mut tables = Vec::with_capacity(count);
        for i in 0..count {
            let entry = 12 + 16 * i;
            let tag: [u8; 4] = data.get(entry..entry + 4)?.try_into().ok()?;
            let start = u32_at(data, entry + 8)? as usize;
            let end = start.checked_add(u32_at(data, entry + 12)? as usize)?;
            data.get(start..end)?;
            tables.push((tag, start..end));
        }
        let mut face = Face {
            data,
            tables,
            units_per_em: 0,
            long_loca: false,
            num_glyphs: 0,
            num_h_metrics: 0,
            cmap: HashMap::new(),
            ascent: 0.0,
            descent: 0.0,
            cap_height: 0.0,
            bbox: [0.0; 4],
        };
        let head = face.table(b"head")?;
        face.units_per_em = u16_at(head, 18).filter(|&u| u > 0)?;
        let mut bbox = [0.0; 4];
        for (i, v) in bbox.iter_mut().enumerate() {
            *v = face.scale(i16_at(head, 36 + 2 * i)?);
        }
        face.bbox = bbox;
        face.long_loca = i16_at(head, 50)? == 1;
        face.num_glyphs = u16_at(face.table(b"maxp")?, 4)?;
        let hhea = face.table(b"hhea")?;
        face.ascent = face.scale(i16_at(hhea, 4)?);
        face.descent = face.scale(i16_at(hhea, 6)?);
        face.num_h_metrics = u16_at(hhea, 34).filter(|&n| n > 0)?;
        face.cap_height = face
            .table(b"OS/2")
            .and_then(|os2| i16_at(os2, 88))
            .map_or(face.ascent, |c| face.scale(c));
        face.cmap = face.read_cmap()?;
        Some(face)
    }

    fn table(&self, tag: &[u8; 4]) -> Option<&'static [u8]> {
        let data: &'static [u8] = self.data;
        let (_, range) = self.tables.iter().find(|(t, _)| t == tag)?;
        data.get(range.clone())
    }

    /// Font units as thousandths of an em.
    fn scale(&self, v: i16) -> f32 {
        f32::from(v) * 1000.0 / f32::from(self.units_per_em)
    }

    /// The Unicode map, from the full-repertoire subtable (platform 0 or 3, format 12), which both
    /// embedded faces have.
    fn read_cmap(&self) -> Option<HashMap<u32, u16>> {
        let cmap = self.table(b"cmap")?;
        let count = u16_at(cmap, 2)? as usize;
        let sub = (0..count).find_map(|i| {
            let at = 4 + 8 * i;
            let platform = u16_at(cmap, at)?;
            let offset = u32_at(cmap, at + 4)? as usize;
            let unicode = platform == 0 || (platform == 3 && u16_at(cmap, at + 2)? == 10);
            (unicode && u16_at(cmap, offset)? == 12).then(|| cmap.get(offset..))?
        })?;
        let mut map = HashMap::new();
        let groups = u32_at(sub, 12)? as usize;
        for g in 0..groups {
            let at = 16 + 12 * g;
            let (first, last, glyph) =
                (u32_at(sub, at)?, u32_at(sub, at + 4)?, u32_at(sub, at + 8)?);
            if last < first || last > 0x10FFFF {
                return None;
            }
            for c in first..=last {
                let g = u16::try_from(glyph.checked_add(c - first)?).ok()?;
                if g != 0 && g < self.num_glyphs {
                    map.insert(c, g);
                }
            }
        }
        Some(map)
    }

    /// The glyph that prints `c`, if the face has one.
    pub(super) fn glyph(&self, c: char) -> Option<u16> {
        self.cmap.get(&u32::from(c)).copied()
    }

    /// Every character the face maps to a glyph.
    #[cfg(test)]
    pub(super) fn characters(&self) -> impl Iterator<Item = u32> + '_ {
        self.cmap.keys().copied()
    }

    /// A glyph's advance width and left side bearing, in font units.
    fn h_metric(&self, glyph: u16) -> Option<(u16, i16)> {
        let hmtx = self.table(b"hmtx")?;
        let long = glyph.min(self.num_h_metrics - 1) as usize;
        let advance = u16_at(hmtx, 4 * long)?;
        let lsb = if glyph < self.num_h_metrics {
            i16_at(hmtx, 4 * long + 2)?
        } else {
            let extra = 4 * self.num_h_metrics as usize + 2 * (glyph - self.num_h_metrics) as usize;
            i16_at(hmtx, extra)?
        };
        Some((advance, lsb))
    }

    /// A glyph's advance in thousandths of an em.
    pub(super) fn advance(&self, glyph: u16) -> f32 {
        self.h_metric(glyph).map_or(0.0, |(a, _)| {
            f32::from(a) * 1000.0 / f32::from(self.units_per_em)
        })
    }

    fn glyph_data(&self, glyph: u16) -> Option<&'static [u8]> {
        let (loca, glyf) = (self.table(b"loca")?, self.table(b"glyf")?);
        let g = glyph as usize;
        let (start, end) = if self.long_loca {
            (
                u32_at(loca, 4 * g)? as usize,
                u32_at(loca, 4 * g + 4)? as usize,
            )
        } else {
            (
                2 * u16_at(loca, 2 * g)? as usize,
                2 * u16_at(loca, 2 * g + 2)? as usize,
            )
        };
        glyf.get(start..end)
    }

    /// The glyphs to keep for `used`: .notdef, the used ones (in order), then the parts of composites.
    pub(super) fn subset(&self, used: impl IntoIterator<Item = u16>) -> Subset {
        let mut old = vec![0u16];
        let mut new = HashMap::from([(0u16, 0u16)]);
        let mut keep = |g: u16, old: &mut Vec<u16>| {
            if g < self.num_glyphs && !new.contains_key(&g) {
                new.insert(g, old.len() as u16);
                old.push(g);
            }
        };
        for g in used {
            keep(g, &mut old);
        }
        let mut i = 0;
        while i < old.len() {
            let data = self.glyph_data(old[i]).unwrap_or_default();
            for at in component_offsets(data) {
                if let Some(part) = u16_at(data, at) {
                    keep(part, &mut old);
                }
            }
            i += 1;
        }
        Subset { old, new }
    }

    /// The subset as a TrueType file, for a PDF's `FontFile2`. `None` if a table it needs is missing.
    pub(super) fn subset_file(&self, subset: &Subset) -> Option<Vec<u8>> {
        let count = u16::try_from(subset.old.len()).ok()?;
        let (mut glyf, mut loca, mut hmtx) = (Vec::new(), Vec::new(), Vec::new());
        for &g in &subset.old {
            loca.extend_from_slice(&u32::try_from(glyf.len()).ok()?.to_be_bytes());
            let data = self.glyph_data(g)?;
            let start = glyf.len();
            glyf.extend_from_slice(data);
            for at in component_offsets(data) {
                let part = u16_at(data, at)?;
                glyf[start + at..start + at + 2].copy_from_slice(&subset.glyph(part).to_be_bytes());
            }
            glyf.resize(glyf.len().next_multiple_of(4), 0);
            let (advance, lsb) = self.h_metric(g)?;
            hmtx.extend_from_slice(&advance.to_be_bytes());
            hmtx.extend_from_slice(&lsb.to_be_bytes());
        }
        loca.extend_from_slice(&u32::try_from(glyf.len()).ok()?.to_be_bytes());
        let mut head = self.table(b"head")?.to_vec();
        head.get_mut(8..12)?.fill(0); // checkSumAdjustment, set once the file is whole
        head.get_mut(50..52)?.copy_from_slice(&1i16.to_be_bytes()); // long offsets
        let mut hhea = self.table(b"hhea")?.to_vec();
        hhea.get_mut(34..36)?.copy_from_slice(&count.to_be_bytes());
        let mut maxp = self.table(b"maxp")?.to_vec();
        maxp.get_mut(4..6)?.copy_from_slice(&count.to_be_bytes());
        let mut tables: Vec<([u8; 4], Vec<u8>)> = vec![
            (*b"glyf", glyf),
            (*b"head", head),
            (*b"hhea", hhea),
            (*b"hmtx", hmtx),
            (*b"loca", loca),
            (*b"maxp", maxp),
        ];
        for tag in [b"cvt ", b"fpgm", b"prep"] {
            if let Some(t) = self.table(tag) {
                tables.push((*tag, t.to_vec()));
            }
        }
        tables.sort_by_key(|(tag, _)| *tag);
        Some(write_sfnt(tables))
    }
}

/// The sum of a table's big-endian 32-bit words (zero-padded), as TrueType checksums are.
fn checksum(data: &[u8]) -> u32 {
    data.chunks(4).fold(0u32, |sum, word| {
        let mut w = [0u8; 4];
        w[..word.len()].copy_from_slice(word);
        sum.wrapping_add(u32::from_be_bytes(w))
    })
}

/// A TrueType file of `tables` (sorted by tag), with its directory and checksums.
fn write_sfnt(tables: Vec<([u8; 4], Vec<u8>)>) -> Vec<u8> {
    let n = tables.len() as u16;
    let power = if n == 0 {
        0
    } else {
        15 - n.leading_zeros() as u16
    };
    let search_range = (1u16 << power) * 16;
    let mut out = Vec::new();
    out.extend_from_slice(&0x0001_0000u32.to_be_bytes());
    for v in [n, search_range, power, n * 16 - search_range] {
        out.extend_from_slice(&v.to_be_bytes());
    }
    let mut offset = 12 + 16 * tables.len();
    let mut head_at = None;
    for (tag, data) in &tables {
        out.extend_from_slice(tag);
        out.extend_from_slice(&checksum(data).to_be_bytes());
        out.extend_from_slice(&(offset as u32).to_be_bytes());
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        if tag == b"head" {
            head_at = Some(offset);
        }
        offset += data.len().next_multiple_of(4);
    }
    for (_, data) in &tables {
        out.extend_from_slice(data);
        out.resize(out.len().next_multiple_of(4), 0);
    }
    if let Some(at) = head_at {
        let adjustment = 0xB1B0_AFBAu32.wrapping_sub(checksum(&out));
        out[at + 8..at + 12].copy_from_slice(&adjustment.to_be_bytes());
    }
    out
}
