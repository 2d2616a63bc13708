//! The message catalog: every label on every page comes from `messages.csv` (key, ja, en).
//! A test fails when a template uses a key the catalog lacks or a key lacks a translation.

use std::collections::HashMap;
use std::sync::LazyLock;

use domain::Lang;

/// The raw catalog, embedded at build time.
pub const CATALOG_CSV: &str = include_str!("../messages.csv");

static CATALOG: LazyLock<HashMap<String, (String, String)>> = LazyLock::new(|| {
    let mut map = HashMap::new();
    let mut rdr = csv::ReaderBuilder::new().from_reader(CATALOG_CSV.as_bytes());
    for rec in rdr.records().flatten() {
        if let (Some(k), Some(ja), Some(en)) = (rec.get(0), rec.get(1), rec.get(2)) {
            map.insert(k.to_string(), (ja.to_string(), en.to_string()));
        }
    }
    map
});

/// All catalog keys (for the completeness test).
pub fn keys() -> Vec<String> {
    CATALOG.keys().cloned().collect()
}

/// Look a key up in one language. A missing key renders as the key itself so the page still
/// works, and the catalog test catches it before release.
pub fn lookup(lang: Lang, key: &str) -> &str {
    match CATALOG.get(key) {
        Some((ja, en)) => match lang {
            Lang::Ja => ja,
            Lang::En => en,
        },
        None => {
            tracing::warn!(key, "missing message key");
            ""
        }
    }
}

/// Translator handed to templates: `{{ tr.t("nav.children") }}`.
#[derive(Clone, Copy, Debug)]
pub struct Tr(pub Lang);

impl Tr {
    /// The message for `key`.
    pub fn t(&self, key: &str) -> &'static str {
        match CATALOG.get(key) {
            Some((ja, en)) => match self.0 {
                Lang::Ja => ja.as_str(),
                Lang::En => en.as_str(),
            },
            None => "",
        }
    }
    /// Label of a vocabulary code.
    pub fn vocab(&self, kind: domain::vocab::VocabKind, code: &str) -> String {
        domain::vocab::label(kind, code, self.0)
            .map(str::to_string)
            .unwrap_or_else(|| code.to_string())
    }
    /// Language code for `<html lang>`.
    pub fn lang(&self) -> &'static str {
        self.0.code()
    }
    /// Is the page Japanese?
    pub fn is_ja(&self) -> bool {
        self.0 == Lang::Ja
    }
}
