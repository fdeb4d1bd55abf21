//! The batch's answer does not depend on how the file is cut or shared out: an entity's rows in several
//! chunks, read by several workers, tallied into shards and merged on several threads, give the output,
//! the errors and the summary of one worker reading the whole file at once.

#![allow(clippy::unwrap_used, clippy::panic)]

use super::*;

const HEADER: &str = "performance_year,npi,tin,reporting_level,clinician_type,hospital_based,non_patient_facing,asc_based,tin_clinician_count,hardship_reason,hardship_status,pi_submitted,quality_score,cost_score,ia_score,pi_score,complex_patient_bonus,practice_zip\n";

/// A small deterministic generator (an LCG): the file is the same on every run.
struct Dice(u64);

impl Dice {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

fn npi(n: u64) -> String {
    let base = format!("{}", 100_000_000 + n);
    let d = hardship_rules::ids::npi_check_digit(base.as_bytes());
    format!("{base}{d}")
}

/// Groups and virtual groups of 1 to 30 members whose rows are spread over the file, individuals in
/// between (some without their practice's size), and one group whose rows disagree.
fn input(dice: &mut Dice) -> String {
    let types = [
        "physician",
        "nurse_practitioner",
        "physician_assistant",
        "crna",
        "physical_therapist",
    ];
    let mut rows = Vec::new();
    let mut n = 0u64;
    for entity in 0..120u64 {
        let year = 2017 + dice.below(10);
        let tin = format!("{}", 200_000_000 + entity * 7);
        let level = if dice.below(4) == 0 {
            "virtual_group"
        } else {
            "group"
        };
        let members = if entity == 7 { 5 } else { 1 + dice.below(30) };
        let pi_submitted = ["true", "false"][dice.below(2) as usize];
        let quality = format!("{}.{:02}", dice.below(100), dice.below(100));
        let (cost, ia) = (dice.below(101), dice.below(101));
        let pi = if dice.below(3) == 0 {
            String::new()
        } else {
            dice.below(101).to_string()
        };
        let bonus = if dice.below(2) == 0 { "" } else { "2.5" };
        let values =
            |ia: u64| format!("{members},,,{pi_submitted},{quality},{cost},{ia},{pi},{bonus}");
        for m in 0..members {
            n += 1;
            let statuses = ["false", "true"][usize::from(dice.below(5) == 0)];
            // One group's last row disagrees with the others on its IA score.
            let vals = if entity == 7 && m == members - 1 && members > 1 {
                values((ia + 1) % 101)
            } else {
                values(ia)
            };
            rows.push(format!(
                "{year},{},{tin},{level},{},{statuses},false,false,{vals},{}",
                npi(n),
                types[dice.below(types.len() as u64) as usize],
                if dice.below(2) == 0 { "35493" } else { "" },
            ));
        }
        for _ in 0..dice.below(6) {
            n += 1;
            let size = if dice.below(2) == 0 {
                String::new()
            } else {
                (1 + dice.below(40)).to_string()
            };
            rows.push(format!(
                "{year},{},{tin},individual,physician,false,false,false,{size},insufficient_internet,pending,false,50,60,70,,,",
                npi(n)
            ));
        }
    }
    // Rows of one entity far apart: the file is shuffled in blocks, so entities straddle chunks.
    let mut blocks: Vec<Vec<String>> = rows.chunks(17).map(<[String]>::to_vec).collect();
    for i in (1..blocks.len()).rev() {
        let j = dice.below(i as u64 + 1) as usize;
        blocks.swap(i, j);
    }
    let mut text = HEADER.to_owned();
    for row in blocks.concat() {
        text.push_str(&row);
        text.push('\n');
    }
    text
}

fn run_with(
    dir: &Path,
    input: &Path,
    threads: usize,
    chunk_bytes: usize,
) -> (String, String, BatchSummary) {
    let output = dir.join(format!("out-{threads}-{chunk_bytes}.csv"));
    let errors = dir.join(format!("errors-{threads}-{chunk_bytes}.csv"));
    let summary = run(&BatchOptions {
        input: input.to_owned(),
        output: output.clone(),
        errors: Some(errors.clone()),
        skip_bad_rows: true,
        threads,
        progress: false,
        chunk_bytes,
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let read = |p: &Path| std::fs::read_to_string(p).unwrap();
    (read(&output), read(&errors), summary)
}

#[test]
fn the_output_is_the_same_however_the_file_is_cut_and_shared_out() {
    let dir = tempfile::tempdir().unwrap();
    let input_path = dir.path().join("in.csv");
    let text = input(&mut Dice(17));
    std::fs::write(&input_path, &text).unwrap();
    let whole = run_with(dir.path(), &input_path, 1, 1 << 24);
    assert!(whole.2.entities >= 100, "{:?}", whole.2);
    assert!(
        whole.2.bad_rows >= 1,
        "the disagreeing group is reported: {:?}",
        whole.2
    );
    assert!(
        whole.1.contains("must carry the same entity values"),
        "{}",
        whole.1
    );
    for (threads, chunk_bytes) in [(2, 4096), (3, 4096), (5, 4096), (2, 1 << 19), (9, 4096)] {
        let cut = run_with(dir.path(), &input_path, threads, chunk_bytes);
        assert_eq!(cut.2, whole.2, "{threads} threads, chunks of {chunk_bytes}");
        assert!(
            cut.0 == whole.0,
            "output differs with {threads} threads, chunks of {chunk_bytes}"
        );
        assert_eq!(cut.1, whole.1, "{threads} threads, chunks of {chunk_bytes}");
    }
}
