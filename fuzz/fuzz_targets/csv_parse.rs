//! CSV: the import decoder (`export::decode_csv_bytes`: UTF-8 with or without BOM, else exact
//! CP932, else nothing), then the reader set up as the reference-list loaders set it up
//! (`csv::Reader::from_reader` and serde rows of the loaders' shapes), fed arbitrary bytes;
//! then the lookups that user input reaches in the CSV-loaded lists.
#![no_main]

use domain::export::decode_csv_bytes;
use domain::municipality::{self, MunicipalityCode};
use domain::vocab::{self, VocabCode, VocabKind};
use libfuzzer_sys::fuzz_target;
use serde::Deserialize;

/// Shape of `municipality.rs`'s `Row`.
#[derive(Deserialize)]
#[allow(dead_code)]
struct LocalGovRow {
    code: String,
    kind: String,
    parent_code: String,
    name: String,
    name_kana: String,
}

/// Shape of `vocab.rs`'s `MedicalRow` (typed and optional cells).
#[derive(Deserialize)]
#[allow(dead_code)]
struct MedicalRow {
    code: String,
    group: u8,
    ja: String,
    en: String,
    base_score: u32,
    watch_high: Option<u32>,
    watch_mid: Option<u32>,
    watch_low: Option<u32>,
}

fn read_all<T: for<'de> Deserialize<'de>>(bytes: &[u8]) -> usize {
    csv::Reader::from_reader(bytes)
        .deserialize::<T>()
        .filter(Result::is_ok)
        .count()
}

fuzz_target!(|data: &[u8]| {
    if let Some(text) = decode_csv_bytes(data) {
        // Never a guess: no replacement characters unless the input spelled one in UTF-8.
        assert!(!text.contains(char::REPLACEMENT_CHARACTER) || std::str::from_utf8(data).is_ok());
        read_all::<Vec<String>>(text.as_bytes());
    }
    read_all::<LocalGovRow>(data);
    read_all::<MedicalRow>(data);
    read_all::<Vec<String>>(data);

    let s = String::from_utf8_lossy(data);
    if let Ok(c) = MunicipalityCode::parse("municipality_code", &s) {
        assert!(municipality::lookup(c.as_str()).is_some());
    }
    if let Ok(c) = MunicipalityCode::parse_unlisted("municipality_code", &s) {
        assert!(municipality::check_digit_ok(c.as_str()));
    }
    let _ = municipality::full_name(&s);
    let _ = municipality::prefecture_code_of(&s);
    let _ = municipality::municipalities_of_prefecture(&s);
    let _ = municipality::compute_check_digit(&s);
    for kind in VocabKind::all() {
        if let Ok(c) = VocabCode::parse(kind, "code", &s) {
            assert!(vocab::contains(kind, c.as_str()));
        }
    }
});
