//! CMS's published PY 2017 group final scores (Physician Compare) reproduced through `hardship batch`
//! [PC-2017]: ≥ 99.5 % of the 22,659 groups within 0.1 points.

use crate::{HEADER, hardship, npi, write};
use std::collections::HashMap;

const ORACLE: &str = include_str!("../fixtures/derived_2017_group_final_score_oracle.csv");
const CMS_FILE: &str = include_str!(
    "../fixtures/Physician_Compare_2017_Group_Public_Reporting-Overall_MIPS_Performance.csv"
);

#[test]
fn physician_compare_2017_group_scores_reproduce() {
    // The published CMS file is the truth for scores; the derived oracle only says which weighting fits.
    let mut published: HashMap<String, Vec<f64>> = HashMap::new();
    let mut cms = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(CMS_FILE.as_bytes());
    for rec in cms.records() {
        let rec = rec.unwrap();
        published
            .entry(rec[1].to_owned())
            .or_default()
            .push(rec[6].parse().unwrap());
    }
    let mut input = String::from(HEADER);
    input.push('\n');
    let mut expected = Vec::new();
    let mut oracle = csv::Reader::from_reader(ORACLE.as_bytes());
    for (i, rec) in oracle.records().enumerate() {
        let rec = rec.unwrap();
        let (pac, q, aci, ia_points, score, weighting) =
            (&rec[0], &rec[1], &rec[2], &rec[3], &rec[4], &rec[7]);
        let score: f64 = score.parse().unwrap();
        assert!(
            published
                .get(pac)
                .is_some_and(|v| v.iter().any(|p| (p - score).abs() < 1e-9)),
            "oracle row {pac} not in CMS file"
        );
        let ia = ia_points.parse::<f64>().unwrap() / 40.0 * 100.0;
        // A reweighted group: a one-clinician group that is hospital-based (2017's group test: all
        // clinicians), no ACI data. Otherwise ACI is scored as published.
        let reweighted = weighting == "aci_reweighted";
        let (hb, pi) = if reweighted {
            ("true", String::new())
        } else {
            ("false", aci.to_owned())
        };
        let tin = format!("{:09}", i + 1);
        input.push_str(&format!(
            "2017,{},{tin},group,physician,{hb},false,false,20,,,false,{q},,{ia},{pi},\n",
            npi(i as u32)
        ));
        expected.push((pac.to_owned(), score, weighting.to_owned()));
    }
    let dir = tempfile::tempdir().unwrap();
    let inp = write(dir.path(), "pc2017.csv", &input);
    let out = dir.path().join("out.csv");
    let o = hardship(&["batch", &inp, "-o", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", crate::stderr(&o));
    let text = std::fs::read_to_string(&out).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let mut within = 0usize;
    let mut misses = Vec::new();
    for (rec, (pac, score, weighting)) in reader.records().zip(&expected) {
        let rec = rec.unwrap();
        let ours: f64 = rec[10].parse().unwrap();
        if (ours - score).abs() <= 0.1 {
            within += 1;
        } else {
            misses.push(format!("{pac} {weighting}: ours {ours} CMS {score}"));
        }
    }
    let total = expected.len();
    assert_eq!(total, 22_659);
    let share = within as f64 / total as f64;
    assert!(
        share >= 0.995,
        "{within}/{total} within 0.1 ({share:.4}); first misses: {:?}",
        &misses[..misses.len().min(10)]
    );
    // The only rows no PY 2017 traditional-MIPS weighting explains are the six APM scoring-standard ones.
    assert!(misses.len() <= 6, "{misses:?}");
}
