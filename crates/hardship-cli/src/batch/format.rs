//! Writing the batch contract's output rows without the formatting machinery (this is the hot path).

use super::RowError;
use super::row::Row;
use super::sources::SourcesCache;
use hardship_rules::cites::{Cites, Warnings};
use hardship_rules::eligibility::{Basis, Decision};
use hardship_rules::scoring::ScoreResult;
use std::io::Write;

pub const OUTPUT_HEADER: &str = "performance_year,npi,tin,reporting_level,pi_reweighted,pi_basis,weight_quality,weight_cost,weight_ia,weight_pi,final_score,adjustment_band,warnings,sources\n";

/// `performance_year,npi,tin,reporting_level,`
pub fn write_prefix(out: &mut Vec<u8>, row: &Row) {
    push_uint(out, u64::from(row.year.get()));
    out.push(b',');
    out.extend_from_slice(row.npi.digits());
    out.push(b',');
    out.extend_from_slice(row.tin.digits());
    out.push(b',');
    out.extend_from_slice(row.level.code().as_bytes());
    out.push(b',');
}

/// From `pi_reweighted` to `sources`, ending the line.
pub fn write_result(
    out: &mut Vec<u8>,
    d: &Decision<'_>,
    basis: Basis,
    s: &ScoreResult<'_>,
    warnings: Warnings,
    cites: [&Cites<'_>; 2],
    cache: &mut SourcesCache,
) {
    out.extend_from_slice(if d.reweighted { b"true," } else { b"false," });
    write_basis(out, basis);
    out.push(b',');
    for w in s.weights {
        push_uint(out, u64::from(w));
        out.push(b',');
    }
    push_2dp(out, s.final_score);
    out.push(b',');
    out.extend_from_slice(s.adjustment.band.code().as_bytes());
    out.push(b',');
    let mut first = true;
    for w in warnings.iter() {
        if !first {
            out.push(b';');
        }
        first = false;
        out.extend_from_slice(w.code().as_bytes());
    }
    out.push(b',');
    cache.write(out, cites);
    out.push(b'\n');
}

fn write_basis(out: &mut Vec<u8>, b: Basis) {
    let (head, tail): (&str, &str) = match b {
        Basis::SpecialStatus(s) => ("special_status:", s.code()),
        Basis::ClinicianType(t) => ("clinician_type:", t.code()),
        Basis::SmallPractice => ("small_practice", ""),
        Basis::Hardship(r) => ("hardship:", r.code()),
        Basis::AutomaticEuc => ("automatic_euc", ""),
        Basis::GroupAllMembersQualify => ("group_all_members_qualify", ""),
        Basis::VoidedByPiSubmission => ("voided_by_pi_submission", ""),
        Basis::GroupTestNotMet => ("group_test_not_met", ""),
        Basis::None => ("none", ""),
    };
    out.extend_from_slice(head.as_bytes());
    out.extend_from_slice(tail.as_bytes());
}

/// Writes `v` in decimal. Values under 10,000 (years, weights, score digits) take fixed-size copies, which
/// compile to a store or two; a copy of a length known only at run time is a call to `memcpy`.
#[inline]
fn push_uint(out: &mut Vec<u8>, v: u64) {
    let d = |x: u64| b'0' + (x % 10) as u8;
    match v {
        0..10 => out.push(d(v)),
        10..100 => out.extend_from_slice(&[d(v / 10), d(v)]),
        100..1000 => out.extend_from_slice(&[d(v / 100), d(v / 10), d(v)]),
        1000..10000 => out.extend_from_slice(&[d(v / 1000), d(v / 100), d(v / 10), d(v)]),
        _ => {
            let mut buf = [0u8; 20];
            let mut i = buf.len();
            let mut v = v;
            while v > 0 {
                i -= 1;
                buf[i] = d(v);
                v /= 10;
            }
            out.extend_from_slice(&buf[i..]);
        }
    }
}

/// A score in [0, 100] with exactly two decimals, rounded half away from zero.
pub fn push_2dp(out: &mut Vec<u8>, v: f64) {
    let hundredths = (v.clamp(0.0, 1e15) * 100.0).round() as u64;
    push_uint(out, hundredths / 100);
    out.push(b'.');
    let frac = hundredths % 100;
    out.push(b'0' + (frac / 10) as u8);
    out.push(b'0' + (frac % 10) as u8);
}

/// One line of the errors file: `line,column,value,message`, quoted as CSV needs.
pub fn write_error_row(w: &mut impl Write, e: &RowError) -> std::io::Result<()> {
    let mut csv = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    // The value (and the message quoting it) is the user's own text: never a formula in a spreadsheet.
    use hardship_formats::spreadsheet::cell;
    csv.write_record([
        e.line.to_string().as_str(),
        &e.column,
        cell(&e.value).as_ref(),
        cell(&e.message).as_ref(),
    ])
    .map_err(std::io::Error::other)?;
    let bytes = csv
        .into_inner()
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    w.write_all(&bytes)
}

#[cfg(test)]
#[allow(clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn integers_in_decimal() {
        for v in [
            0,
            7,
            10,
            99,
            100,
            999,
            1000,
            2027,
            9999,
            10_000,
            123_456,
            u64::MAX,
        ] {
            let mut out = Vec::new();
            push_uint(&mut out, v);
            assert_eq!(String::from_utf8_lossy(&out), v.to_string());
        }
    }

    #[test]
    fn two_decimals() {
        for (v, s) in [
            (0.0, "0.00"),
            (9.473, "9.47"),
            (100.0, "100.00"),
            (54.0051, "54.01"),
            (78.5, "78.50"),
        ] {
            let mut out = Vec::new();
            push_2dp(&mut out, v);
            assert_eq!(String::from_utf8_lossy(&out), s);
        }
    }
}
