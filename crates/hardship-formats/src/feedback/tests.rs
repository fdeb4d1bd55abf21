#![allow(clippy::unwrap_used)]
use super::*;

fn py(y: u16) -> PerformanceYear {
    PerformanceYear::new(y).unwrap()
}

#[test]
fn a_puf_of_py_2023_is_read_by_name_with_its_weight_columns() {
    let bytes = include_bytes!("../../tests/fixtures/puf_2023.csv");
    let f = parse_feedback(bytes, py(2023)).unwrap();
    assert_eq!(f.layout, Layout::Puf);
    assert!(f.missing_columns.is_empty(), "{:?}", f.missing_columns);
    assert_eq!(f.rows.len(), 2);
    let a = &f.rows[0];
    assert_eq!(
        (a.line, a.tin, a.npi.unwrap().as_str()),
        (2, None, "1234567893")
    );
    assert_eq!(a.weights, Some([30.0, 30.0, 15.0, 25.0]));
    assert_eq!(a.scores, [Some(80.0), Some(70.0), Some(100.0), Some(60.0)]);
    assert_eq!(a.final_score, Some(76.5));
    assert_eq!(a.pi_flags.any(), Some(false));
    let b = &f.rows[1];
    assert_eq!(b.line, 3, "CRLF lines counted as the editor shows them");
    assert_eq!(b.weights, Some([55.0, 30.0, 15.0, 0.0]));
    assert_eq!(b.scores[3], None);
    assert_eq!(b.pi_flags.hardship, Some(true));
    assert_eq!(b.participation.as_deref(), Some("Individual"));
}

#[test]
fn a_puf_of_py_2022_has_no_weights_and_2023_columns_in_any_order_are_found() {
    let csv = "Cost Category Score,NPI,Final Score,Quality Category Score,PI Reweighting (Hardship Exception)\n70,1234567893,80,90,true\n";
    let f = parse_feedback(csv.as_bytes(), py(2022)).unwrap();
    assert_eq!(f.rows[0].weights, None);
    assert_eq!(f.rows[0].scores[1], Some(70.0));
    assert_eq!(f.rows[0].pi_flags.hardship, Some(true));
    assert!(!f.missing_columns.iter().any(|c| c == "cost category score"));
    // The same header read as PY 2023 says which of that year's labels it lacks.
    let f = parse_feedback(csv.as_bytes(), py(2023)).unwrap();
    assert!(
        f.missing_columns
            .iter()
            .any(|c| c == "quality category weight")
    );
}

#[test]
fn weights_given_as_fractions_are_read_as_percent() {
    let csv = "npi,final score,quality category score,quality category weight,cost category weight,improvement activities (ia) category weight,promoting interoperability (pi) category weight\n1234567893,80,80,0.55,0.30,0.15,0\n";
    let f = parse_feedback(csv.as_bytes(), py(2024)).unwrap();
    let w = f.rows[0].weights.unwrap();
    assert!((w[0] - 55.0).abs() < 1e-9 && (w[3]).abs() < 1e-9);
}

#[test]
fn the_plain_file_with_bom_crlf_and_headers_in_any_case() {
    let csv = "\u{feff}TIN,NPI,Performance Year,Final_Score,Quality_Score,Cost_Score,IA_Score,PI_Score,Quality_Weight,Cost_Weight,IA_Weight,PI_Weight,Payment_Adjustment\r\n\
12-3456789,1234567893,2024,81.25,80,70,100,85,30,30,15,25,0.5\r\n\
123456789,,2024,80,80,70,100,,55,30,15,0,\r\n";
    let f = parse_feedback(csv.as_bytes(), py(2024)).unwrap();
    assert_eq!(f.layout, Layout::Plain);
    assert_eq!(f.rows.len(), 2);
    assert_eq!(f.rows[0].tin.unwrap().as_str(), "123456789");
    assert_eq!(f.rows[1].npi, None, "an empty NPI is the group's row");
    assert_eq!(f.rows[1].line, 3);
    assert_eq!(f.rows[0].payment_adjustment, Some(0.5));
}

#[test]
fn errors_name_line_column_and_value() {
    let csv = "tin,npi,performance_year,final_score,pi_weight,quality_weight,cost_weight,ia_weight\r\n\
123456789,1234567893,2024,81,25,30,30,15\r\n\
123456789,1234567890,2023,101,25,30,,15\r\n";
    let errors = parse_feedback(csv.as_bytes(), py(2024)).unwrap_err();
    let got: Vec<(u64, &str, &str)> = errors
        .iter()
        .map(|e| (e.line, e.column.as_str(), e.value.as_str()))
        .collect();
    assert!(got.contains(&(3, "final_score", "101")), "{got:?}");
    assert!(got.contains(&(3, "npi", "1234567890")), "{got:?}");
    assert!(got.contains(&(3, "performance_year", "2023")), "{got:?}");
    assert!(got.contains(&(3, "pi_weight", "25")), "{got:?}");
    let missing = parse_feedback(b"npi,score\n1,2\n", py(2024)).unwrap_err();
    assert_eq!(missing[0].line, 1);
    assert!(missing[0].message.contains("tin"), "{}", missing[0].message);
}
