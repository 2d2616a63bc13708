//! Amendments after approval and the per-municipality summary.

use super::*;

// ---------------------------------------------------------------------------------------------
// Amendments after approval
// ---------------------------------------------------------------------------------------------

/// Why an approved line changed.
#[derive(
    utoipa::ToSchema,
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum AmendmentReason {
    /// 追加 — the activity was not in the approved statement.
    Added,
    /// 取消 — the activity is voided now, or no longer recorded for the month.
    Voided,
    /// 再計算 — the amount changed, e.g. because the service history was corrected.
    Recalculated,
}

impl AmendmentReason {
    /// All reasons.
    pub fn all() -> [AmendmentReason; 3] {
        [
            AmendmentReason::Added,
            AmendmentReason::Voided,
            AmendmentReason::Recalculated,
        ]
    }

    /// Stable code: `added`, `voided`, `recalculated`.
    pub fn code(self) -> &'static str {
        match self {
            AmendmentReason::Added => "added",
            AmendmentReason::Voided => "voided",
            AmendmentReason::Recalculated => "recalculated",
        }
    }

    /// Parses a code (surrounding whitespace and ASCII case ignored).
    pub fn parse(s: &str) -> Option<AmendmentReason> {
        let s = s.trim();
        AmendmentReason::all()
            .into_iter()
            .find(|r| r.code().eq_ignore_ascii_case(s))
    }

    /// Label: 追加 / Added, 取消 / Voided, 再計算 / Recalculated.
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            AmendmentReason::Added => lang.pick("追加", "Added"),
            AmendmentReason::Voided => lang.pick("取消", "Voided"),
            AmendmentReason::Recalculated => lang.pick("再計算", "Recalculated"),
        }
    }
}

impl std::fmt::Display for AmendmentReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// A change to an approved month (承認後の訂正): one activity whose amount differs.
#[derive(utoipa::ToSchema, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Amendment {
    /// The activity.
    pub activity_id: String,
    /// Day of the activity (the current one; the approved one when it was removed).
    pub on: NaiveDate,
    /// Amount approved (0 when the activity was not in the approved statement).
    pub before: Yen,
    /// Amount now (0 when voided or removed).
    pub after: Yen,
    /// `after − before`, never 0.
    pub difference: Yen,
    /// Why.
    pub reason: AmendmentReason,
}

/// The amendments that bring an approved month's lines (`approved`, frozen at approval) to
/// the lines computed now (`current`): one per activity id whose amount differs, sorted by
/// (day, activity id). So `Σ approved + Σ difference == Σ current` always holds, and there is
/// no amendment when nothing changed.
///
/// Reasons: not in `approved` → [`AmendmentReason::Added`]; absent from `current` or voided
/// there → [`AmendmentReason::Voided`]; otherwise [`AmendmentReason::Recalculated`] (also a
/// line that was voided at approval and is restored). Activity ids are expected to be unique
/// in each slice; repeated ones are added up.
pub fn amendments(approved: &[PayLine], current: &[PayLine]) -> Vec<Amendment> {
    struct Side {
        on: NaiveDate,
        amount: Yen,
        voided: bool,
    }
    fn collect(lines: &[PayLine]) -> BTreeMap<&str, Side> {
        let mut map: BTreeMap<&str, Side> = BTreeMap::new();
        for l in lines {
            let voided = l.not_payable_reason.as_deref() == Some(REASON_VOIDED);
            map.entry(l.activity_id.as_str())
                .and_modify(|s| {
                    s.amount += l.amount;
                    s.voided &= voided;
                })
                .or_insert(Side {
                    on: l.on,
                    amount: l.amount,
                    voided,
                });
        }
        map
    }
    let before = collect(approved);
    let after = collect(current);
    let mut ids: Vec<&str> = before.keys().chain(after.keys()).copied().collect();
    ids.sort_unstable();
    ids.dedup();
    let mut out: Vec<Amendment> = ids
        .into_iter()
        .filter_map(|id| {
            let (b, a) = (before.get(id), after.get(id));
            let before_yen = b.map_or(Yen::ZERO, |s| s.amount);
            let after_yen = a.map_or(Yen::ZERO, |s| s.amount);
            if before_yen == after_yen {
                return None;
            }
            let reason = match (b, a) {
                (None, _) => AmendmentReason::Added,
                (Some(_), None) => AmendmentReason::Voided,
                (Some(_), Some(s)) if s.voided => AmendmentReason::Voided,
                (Some(_), Some(_)) => AmendmentReason::Recalculated,
            };
            let on = a.or(b).map(|s| s.on)?;
            Some(Amendment {
                activity_id: id.to_string(),
                on,
                before: before_yen,
                after: after_yen,
                difference: after_yen - before_yen,
                reason,
            })
        })
        .collect();
    out.sort_by(|a, b| (a.on, &a.activity_id).cmp(&(b.on, &b.activity_id)));
    out
}

// ---------------------------------------------------------------------------------------------
// Per-municipality summary
// ---------------------------------------------------------------------------------------------

/// Per municipality code (sorted by code): the number of paid lines and the total amount.
/// Every municipality of `lines` appears, also one with nothing paid; the totals add up to
/// the lines' total.
pub fn summarize_by_municipality(lines: &[PayLine]) -> Vec<(String, usize, Yen)> {
    let mut by: BTreeMap<&str, (usize, Yen)> = BTreeMap::new();
    for l in lines {
        let e = by.entry(l.municipality.as_str()).or_default();
        e.0 += usize::from(l.payable);
        e.1 += l.amount;
    }
    by.into_iter()
        .map(|(m, (count, total))| (m.to_string(), count, total))
        .collect()
}
