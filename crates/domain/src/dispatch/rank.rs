//! Hard rules, scores, reasons, [`rank`] and [`rank_pairs`].

use super::{
    points, Availability, CoordinatorProfile, DispatchRequest, Side, SidesNeeded, TopicCode,
    Weights,
};
use crate::municipality::{self, LocalGovKind, MunicipalityCode};
use crate::vocab::{VocabCode, VocabKind};
use crate::Lang;
use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use std::collections::BTreeMap;

/// Why a coordinator is a candidate, for the UI to render.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum Reason<'a> {
    /// Covers the request's municipality through this code (the municipality itself, its
    /// designated city, or the prefecture): «南国市を担当».
    CoversMunicipality(&'a MunicipalityCode),
    /// A profession on the side the request needs: «看護師».
    Profession(&'a VocabCode),
    /// Knows one of the request's topics: «経管栄養に詳しい».
    KnowsTopic(&'a TopicCode),
    /// Current load: «5件中2件対応中».
    Load {
        /// Cases held.
        active: u32,
        /// Most cases.
        max: u32,
    },
    /// Worked with this child's family, latest in `year`: «2024年にこの家族を担当».
    WorkedWithFamily {
        /// Calendar year.
        year: i32,
    },
    /// Dispatches in the last 12 months (fairness).
    RecentDispatches(u32),
    /// The coordinator's organization is in the request's municipality.
    SameMunicipalityAffiliation(&'a MunicipalityCode),
}

fn place_name(code: &MunicipalityCode) -> String {
    code.name()
        .map(str::to_string)
        .unwrap_or_else(|| code.as_str().to_string())
}

impl Reason<'_> {
    /// The reason as a short phrase, e.g. «南国市を担当» / "covers 南国市".
    pub fn message(&self, lang: Lang) -> String {
        match self {
            Reason::CoversMunicipality(c) => {
                let n = place_name(c);
                lang.pick(format!("{n}を担当"), format!("covers {n}"))
            }
            Reason::Profession(p) => p
                .label(VocabKind::Profession, lang)
                .unwrap_or(p.as_str())
                .to_string(),
            Reason::KnowsTopic(t) => {
                let l = t.label(lang);
                lang.pick(format!("{l}に詳しい"), format!("knows {l}"))
            }
            Reason::Load { active, max } => lang.pick(
                format!("{max}件中{active}件対応中"),
                format!("{active} of {max} cases in use"),
            ),
            Reason::WorkedWithFamily { year } => lang.pick(
                format!("{year}年にこの家族を担当"),
                format!("worked with this family in {year}"),
            ),
            Reason::RecentDispatches(n) => lang.pick(
                format!("過去12か月の派遣{n}件"),
                format!("{n} dispatches in the last 12 months"),
            ),
            Reason::SameMunicipalityAffiliation(c) => {
                let n = place_name(c);
                lang.pick(format!("所属が{n}"), format!("based in {n}"))
            }
        }
    }
}

/// A hard rule a coordinator breaks for a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Exclusion {
    /// On leave on the day.
    OnLeave {
        /// Last day of the leave.
        until: NaiveDate,
    },
    /// No longer takes requests.
    Inactive,
    /// Does not cover the request's municipality.
    DoesNotCover,
    /// Has no profession on the side needed (for a pair request: on either side).
    MissingSide {
        /// What the request needs.
        needed: SidesNeeded,
    },
    /// Holds as many cases as allowed.
    AtCapacity {
        /// Cases held.
        active: u32,
        /// Most cases.
        max: u32,
    },
}

impl Exclusion {
    /// The rule as a sentence, e.g. «担当地域外です».
    pub fn message(&self, lang: Lang) -> String {
        match self {
            Exclusion::OnLeave { until } => lang.pick(
                format!("{until}まで休暇中です"),
                format!("On leave until {until}."),
            ),
            Exclusion::Inactive => lang
                .pick("現在派遣を受けていません", "Not taking requests.")
                .to_string(),
            Exclusion::DoesNotCover => lang
                .pick(
                    "依頼の市町村は担当地域外です",
                    "Does not cover the request's municipality.",
                )
                .to_string(),
            Exclusion::MissingSide { needed } => {
                let (ja, en) = match needed {
                    SidesNeeded::Medical => ("医療", "medical"),
                    SidesNeeded::Welfare => ("福祉", "welfare"),
                    SidesNeeded::Both => ("医療または福祉", "medical or welfare"),
                };
                lang.pick(
                    format!("{ja}の職種がありません"),
                    format!("Has no {en} profession."),
                )
            }
            Exclusion::AtCapacity { active, max } => lang.pick(
                format!("担当件数が上限です（{max}件中{active}件）"),
                format!("At capacity ({active} of {max} cases)."),
            ),
        }
    }
}

/// A coordinator who may take a request, with score and reasons.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Candidate<'a> {
    /// The coordinator.
    pub coordinator: &'a CoordinatorProfile,
    /// Score in points (higher is better).
    pub score: u32,
    /// Why, in display order: coverage, professions, topics, load, family, dispatches,
    /// affiliation.
    pub reasons: Vec<Reason<'a>>,
}

/// Why a pair gets a bonus.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum PairReason<'a> {
    /// Both members worked with this family before (½ of the pair weight).
    BothWorkedWithFamily,
    /// Both members belong to organizations in the same municipality (½ of the pair weight).
    SharedAffiliation(&'a MunicipalityCode),
}

impl PairReason<'_> {
    /// The reason as a short phrase.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            PairReason::BothWorkedWithFamily => lang
                .pick(
                    "2人ともこの家族を担当したことがある",
                    "both worked with this family",
                )
                .to_string(),
            PairReason::SharedAffiliation(c) => {
                let n = place_name(c);
                lang.pick(format!("2人とも所属が{n}"), format!("both based in {n}"))
            }
        }
    }
}

/// A medical + welfare pair for a request needing both sides.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PairCandidate<'a> {
    /// The medical member (reasons list medical professions).
    pub medical: Candidate<'a>,
    /// The welfare member (reasons list welfare professions).
    pub welfare: Candidate<'a>,
    /// Joint bonus in points.
    pub bonus: u32,
    /// Why the bonus.
    pub bonus_reasons: Vec<PairReason<'a>>,
    /// `medical.score + welfare.score + bonus`.
    pub score: u32,
}

/// A request with what every coordinator check needs precomputed.
pub(super) struct ReqCtx<'r> {
    pub(super) req: &'r DispatchRequest,
    muni: &'r str,
    /// The designated city when the municipality is one of its wards.
    city: Option<&'static str>,
    pref2: &'r str,
    this_year: i32,
    today: NaiveDate,
}

impl<'r> ReqCtx<'r> {
    pub(super) fn new(req: &'r DispatchRequest, today: NaiveDate) -> Self {
        let muni = req.municipality.as_str();
        let city = municipality::lookup(muni)
            .filter(|g| g.kind == LocalGovKind::Ward)
            .and_then(|g| g.parent_code.as_deref());
        ReqCtx {
            req,
            muni,
            city,
            pref2: muni.get(..2).unwrap_or(muni),
            this_year: today.year(),
            today,
        }
    }

    fn is_here(&self, code: &str) -> bool {
        code == self.muni || Some(code) == self.city
    }

    /// The covered code through which `c` covers the request's municipality.
    fn cover<'c>(&self, c: &'c CoordinatorProfile) -> Option<&'c MunicipalityCode> {
        c.covers.iter().find(|code| {
            let s = code.as_str();
            self.is_here(s) || (s.get(2..5) == Some("000") && s.get(..2) == Some(self.pref2))
        })
    }

    fn side_ok(&self, c: &CoordinatorProfile, side: Option<Side>) -> bool {
        match side.or(self.req.sides.single()) {
            Some(s) => c.has_side(s),
            None => c.has_side(Side::Medical) || c.has_side(Side::Welfare),
        }
    }

    /// All hard rules; `side` overrides the request's side (pairs).
    pub(super) fn eligible(&self, c: &CoordinatorProfile, side: Option<Side>) -> bool {
        c.active_cases < c.max_active_cases
            && c.availability.is_active_on(self.today)
            && self.side_ok(c, side)
            && self.cover(c).is_some()
    }

    fn same_affiliation<'c>(&self, c: &'c CoordinatorProfile) -> Option<&'c MunicipalityCode> {
        c.affiliation.as_ref().filter(|a| self.is_here(a.as_str()))
    }

    /// The score of an eligible coordinator.
    pub(super) fn score(&self, c: &CoordinatorProfile, w: &Weights) -> u32 {
        let w = &w.0;
        let topics = &self.req.topics;
        let topic = if topics.is_empty() {
            0.0
        } else {
            let known = topics.iter().filter(|t| c.topics.contains(t)).count();
            known as f64 / topics.len() as f64
        };
        let continuity = c
            .worked_with(self.req.child_id)
            .map(|y| (1.0 - 0.25 * f64::from((self.this_year - y).max(0))).max(0.0))
            .unwrap_or(0.0);
        let load = if c.max_active_cases == 0 {
            0.0
        } else {
            f64::from(c.remaining_capacity()) / f64::from(c.max_active_cases)
        };
        let fairness = 1.0 - f64::from(c.recent_dispatches.min(12)) / 12.0;
        let affiliation = if self.same_affiliation(c).is_some() {
            1.0
        } else {
            0.0
        };
        points(
            w.topic * topic
                + w.continuity * continuity
                + w.load * load
                + w.fairness * fairness
                + w.affiliation * affiliation,
        )
    }

    /// `(score, index)` of every eligible coordinator, best first, ties by smaller id.
    pub(super) fn scored(
        &self,
        coords: &[CoordinatorProfile],
        w: &Weights,
        side: Option<Side>,
    ) -> Vec<(u32, usize)> {
        let mut v: Vec<(u32, usize)> = coords
            .iter()
            .enumerate()
            .filter(|(_, c)| self.eligible(c, side))
            .map(|(i, c)| (self.score(c, w), i))
            .collect();
        sort_scored(&mut v, coords);
        v
    }

    fn reasons<'c>(&self, c: &'c CoordinatorProfile, side: Option<Side>) -> Vec<Reason<'c>> {
        let mut r = Vec::with_capacity(6 + c.professions.len() + self.req.topics.len());
        if let Some(code) = self.cover(c) {
            r.push(Reason::CoversMunicipality(code));
        }
        for p in &c.professions {
            let s = super::side_of_profession(p.as_str());
            let shown = match side.or(self.req.sides.single()) {
                Some(want) => s == Some(want),
                None => s.is_some(),
            };
            if shown {
                r.push(Reason::Profession(p));
            }
        }
        for t in &c.topics {
            if self.req.topics.contains(t) {
                r.push(Reason::KnowsTopic(t));
            }
        }
        r.push(Reason::Load {
            active: c.active_cases,
            max: c.max_active_cases,
        });
        if let Some(year) = c.worked_with(self.req.child_id) {
            r.push(Reason::WorkedWithFamily { year });
        }
        r.push(Reason::RecentDispatches(c.recent_dispatches));
        if let Some(a) = self.same_affiliation(c) {
            r.push(Reason::SameMunicipalityAffiliation(a));
        }
        r
    }

    fn candidate<'c>(
        &self,
        c: &'c CoordinatorProfile,
        score: u32,
        side: Option<Side>,
    ) -> Candidate<'c> {
        Candidate {
            coordinator: c,
            score,
            reasons: self.reasons(c, side),
        }
    }
}

/// Best first, ties by smaller id (ids are unique, so the order is total).
fn sort_scored(v: &mut [(u32, usize)], coords: &[CoordinatorProfile]) {
    v.sort_unstable_by(|a, b| {
        b.0.cmp(&a.0)
            .then_with(|| coords[a.1].id.cmp(&coords[b.1].id))
    });
}

/// The hard rules `coordinator` breaks for `request` on `today`, in a fixed order
/// (availability, coverage, side, capacity); empty when the coordinator is eligible. For a
/// [`SidesNeeded::Both`] request the side rule asks for either side (the pair supplies both).
pub fn exclusions(
    request: &DispatchRequest,
    coordinator: &CoordinatorProfile,
    today: NaiveDate,
) -> Vec<Exclusion> {
    let ctx = ReqCtx::new(request, today);
    let c = coordinator;
    let mut out = Vec::new();
    match c.availability {
        Availability::Active => {}
        Availability::OnLeave { until } => {
            if !c.availability.is_active_on(today) {
                out.push(Exclusion::OnLeave { until });
            }
        }
        Availability::Inactive => out.push(Exclusion::Inactive),
    }
    if ctx.cover(c).is_none() {
        out.push(Exclusion::DoesNotCover);
    }
    if !ctx.side_ok(c, None) {
        out.push(Exclusion::MissingSide {
            needed: request.sides,
        });
    }
    if c.active_cases >= c.max_active_cases {
        out.push(Exclusion::AtCapacity {
            active: c.active_cases,
            max: c.max_active_cases,
        });
    }
    out
}

/// True when `coordinator` breaks no hard rule for `request` on `today`.
pub fn is_eligible(
    request: &DispatchRequest,
    coordinator: &CoordinatorProfile,
    today: NaiveDate,
) -> bool {
    ReqCtx::new(request, today).eligible(coordinator, None)
}

/// The score of `coordinator` for `request`, or `None` when a hard rule excludes them.
pub fn score(
    request: &DispatchRequest,
    coordinator: &CoordinatorProfile,
    weights: &Weights,
    today: NaiveDate,
) -> Option<u32> {
    let ctx = ReqCtx::new(request, today);
    ctx.eligible(coordinator, None)
        .then(|| ctx.score(coordinator, weights))
}

/// Ranks the coordinators for one request: only those breaking no hard rule (see
/// [`exclusions`]), best score first, equal scores by smaller id. For a
/// [`SidesNeeded::Both`] request this lists everyone on either side; use [`rank_pairs`] to
/// choose the pair.
///
/// Cost: one pass over `coordinators` with no allocation per excluded coordinator, one sort,
/// and one small `Vec` of reasons per candidate. The benchmark calls it as
/// `rank(&request, &coordinators, &Weights::default(), today)` over 5,000 coordinators
/// (see the `dispatch_timing` test).
pub fn rank<'a>(
    request: &DispatchRequest,
    coordinators: &'a [CoordinatorProfile],
    weights: &Weights,
    today: NaiveDate,
) -> Vec<Candidate<'a>> {
    let ctx = ReqCtx::new(request, today);
    ctx.scored(coordinators, weights, None)
        .into_iter()
        .map(|(s, i)| ctx.candidate(&coordinators[i], s, None))
        .collect()
}

fn pair_bonus_parts<'c>(
    ctx: &ReqCtx<'_>,
    m: &'c CoordinatorProfile,
    w: &CoordinatorProfile,
) -> (bool, Option<&'c MunicipalityCode>) {
    let child = ctx.req.child_id;
    let fam = m.worked_with(child).is_some() && w.worked_with(child).is_some();
    let aff = match (&m.affiliation, &w.affiliation) {
        (Some(a), Some(b)) if a == b => Some(a),
        _ => None,
    };
    (fam, aff)
}

pub(super) fn bonus_points(weights: &Weights, fam: bool, aff: bool) -> u32 {
    let halves = u8::from(fam) + u8::from(aff);
    points(weights.0.pair * f64::from(halves) / 2.0)
}

/// The joint bonus of a pair: ½ × pair weight × 1000 points when both worked with the
/// request's family, the same again when their affiliations are the same municipality.
/// 0 when `medical` and `welfare` are the same person.
pub fn pair_bonus(
    request: &DispatchRequest,
    medical: &CoordinatorProfile,
    welfare: &CoordinatorProfile,
    weights: &Weights,
) -> u32 {
    if medical.id == welfare.id {
        return 0;
    }
    let child = request.child_id;
    let fam = medical.worked_with(child).is_some() && welfare.worked_with(child).is_some();
    let aff = medical.affiliation.is_some() && medical.affiliation == welfare.affiliation;
    bonus_points(weights, fam, aff)
}

/// One pair found by [`best_pairs`]: indexes into the coordinator slice.
#[derive(Clone, Copy, Debug)]
pub(super) struct PairPick {
    pub(super) m: usize,
    pub(super) w: usize,
    pub(super) sm: u32,
    pub(super) sw: u32,
    pub(super) bonus: u32,
}

impl PairPick {
    pub(super) fn total(&self) -> u64 {
        u64::from(self.sm) + u64::from(self.sw) + u64::from(self.bonus)
    }
}

/// The best `n` pairs from sorted medical and welfare lists (`(score, index)`, best first).
///
/// Exact without looking at all |M|·|W| pairs: the bonus depends only on two properties of
/// the welfare member relative to the medical one (worked with the family, same
/// affiliation). For each medical member we take the first n+1 welfare members of each of the
/// four lists "all", "worked with the family", "same affiliation", "both". A pair (m, w) not
/// taken has, in the list of w's own properties, n other members w' before it: each scores at
/// least as high with a bonus at least as large, so n pairs beat (m, w) and it is not in the
/// top n. Dual-side people are oriented so that the smaller id is the medical member when
/// both orientations are possible (same total), and the unordered pair is listed once.
pub(super) fn best_pairs(
    ctx: &ReqCtx<'_>,
    coords: &[CoordinatorProfile],
    weights: &Weights,
    med: &[(u32, usize)],
    wel: &[(u32, usize)],
    n: usize,
) -> Vec<PairPick> {
    if n == 0 || med.is_empty() || wel.is_empty() {
        return Vec::new();
    }
    let child = ctx.req.child_id;
    let fam: Vec<(u32, usize)> = wel
        .iter()
        .copied()
        .filter(|&(_, i)| coords[i].worked_with(child).is_some())
        .collect();
    let mut by_aff: BTreeMap<&str, Vec<(u32, usize)>> = BTreeMap::new();
    let mut by_aff_fam: BTreeMap<&str, Vec<(u32, usize)>> = BTreeMap::new();
    for &(s, i) in wel {
        if let Some(a) = &coords[i].affiliation {
            by_aff.entry(a.as_str()).or_default().push((s, i));
            if coords[i].worked_with(child).is_some() {
                by_aff_fam.entry(a.as_str()).or_default().push((s, i));
            }
        }
    }
    let take = n.saturating_add(1);
    let mut picks: Vec<PairPick> = Vec::new();
    for &(sm, m) in med {
        let cm = &coords[m];
        let m_fam = cm.worked_with(child).is_some();
        let aff = cm.affiliation.as_ref().map(|a| a.as_str());
        let empty: &[(u32, usize)] = &[];
        let lists: [&[(u32, usize)]; 4] = [
            wel,
            if m_fam { &fam } else { empty },
            aff.and_then(|a| by_aff.get(a)).map_or(empty, |v| v),
            if m_fam {
                aff.and_then(|a| by_aff_fam.get(a)).map_or(empty, |v| v)
            } else {
                empty
            },
        ];
        for list in lists {
            for &(sw, w) in list.iter().take(take) {
                if w == m || coords[w].id == cm.id {
                    continue;
                }
                let (f, a) = pair_bonus_parts(ctx, cm, &coords[w]);
                let mut p = PairPick {
                    m,
                    w,
                    sm,
                    sw,
                    bonus: bonus_points(weights, f, a.is_some()),
                };
                if coords[w].id < cm.id
                    && coords[w].has_side(Side::Medical)
                    && cm.has_side(Side::Welfare)
                {
                    p = PairPick {
                        m: w,
                        w: m,
                        sm: sw,
                        sw: sm,
                        bonus: p.bonus,
                    };
                }
                picks.push(p);
            }
        }
    }
    picks.sort_unstable_by(|a, b| {
        b.total()
            .cmp(&a.total())
            .then_with(|| coords[a.m].id.cmp(&coords[b.m].id))
            .then_with(|| coords[a.w].id.cmp(&coords[b.w].id))
    });
    picks.dedup_by(|a, b| a.m == b.m && a.w == b.w);
    picks.truncate(n);
    picks
}

/// The best `top_n` medical + welfare pairs for `request` (whatever its `sides`), ranked by
/// the joint score `medical.score + welfare.score + bonus` (see [`pair_bonus`]), equal scores
/// by medical id then welfare id. Both members break no hard rule and are on their side; a
/// person never pairs with themself; two people who both cover both sides appear once (the
/// smaller id as the medical member).
///
/// This is not two independent lists: a lower-scored member can win through the bonus.
pub fn rank_pairs<'a>(
    request: &DispatchRequest,
    coordinators: &'a [CoordinatorProfile],
    weights: &Weights,
    today: NaiveDate,
    top_n: usize,
) -> Vec<PairCandidate<'a>> {
    let ctx = ReqCtx::new(request, today);
    let med = ctx.scored(coordinators, weights, Some(Side::Medical));
    let wel = ctx.scored(coordinators, weights, Some(Side::Welfare));
    best_pairs(&ctx, coordinators, weights, &med, &wel, top_n)
        .into_iter()
        .map(|p| {
            let (cm, cw) = (&coordinators[p.m], &coordinators[p.w]);
            let (fam, aff) = pair_bonus_parts(&ctx, cm, cw);
            let mut bonus_reasons = Vec::new();
            if fam {
                bonus_reasons.push(PairReason::BothWorkedWithFamily);
            }
            if let Some(a) = aff {
                bonus_reasons.push(PairReason::SharedAffiliation(a));
            }
            PairCandidate {
                medical: ctx.candidate(cm, p.sm, Some(Side::Medical)),
                welfare: ctx.candidate(cw, p.sw, Some(Side::Welfare)),
                bonus: p.bonus,
                bonus_reasons,
                score: p.sm.saturating_add(p.sw).saturating_add(p.bonus),
            }
        })
        .collect()
}
