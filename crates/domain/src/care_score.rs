//! 医療的ケアスコア（参考）: the sum of the 医療的ケア判定スコア over a child's medical care
//! items, with the rules of `data/README.md`. Information for the center, never a benefit
//! decision.
//!
//! - A group scores once: the highest-scoring item of the group (base + its watch score).
//! - The feeding pump and the subcutaneous pump add their own score on top of their group.
//! - Ventilator and tracheostomy together: the tracheostomy's watch score is not added.
//! - The watch (見守り) score is the doctor's judgement per item (high / mid / low where the
//!   item has them): an input, never derived. An item that has watch levels but none chosen
//!   counts 0 for watch and marks the score incomplete.

use std::collections::BTreeMap;

use crate::vocab::{medical_care_item, MedicalCareItem};
use crate::{FieldError, Lang};

/// 見守りスコアの区分, ordered low < mid < high.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WatchLevel {
    /// 低 — no immediate response needed.
    Low,
    /// 中 — response within about 15 minutes.
    Mid,
    /// 高 — immediate response needed.
    High,
}

impl WatchLevel {
    /// All levels, highest first (the order of a select box).
    pub fn all() -> [WatchLevel; 3] {
        [WatchLevel::High, WatchLevel::Mid, WatchLevel::Low]
    }

    /// Stable code: `high`, `mid`, `low`.
    pub fn code(self) -> &'static str {
        match self {
            WatchLevel::High => "high",
            WatchLevel::Mid => "mid",
            WatchLevel::Low => "low",
        }
    }

    /// Parses a code returned by [`WatchLevel::code`].
    pub fn parse(raw: &str) -> Option<WatchLevel> {
        WatchLevel::all()
            .into_iter()
            .find(|l| l.code() == raw.trim())
    }

    /// 高 / 中 / 低.
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            WatchLevel::High => lang.pick("高", "High"),
            WatchLevel::Mid => lang.pick("中", "Mid"),
            WatchLevel::Low => lang.pick("低", "Low"),
        }
    }
}

impl MedicalCareItem {
    /// The watch score of `level`, `None` when the item has no such level.
    pub fn watch_score(&self, level: WatchLevel) -> Option<u32> {
        match level {
            WatchLevel::High => self.watch_high,
            WatchLevel::Mid => self.watch_mid,
            WatchLevel::Low => self.watch_low,
        }
    }

    /// The levels this item has, highest first.
    pub fn watch_levels(&self) -> Vec<WatchLevel> {
        WatchLevel::all()
            .into_iter()
            .filter(|l| self.watch_score(*l).is_some())
            .collect()
    }

    /// True when the doctor's watch judgement changes the score (the item has a high or mid
    /// level; an item with only "low = 0" has nothing to choose).
    pub fn has_watch_choice(&self) -> bool {
        self.watch_high.is_some() || self.watch_mid.is_some()
    }

    /// True for the pumps that add their own points on top of their group.
    pub fn adds_to_group(&self) -> bool {
        matches!(self.code.as_str(), FEEDING_PUMP | SUBCUTANEOUS_PUMP)
    }
}

const FEEDING_PUMP: &str = "feeding_pump";
const SUBCUTANEOUS_PUMP: &str = "subcutaneous_pump";
const VENTILATOR: &str = "ventilator";
const TRACHEOSTOMY: &str = "tracheostomy";

/// Parses the watch level chosen for the medical care item `code` (already known to be an item
/// code). Empty → `None` (未入力). Unknown level → `unknown_watch`; a level the item does not
/// have → `watch_not_available`; both name `field`.
pub fn parse_watch(field: &str, code: &str, raw: &str) -> Result<Option<WatchLevel>, FieldError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let Some(level) = WatchLevel::parse(raw) else {
        return Err(FieldError::new(
            field,
            "unknown_watch",
            format!("見守りの区分「{raw}」は選択肢にありません（高・中・低）"),
            format!("\"{raw}\" is not a watch level (high, mid, low)"),
        ));
    };
    let item = medical_care_item(code);
    match item.and_then(|i| i.watch_score(level)) {
        Some(_) => Ok(Some(level)),
        None => {
            let (ja, en) = item
                .map(|i| (i.ja.as_str(), i.en.as_str()))
                .unwrap_or((code, code));
            Err(FieldError::new(
                field,
                "watch_not_available",
                format!(
                    "「{ja}」に見守り（{}）の区分はありません",
                    level.label(Lang::Ja)
                ),
                format!("\"{en}\" has no watch level \"{}\"", level.label(Lang::En)),
            ))
        }
    }
}

/// The computed score.
#[derive(utoipa::ToSchema, Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize)]
pub struct CareScore {
    /// Total points.
    pub total: u32,
    /// Some item with watch levels has none chosen (its watch counted as 0).
    pub incomplete: bool,
}

impl CareScore {
    /// 「18点」 or 「18点（見守り未入力あり）」.
    pub fn display(&self, lang: Lang) -> String {
        match (lang, self.incomplete) {
            (Lang::Ja, false) => format!("{}点", self.total),
            (Lang::Ja, true) => format!("{}点（見守り未入力あり）", self.total),
            (Lang::En, false) => format!("{} points", self.total),
            (Lang::En, true) => format!("{} points (watch level missing)", self.total),
        }
    }
}

/// Scores a child's medical care items with their watch levels. Unknown codes are ignored; a
/// code given twice counts once with its highest level, so the order never matters.
pub fn score<'a, I>(items: I) -> CareScore
where
    I: IntoIterator<Item = (&'a str, Option<WatchLevel>)>,
{
    let mut chosen: BTreeMap<&'a str, Option<WatchLevel>> = BTreeMap::new();
    for (code, level) in items {
        let e = chosen.entry(code).or_insert(level);
        *e = (*e).max(level);
    }
    let ventilator = chosen.contains_key(VENTILATOR);
    let mut group_best: BTreeMap<u8, u32> = BTreeMap::new();
    let mut total = 0u32;
    let mut incomplete = false;
    for (code, level) in &chosen {
        let Some(item) = medical_care_item(code) else {
            continue;
        };
        let watch_ignored = ventilator && item.code == TRACHEOSTOMY;
        let watch = if watch_ignored {
            0
        } else {
            level.and_then(|l| item.watch_score(l)).unwrap_or(0)
        };
        if item.has_watch_choice() && level.is_none() && !watch_ignored {
            incomplete = true;
        }
        let points = item.base_score + watch;
        if item.adds_to_group() {
            total += points;
        } else {
            let best = group_best.entry(item.group).or_insert(0);
            *best = (*best).max(points);
        }
    }
    total += group_best.values().sum::<u32>();
    CareScore { total, incomplete }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn examples() {
        assert_eq!(score([]), CareScore::default());
        // Ventilator (10 + high 2) + tracheostomy (8, watch not added) + suction (8 + 1).
        let s = score([
            ("ventilator", Some(WatchLevel::High)),
            ("tracheostomy", None),
            ("suction", Some(WatchLevel::High)),
        ]);
        assert_eq!(
            s,
            CareScore {
                total: 29,
                incomplete: false
            }
        );
        // Gastric and enteral tube feeding are one group; the pump adds its own 3 (+1).
        let s = score([
            ("tube_feeding_gastric", Some(WatchLevel::High)),
            ("tube_feeding_enteral", Some(WatchLevel::Low)),
            ("feeding_pump", Some(WatchLevel::High)),
        ]);
        assert_eq!(
            s,
            CareScore {
                total: 14,
                incomplete: false
            }
        );
        let s = score([("oxygen", None), ("nebulizer", None)]);
        assert_eq!(
            s,
            CareScore {
                total: 11,
                incomplete: true
            }
        );
        assert_eq!(s.display(Lang::Ja), "11点（見守り未入力あり）");
        assert_eq!(score([("nebulizer", None)]).display(Lang::Ja), "3点");
    }

    #[test]
    fn watch_parse() {
        assert_eq!(
            parse_watch("w", "ventilator", "mid"),
            Ok(Some(WatchLevel::Mid))
        );
        assert_eq!(parse_watch("w", "ventilator", " "), Ok(None));
        let e = parse_watch("w", "tracheostomy", "mid").unwrap_err();
        assert_eq!((e.field.as_str(), e.code), ("w", "watch_not_available"));
        let e = parse_watch("w", "oxygen", "urgent").unwrap_err();
        assert_eq!(e.code, "unknown_watch");
        // The corrected list: finger-prick glucose measurement has a high watch level.
        assert_eq!(
            parse_watch("w", "blood_glucose_invasive", "high"),
            Ok(Some(WatchLevel::High))
        );
    }
}
