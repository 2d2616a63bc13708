//! Code lists (コード表) with Japanese and English labels, embedded from `data/vocab/*.csv`.
//!
//! Codes are stable identifiers used by the API, imports and exports; labels may be reworded.

use crate::{FieldError, Lang};
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

/// Which code list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VocabKind {
    /// 相談方法 (phone, email, visit …) — `consultation_channels.csv`
    ConsultationChannel,
    /// 相談者の種別 — `requester_kinds.csv`
    RequesterKind,
    /// 相談内容の分類 — `consultation_topics.csv`
    ConsultationTopic,
    /// 関係機関の種別 — `organization_kinds.csv`
    OrganizationKind,
    /// 職種 — `professions.csv`
    Profession,
    /// 会議の種別 — `meeting_kinds.csv`
    MeetingKind,
    /// 障害福祉サービス等 — `welfare_services.csv`
    WelfareService,
    /// 災害リスク (ハザード) — `hazards.csv`
    Hazard,
    /// 医療的ケアの項目 (医療的ケア判定スコアの項目) — `medical_care_items.csv`
    MedicalCareItem,
}

impl VocabKind {
    /// All lists.
    pub fn all() -> [VocabKind; 9] {
        [
            VocabKind::ConsultationChannel,
            VocabKind::RequesterKind,
            VocabKind::ConsultationTopic,
            VocabKind::OrganizationKind,
            VocabKind::Profession,
            VocabKind::MeetingKind,
            VocabKind::WelfareService,
            VocabKind::Hazard,
            VocabKind::MedicalCareItem,
        ]
    }

    /// Stable snake_case name of the list (also the CSV file stem), e.g. `"consultation_channels"`.
    pub fn code(self) -> &'static str {
        match self {
            VocabKind::ConsultationChannel => "consultation_channels",
            VocabKind::RequesterKind => "requester_kinds",
            VocabKind::ConsultationTopic => "consultation_topics",
            VocabKind::OrganizationKind => "organization_kinds",
            VocabKind::Profession => "professions",
            VocabKind::MeetingKind => "meeting_kinds",
            VocabKind::WelfareService => "welfare_services",
            VocabKind::Hazard => "hazards",
            VocabKind::MedicalCareItem => "medical_care_items",
        }
    }

    /// Parses the list name returned by [`VocabKind::code`].
    pub fn parse(s: &str) -> Option<VocabKind> {
        VocabKind::all().into_iter().find(|k| k.code() == s.trim())
    }

    /// Human name of the list, e.g. 「相談方法」 / "Consultation channel".
    pub fn label(self, lang: Lang) -> &'static str {
        let (ja, en) = match self {
            VocabKind::ConsultationChannel => ("相談方法", "Consultation channel"),
            VocabKind::RequesterKind => ("相談者の種別", "Requester"),
            VocabKind::ConsultationTopic => ("相談内容の分類", "Consultation topic"),
            VocabKind::OrganizationKind => ("機関の種別", "Organization type"),
            VocabKind::Profession => ("職種", "Profession"),
            VocabKind::MeetingKind => ("会議の種別", "Meeting type"),
            VocabKind::WelfareService => ("福祉サービス", "Welfare service"),
            VocabKind::Hazard => ("災害リスク", "Hazard"),
            VocabKind::MedicalCareItem => ("医療的ケア", "Medical care"),
        };
        lang.pick(ja, en)
    }
}

/// One entry of a code list.
#[derive(Debug)]
pub struct VocabEntry {
    /// Stable code, e.g. `"phone"`.
    pub code: String,
    /// Japanese label, e.g. 「電話」.
    pub ja: String,
    /// English label.
    pub en: String,
}

impl VocabEntry {
    /// The label in the given language.
    pub fn label(&self, lang: Lang) -> &str {
        match lang {
            Lang::Ja => &self.ja,
            Lang::En => &self.en,
        }
    }
}

/// One item of the 医療的ケア判定スコア (2021 revision), with its scores.
#[derive(Debug)]
pub struct MedicalCareItem {
    /// Stable code, e.g. `"ventilator"`.
    pub code: String,
    /// Group number 1–14 of the official table (items of one group are alternatives).
    pub group: u8,
    /// Japanese label.
    pub ja: String,
    /// English label.
    pub en: String,
    /// 基本スコア.
    pub base_score: u32,
    /// 見守りスコア（高）, if the item has one.
    pub watch_high: Option<u32>,
    /// 見守りスコア（中）, if the item has one.
    pub watch_mid: Option<u32>,
    /// 見守りスコア（低）, if the item has one.
    pub watch_low: Option<u32>,
}

impl MedicalCareItem {
    /// The label in the given language.
    pub fn label(&self, lang: Lang) -> &str {
        match lang {
            Lang::Ja => &self.ja,
            Lang::En => &self.en,
        }
    }
}

#[derive(Deserialize)]
struct SimpleRow {
    code: String,
    ja: String,
    en: String,
}

#[derive(Deserialize)]
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

fn csv_text(kind: VocabKind) -> &'static str {
    match kind {
        VocabKind::ConsultationChannel => {
            include_str!("../../../data/vocab/consultation_channels.csv")
        }
        VocabKind::RequesterKind => include_str!("../../../data/vocab/requester_kinds.csv"),
        VocabKind::ConsultationTopic => {
            include_str!("../../../data/vocab/consultation_topics.csv")
        }
        VocabKind::OrganizationKind => include_str!("../../../data/vocab/organization_kinds.csv"),
        VocabKind::Profession => include_str!("../../../data/vocab/professions.csv"),
        VocabKind::MeetingKind => include_str!("../../../data/vocab/meeting_kinds.csv"),
        VocabKind::WelfareService => include_str!("../../../data/vocab/welfare_services.csv"),
        VocabKind::Hazard => include_str!("../../../data/vocab/hazards.csv"),
        VocabKind::MedicalCareItem => include_str!("../../../data/vocab/medical_care_items.csv"),
    }
}

/// Parses an embedded `code,ja,en` list. The data is compiled in; a failure is a build defect
/// caught by the tests.
#[allow(clippy::expect_used)]
fn load_simple(kind: VocabKind) -> Vec<VocabEntry> {
    csv::Reader::from_reader(csv_text(kind).as_bytes())
        .deserialize::<SimpleRow>()
        .map(|r| {
            let r = r.expect("embedded vocabulary CSV must parse");
            VocabEntry {
                code: r.code,
                ja: r.ja,
                en: r.en,
            }
        })
        .collect()
}

/// Parses the embedded medical care item list (see [`load_simple`]).
#[allow(clippy::expect_used)]
fn load_medical() -> Vec<MedicalCareItem> {
    csv::Reader::from_reader(csv_text(VocabKind::MedicalCareItem).as_bytes())
        .deserialize::<MedicalRow>()
        .map(|r| {
            let r = r.expect("embedded medical_care_items.csv must parse");
            MedicalCareItem {
                code: r.code,
                group: r.group,
                ja: r.ja,
                en: r.en,
                base_score: r.base_score,
                watch_high: r.watch_high,
                watch_mid: r.watch_mid,
                watch_low: r.watch_low,
            }
        })
        .collect()
}

static CONSULTATION_CHANNELS: LazyLock<Vec<VocabEntry>> =
    LazyLock::new(|| load_simple(VocabKind::ConsultationChannel));
static REQUESTER_KINDS: LazyLock<Vec<VocabEntry>> =
    LazyLock::new(|| load_simple(VocabKind::RequesterKind));
static CONSULTATION_TOPICS: LazyLock<Vec<VocabEntry>> =
    LazyLock::new(|| load_simple(VocabKind::ConsultationTopic));
static ORGANIZATION_KINDS: LazyLock<Vec<VocabEntry>> =
    LazyLock::new(|| load_simple(VocabKind::OrganizationKind));
static PROFESSIONS: LazyLock<Vec<VocabEntry>> =
    LazyLock::new(|| load_simple(VocabKind::Profession));
static MEETING_KINDS: LazyLock<Vec<VocabEntry>> =
    LazyLock::new(|| load_simple(VocabKind::MeetingKind));
static WELFARE_SERVICES: LazyLock<Vec<VocabEntry>> =
    LazyLock::new(|| load_simple(VocabKind::WelfareService));
static HAZARDS: LazyLock<Vec<VocabEntry>> = LazyLock::new(|| load_simple(VocabKind::Hazard));
static MEDICAL_CARE_ITEMS: LazyLock<Vec<MedicalCareItem>> = LazyLock::new(load_medical);
static MEDICAL_CARE_ENTRIES: LazyLock<Vec<VocabEntry>> = LazyLock::new(|| {
    MEDICAL_CARE_ITEMS
        .iter()
        .map(|m| VocabEntry {
            code: m.code.clone(),
            ja: m.ja.clone(),
            en: m.en.clone(),
        })
        .collect()
});

/// All entries of a list, in file order (the order to show in a select box).
pub fn entries(kind: VocabKind) -> &'static [VocabEntry] {
    match kind {
        VocabKind::ConsultationChannel => &CONSULTATION_CHANNELS,
        VocabKind::RequesterKind => &REQUESTER_KINDS,
        VocabKind::ConsultationTopic => &CONSULTATION_TOPICS,
        VocabKind::OrganizationKind => &ORGANIZATION_KINDS,
        VocabKind::Profession => &PROFESSIONS,
        VocabKind::MeetingKind => &MEETING_KINDS,
        VocabKind::WelfareService => &WELFARE_SERVICES,
        VocabKind::Hazard => &HAZARDS,
        VocabKind::MedicalCareItem => &MEDICAL_CARE_ENTRIES,
    }
}

/// The entry with `code` in the list.
pub fn entry(kind: VocabKind, code: &str) -> Option<&'static VocabEntry> {
    entries(kind).iter().find(|e| e.code == code)
}

/// The label of `code` in the list, or `None` when the code is unknown.
pub fn label(kind: VocabKind, code: &str, lang: Lang) -> Option<&'static str> {
    entry(kind, code).map(|e| e.label(lang))
}

/// True when `code` is in the list.
pub fn contains(kind: VocabKind, code: &str) -> bool {
    entry(kind, code).is_some()
}

/// The medical care items with their scores, in file order.
pub fn medical_care_items() -> &'static [MedicalCareItem] {
    &MEDICAL_CARE_ITEMS
}

/// The medical care item with `code`.
pub fn medical_care_item(code: &str) -> Option<&'static MedicalCareItem> {
    MEDICAL_CARE_ITEMS.iter().find(|m| m.code == code)
}

/// Base score of a medical care item (医療的ケアスコア参考 — 基本スコア), `None` if unknown.
pub fn medical_care_base_score(code: &str) -> Option<u32> {
    medical_care_item(code).map(|m| m.base_score)
}

/// A code known to the given list. Serialized as a plain string.
///
/// Deserializing does not know the list, so it only checks that the string is non-empty;
/// validate user input with [`VocabCode::parse`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct VocabCode(String);

impl VocabCode {
    /// Validates `raw` (trimmed) against the list `kind`.
    ///
    /// Errors: empty → `"required"`; not in the list → `"unknown_code"`
    /// (「「xxx」は不明なコードです」).
    pub fn parse(kind: VocabKind, field: &str, raw: &str) -> Result<VocabCode, FieldError> {
        let code = raw.trim();
        if code.is_empty() {
            let l = crate::error::FieldLabel::of(field);
            return Err(FieldError::new(
                field,
                "required",
                format!("{}を選択してください", l.ja_or(kind.label(Lang::Ja))),
                format!("Please select {}.", l.en_or(kind.label(Lang::En))),
            ));
        }
        match entry(kind, code) {
            Some(e) => Ok(VocabCode(e.code.clone())),
            None => Err(FieldError::new(
                field,
                "unknown_code",
                format!("「{}」は不明なコードです（{}）", code, kind.label(Lang::Ja)),
                format!(
                    "\"{}\" is not a known code ({}).",
                    code,
                    kind.label(Lang::En)
                ),
            )),
        }
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The label of this code in `kind`, or `None` if the code is not in that list.
    pub fn label(&self, kind: VocabKind, lang: Lang) -> Option<&'static str> {
        label(kind, &self.0, lang)
    }
}

impl std::fmt::Display for VocabCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for VocabCode {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_list_parses_with_expected_counts() {
        let expected = [
            (VocabKind::ConsultationChannel, 8),
            (VocabKind::RequesterKind, 11),
            (VocabKind::ConsultationTopic, 16),
            (VocabKind::OrganizationKind, 18),
            (VocabKind::Profession, 12),
            (VocabKind::MeetingKind, 9),
            (VocabKind::WelfareService, 14),
            (VocabKind::Hazard, 7),
            (VocabKind::MedicalCareItem, 21),
        ];
        for (kind, n) in expected {
            let es = entries(kind);
            assert_eq!(es.len(), n, "{kind:?}");
            let mut codes: Vec<&str> = es.iter().map(|e| e.code.as_str()).collect();
            codes.sort_unstable();
            codes.dedup();
            assert_eq!(codes.len(), n, "duplicate code in {kind:?}");
            for e in es {
                assert!(!e.code.is_empty() && !e.ja.is_empty() && !e.en.is_empty());
                assert!(e
                    .code
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'));
            }
            assert_eq!(VocabKind::parse(kind.code()), Some(kind));
        }
        assert_eq!(medical_care_items().len(), 21);
    }

    #[test]
    fn medical_scores() {
        assert_eq!(medical_care_base_score("ventilator"), Some(10));
        assert_eq!(medical_care_base_score("nebulizer"), Some(3));
        assert_eq!(medical_care_base_score("nope"), None);
        let v = medical_care_item("ventilator");
        assert_eq!(
            v.map(|m| (m.watch_high, m.watch_mid, m.watch_low)),
            Some((Some(2), Some(1), Some(0)))
        );
        let t = medical_care_item("tracheostomy");
        assert_eq!(t.map(|m| (m.group, m.watch_mid)), Some((2, None)));
        let groups: std::collections::BTreeSet<u8> =
            medical_care_items().iter().map(|m| m.group).collect();
        assert_eq!(groups, (1..=14).collect());
    }

    #[test]
    fn labels_and_parse() {
        assert_eq!(
            label(VocabKind::ConsultationChannel, "phone", Lang::Ja),
            Some("電話")
        );
        assert_eq!(
            label(VocabKind::ConsultationChannel, "phone", Lang::En),
            Some("Phone")
        );
        let c = VocabCode::parse(VocabKind::ConsultationChannel, "channel", " phone ");
        assert_eq!(c.as_ref().map(|c| c.as_str()), Ok("phone"));
        let e = VocabCode::parse(VocabKind::ConsultationChannel, "channel", "fax-ish");
        assert!(
            matches!(&e, Err(e) if e.code == "unknown_code" && e.ja.starts_with("「fax-ish」は不明なコードです"))
        );
        let e = VocabCode::parse(VocabKind::Hazard, "hazard", "");
        assert!(matches!(&e, Err(e) if e.code == "required"));
    }
}
