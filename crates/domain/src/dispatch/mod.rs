//! Coordinator dispatch (コーディネーターの派遣): which 医療的ケア児等コーディネーター should take a
//! request for support.
//!
//! Three pure functions, all deterministic (inputs are re-sorted by id, ties go to the smaller
//! id, so the order of the input slices never matters):
//!
//! * [`rank`] — the coordinators who may take one request, best first, each with its score and
//!   the [`Reason`]s to show («南国市を担当», «看護師», «経管栄養に詳しい», «5件中2件対応中»,
//!   «2024年にこの家族を担当»). Hard rules come first (see [`exclusions`]); a coordinator who
//!   breaks one never appears, and [`exclusions`] says why (for an advisor's override).
//! * [`rank_pairs`] — for a request needing both sides, the best medical + welfare *pairs*,
//!   scored jointly (the two individual scores plus a [pair bonus](PairReason)).
//! * [`assign_batch`] — one proposal for all open requests of a center that maximises the total
//!   value subject to every coordinator's remaining capacity (min-cost flow, not greedy; see
//!   that function for how requests needing both sides are handled and when the result is
//!   proven optimal).
//!
//! ## Sides (医療 / 福祉)
//! [`side_of_profession`] splits the 職種 list (`data/vocab/professions.csv`):
//!
//! | side | codes |
//! |---|---|
//! | [`Side::Medical`] | `nurse` 看護師, `public_health_nurse` 保健師, `doctor` 医師, `therapist` PT/OT/ST |
//! | [`Side::Welfare`] | `social_worker` 社会福祉士, `psychiatric_social_worker` 精神保健福祉士, `consultation_specialist` 相談支援専門員, `care_worker` 介護福祉士, `childcare_worker` 保育士 |
//! | neither | `teacher` 教員, `administrative` 行政職, `other` その他 |
//!
//! Therapists are licensed under the medical acts and work on prescriptions, so they count as
//! medical; 保育士 and 介護福祉士 are welfare qualifications. A coordinator with professions on
//! both sides covers both. A coordinator with no profession on either side cannot take a
//! request (every request needs a side).
//!
//! ## Score
//! Each term is a number in 0‥1 multiplied by its [`Weights`] entry; the sum × 1000, rounded,
//! is the integer score (points):
//!
//! * topic — share of the request's topics the coordinator knows;
//! * continuity — worked with this child: 1 in the current year, −0.25 a year before, 0 after
//!   four years;
//! * load — free share of the coordinator's capacity, `(max − active) / max`;
//! * fairness — `1 − min(recent, 12) / 12` for the dispatches of the last 12 months (one a
//!   month on average zeroes the term);
//! * affiliation — 1 when the coordinator's affiliation is the request's municipality (or the
//!   designated city of its ward).
//!
//! Urgency does not change the order of candidates for one request; in a batch it adds
//! `1000 × urgency weight × (0, ½, 1)` for routine / soon / urgent to the value of serving the
//! request, so urgent requests win contested capacity.

use crate::ids::{ChildId, CoordinatorId};
use crate::municipality::MunicipalityCode;
use crate::vocab::{self, VocabCode, VocabKind};
use crate::{FieldError, Lang, ValidationErrors};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

mod assign;
mod rank;
pub mod roster;

pub use assign::{
    assign_batch, Assigned, Assignment, AssignmentLine, Unassigned, UnassignedReason,
};
pub use rank::{
    exclusions, is_eligible, pair_bonus, rank, rank_pairs, score, Candidate, Exclusion,
    PairCandidate, PairReason, Reason,
};
pub use roster::{
    CoordinatorDraft, CoordinatorInput, DispatchAction, DispatchStatus, RequestDraft, RequestInput,
};

/// Id of a dispatch request (派遣依頼). Generated outside the domain crate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DispatchRequestId(pub Uuid);

impl DispatchRequestId {
    /// Parses a UUID string (surrounding whitespace ignored); `None` if malformed.
    pub fn parse(s: &str) -> Option<Self> {
        Uuid::parse_str(s.trim()).ok().map(DispatchRequestId)
    }
}

impl std::fmt::Display for DispatchRequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.0.hyphenated(), f)
    }
}

/// The side of support a coordinator covers (医療 or 福祉).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// 医療 — nurse, public health nurse, doctor, therapist.
    Medical,
    /// 福祉 — social worker, consultation specialist, care or childcare worker.
    Welfare,
}

impl Side {
    /// Code: `medical` or `welfare`.
    pub fn code(self) -> &'static str {
        match self {
            Side::Medical => "medical",
            Side::Welfare => "welfare",
        }
    }

    /// Label: 医療 / Medical, 福祉 / Welfare.
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Side::Medical => lang.pick("医療", "Medical"),
            Side::Welfare => lang.pick("福祉", "Welfare"),
        }
    }
}

/// The side of a profession code of [`VocabKind::Profession`] (see the module docs for the
/// table); `None` for teacher, administrative, other and unknown codes.
pub fn side_of_profession(code: &str) -> Option<Side> {
    match code {
        "nurse" | "public_health_nurse" | "doctor" | "therapist" => Some(Side::Medical),
        "social_worker"
        | "psychiatric_social_worker"
        | "consultation_specialist"
        | "care_worker"
        | "childcare_worker" => Some(Side::Welfare),
        _ => None,
    }
}

/// Which sides a request needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SidesNeeded {
    /// One coordinator of the medical side.
    Medical,
    /// One coordinator of the welfare side.
    Welfare,
    /// A pair: one medical and one welfare coordinator (two different people).
    Both,
}

impl SidesNeeded {
    /// The side of a single-side request; `None` for [`SidesNeeded::Both`].
    pub fn single(self) -> Option<Side> {
        match self {
            SidesNeeded::Medical => Some(Side::Medical),
            SidesNeeded::Welfare => Some(Side::Welfare),
            SidesNeeded::Both => None,
        }
    }
}

/// How soon the family needs the coordinator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    /// 通常.
    Routine,
    /// 早めに.
    Soon,
    /// 至急.
    Urgent,
}

impl Urgency {
    /// 0, 1, 2 for routine, soon, urgent.
    pub fn level(self) -> u8 {
        match self {
            Urgency::Routine => 0,
            Urgency::Soon => 1,
            Urgency::Urgent => 2,
        }
    }
}

/// A topic of expertise: a code of 相談内容の分類 ([`VocabKind::ConsultationTopic`], e.g.
/// `school`) or of 医療的ケア ([`VocabKind::MedicalCareItem`], e.g. `tube_feeding_gastric`).
/// The two lists share no code. Serialized as the plain code.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TopicCode(String);

impl TopicCode {
    /// Parses a code of either list (trimmed). Errors: empty → `"required"`; in neither list →
    /// `"unknown_code"`.
    pub fn parse(field: &str, raw: &str) -> Result<TopicCode, FieldError> {
        let code = raw.trim();
        if code.is_empty() {
            return Err(FieldError::required(field));
        }
        if vocab::contains(VocabKind::MedicalCareItem, code)
            || vocab::contains(VocabKind::ConsultationTopic, code)
        {
            Ok(TopicCode(code.to_string()))
        } else {
            Err(FieldError::new(
                field,
                "unknown_code",
                format!("「{code}」は不明な分野のコードです"),
                format!("\"{code}\" is not a known topic code."),
            ))
        }
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The label from the list the code belongs to (the code itself if neither has it).
    pub fn label(&self, lang: Lang) -> &str {
        vocab::label(VocabKind::MedicalCareItem, &self.0, lang)
            .or_else(|| vocab::label(VocabKind::ConsultationTopic, &self.0, lang))
            .unwrap_or(&self.0)
    }
}

impl std::fmt::Display for TopicCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether a coordinator can be dispatched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum Availability {
    /// Working.
    Active,
    /// On leave (休職・休暇) up to and including `until`; active again the day after.
    OnLeave {
        /// Last day of the leave.
        until: NaiveDate,
    },
    /// No longer takes requests (退任).
    Inactive,
}

impl Availability {
    /// True when the coordinator works on `today`.
    pub fn is_active_on(self, today: NaiveDate) -> bool {
        match self {
            Availability::Active => true,
            Availability::OnLeave { until } => today > until,
            Availability::Inactive => false,
        }
    }
}

/// A child (family) a coordinator worked with, and the latest year they did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PastFamily {
    /// The child.
    pub child_id: ChildId,
    /// Calendar year of the latest work with the family.
    pub year: i32,
}

/// What the dispatch rules know about one coordinator (コーディネーター).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoordinatorProfile {
    /// The coordinator's roster id (also the tie-breaker: smaller id first). Must be unique in
    /// one call.
    pub id: CoordinatorId,
    /// 職種 codes of [`VocabKind::Profession`]; the sides follow from [`side_of_profession`].
    pub professions: Vec<VocabCode>,
    /// Areas covered: municipality or ward codes; a prefecture code (e.g. `390003` 高知県)
    /// covers the whole prefecture, a designated city's code covers its wards.
    pub covers: Vec<MunicipalityCode>,
    /// Topics of expertise.
    pub topics: Vec<TopicCode>,
    /// Most cases the coordinator may hold at once.
    pub max_active_cases: u32,
    /// Cases held now.
    pub active_cases: u32,
    /// Active, on leave or inactive.
    pub availability: Availability,
    /// Dispatches in the last 12 months.
    pub recent_dispatches: u32,
    /// Municipality of the coordinator's organization (所属), if known.
    pub affiliation: Option<MunicipalityCode>,
    /// Children worked with before.
    pub past_families: Vec<PastFamily>,
}

impl CoordinatorProfile {
    /// True when one of the professions is on `side`.
    pub fn has_side(&self, side: Side) -> bool {
        self.professions
            .iter()
            .any(|p| side_of_profession(p.as_str()) == Some(side))
    }

    /// Cases the coordinator may still take: `max − active`, 0 when at or over capacity.
    pub fn remaining_capacity(&self) -> u32 {
        self.max_active_cases.saturating_sub(self.active_cases)
    }

    /// The latest year the coordinator worked with `child`.
    pub fn worked_with(&self, child: ChildId) -> Option<i32> {
        self.past_families
            .iter()
            .filter(|f| f.child_id == child)
            .map(|f| f.year)
            .max()
    }
}

/// A request to dispatch a coordinator to a family.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DispatchRequest {
    /// Request id (tie-breaker in a batch; must be unique in one call).
    pub id: DispatchRequestId,
    /// The child.
    pub child_id: ChildId,
    /// Where the family lives.
    pub municipality: MunicipalityCode,
    /// Topics of the request.
    pub topics: Vec<TopicCode>,
    /// Medical, welfare or both.
    pub sides: SidesNeeded,
    /// How soon.
    pub urgency: Urgency,
}

/// The weights of a center, as entered (before validation). See [`Weights::parse`].
#[derive(utoipa::ToSchema, Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct RawWeights {
    /// Topic match.
    pub topic: f64,
    /// Continuity with the family.
    pub continuity: f64,
    /// Current load (free capacity).
    pub load: f64,
    /// Fairness (few recent dispatches).
    pub fairness: f64,
    /// Same-municipality affiliation.
    pub affiliation: f64,
    /// Pair bonus (both worked with the family / share an affiliation), see [`PairReason`].
    pub pair: f64,
    /// Urgency bonus in a batch.
    pub urgency: f64,
}

/// Validated per-center dispatch weights: every weight finite, 0 ≤ w ≤ [`Weights::MAX`], and
/// the five score weights not all zero.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Weights(RawWeights);

impl Default for Weights {
    /// Topic 3, continuity 2, load 1.5, fairness 1, affiliation 0.5, pair 1, urgency 2.
    fn default() -> Self {
        Weights(RawWeights {
            topic: 3.0,
            continuity: 2.0,
            load: 1.5,
            fairness: 1.0,
            affiliation: 0.5,
            pair: 1.0,
            urgency: 2.0,
        })
    }
}

impl Weights {
    /// Largest accepted weight (keeps every score well inside integer range).
    pub const MAX: f64 = 100.0;

    /// Validates weights. Errors (all collected): a weight negative, not finite or above
    /// [`Weights::MAX`] → `"weight_range"` on `weights.<name>`; topic, continuity, load,
    /// fairness and affiliation all zero → `"weights_all_zero"` on `weights`.
    pub fn parse(raw: RawWeights) -> Result<Weights, ValidationErrors> {
        let mut errs = ValidationErrors::new();
        let named = [
            ("topic", "分野の一致", raw.topic),
            ("continuity", "家族との継続性", raw.continuity),
            ("load", "担当件数の余裕", raw.load),
            ("fairness", "派遣回数の公平さ", raw.fairness),
            ("affiliation", "所属市町村の一致", raw.affiliation),
            ("pair", "ペアの相性", raw.pair),
            ("urgency", "緊急度", raw.urgency),
        ];
        for (name, ja, w) in named {
            if !(w.is_finite() && (0.0..=Weights::MAX).contains(&w)) {
                errs.push(FieldError::new(
                    &format!("weights.{name}"),
                    "weight_range",
                    format!(
                        "「{ja}」の重みは0以上{}以下の数で入力してください",
                        Weights::MAX
                    ),
                    format!(
                        "The weight \"{name}\" must be a number from 0 to {}.",
                        Weights::MAX
                    ),
                ));
            }
        }
        let score_sum = raw.topic + raw.continuity + raw.load + raw.fairness + raw.affiliation;
        if errs.is_empty() && score_sum <= 0.0 {
            errs.push(FieldError::new(
                "weights",
                "weights_all_zero",
                "分野・継続性・件数・公平さ・所属の重みのうち少なくとも1つを0より大きくしてください",
                "At least one of the topic, continuity, load, fairness and affiliation weights \
                 must be above 0.",
            ));
        }
        errs.into_result().map(|()| Weights(raw))
    }

    /// The weights as numbers.
    pub fn raw(&self) -> RawWeights {
        self.0
    }

    /// The batch bonus of serving a request of this urgency, in points.
    pub fn urgency_points(&self, urgency: Urgency) -> u32 {
        points(self.0.urgency * f64::from(urgency.level()) / 2.0)
    }
}

/// `x × 1000` rounded, as points (x is non-negative and bounded by the weight checks).
fn points(x: f64) -> u32 {
    let p = (x * 1000.0).round();
    if p <= 0.0 {
        0
    } else if p >= f64::from(u32::MAX) {
        u32::MAX
    } else {
        p as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_profession_is_classified_deliberately() {
        let mut neither = Vec::new();
        for e in vocab::entries(VocabKind::Profession) {
            if side_of_profession(&e.code).is_none() {
                neither.push(e.code.as_str());
            }
        }
        assert_eq!(neither, ["teacher", "administrative", "other"]);
        assert_eq!(side_of_profession("nurse"), Some(Side::Medical));
        assert_eq!(side_of_profession("childcare_worker"), Some(Side::Welfare));
    }

    #[test]
    fn weights_validation() {
        assert!(Weights::parse(Weights::default().raw()).is_ok());
        let mut raw = Weights::default().raw();
        raw.topic = -1.0;
        raw.load = f64::NAN;
        let errs = Weights::parse(raw).unwrap_err();
        assert_eq!(errs.len(), 2);
        assert_eq!(
            errs.for_field("weights.load").map(|e| e.code),
            Some("weight_range")
        );
        let zero = RawWeights {
            topic: 0.0,
            continuity: 0.0,
            load: 0.0,
            fairness: 0.0,
            affiliation: 0.0,
            pair: 1.0,
            urgency: 1.0,
        };
        let errs = Weights::parse(zero).unwrap_err();
        assert_eq!(
            errs.for_field("weights").map(|e| e.code),
            Some("weights_all_zero")
        );
        assert_eq!(Weights::default().urgency_points(Urgency::Urgent), 2000);
        assert_eq!(Weights::default().urgency_points(Urgency::Soon), 1000);
    }

    #[test]
    fn availability() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        let leave = Availability::OnLeave { until: d(11, 30) };
        assert!(!leave.is_active_on(d(11, 30)));
        assert!(leave.is_active_on(d(12, 1)));
        assert!(!Availability::Inactive.is_active_on(d(1, 1)));
    }
}
